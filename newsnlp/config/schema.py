"""The run config's schema: `RunConfig` over one pydantic model per YAML section, each in its
own module (output, encoder, tasks, data, serving; inputs and cascade), re-exported here. Loading,
overrides and error messages: `loading`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from newsnlp.config.base import Section
from newsnlp.config.cascade import CascadeConfig
from newsnlp.config.data import DataConfig
from newsnlp.config.encoder import Backend, CacheConfig, EncoderBackend, EncoderConfig, Quantize
from newsnlp.config.inputs import FeedConfig, FetchConfig, HtmlConfig, StoriesConfig
from newsnlp.config.output import OUTPUT_FORMATS, OutputConfig, OutputFormat, format_of_suffix
from newsnlp.config.packaged import DEFAULT_CONFIG_NAME, packaged_default
from newsnlp.config.serving import RayConfig, ServeConfig
from newsnlp.config.tasks import (
    GenerationKnobs,
    HeadTrainConfig,
    LabelSpec,
    SentimentConfig,
    SentimentLabel,
    SentimentTrainConfig,
    SummarizeConfig,
    TasksConfig,
    TopicsConfig,
    TopicsTrainConfig,
)

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "OUTPUT_FORMATS",
    "Backend",
    "CacheConfig",
    "DataConfig",
    "EncoderBackend",
    "EncoderConfig",
    "GenerationKnobs",
    "HeadTrainConfig",
    "LabelSpec",
    "OutputConfig",
    "OutputFormat",
    "Quantize",
    "RayConfig",
    "RunConfig",
    "SentimentConfig",
    "SentimentLabel",
    "SentimentTrainConfig",
    "ServeConfig",
    "SummarizeConfig",
    "TasksConfig",
    "TopicsConfig",
    "TopicsTrainConfig",
    "format_of_suffix",
    "packaged_default",
]


class RunConfig(Section):
    input: list[str] = Field(
        default_factory=lambda: ["seeds"],
        min_length=1,
        description="what to read: a path or URL, or a list of them (pages, HTML, feeds, JSONL, folders, files of URLs)",
    )
    input_encoding: str = Field(default="utf-8", description="text encoding of the input files, e.g. latin-1")
    on_duplicate: Literal["error", "suffix"] = Field(default="error", description="a repeated document id: an error, or made unique as id#2")
    max_document_bytes: int = Field(
        default=32_000_000,
        ge=1,
        description="bytes read of one input file or JSONL line at most; a larger file is read in part with a warning, a larger JSONL line is an error record",
    )
    max_lead_chars: int = Field(
        default=200_000, ge=0, description="lead text read per document (0 = all); longer leads are cut at a paragraph, with a warning"
    )
    html: HtmlConfig = Field(default_factory=HtmlConfig)
    feed: FeedConfig = Field(default_factory=FeedConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    device: str = Field(default="auto", description="auto | cpu | cuda | cuda:N | mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        default="auto",
        description="auto: bf16 on a GPU that has it (else fp16), fp32 on a CPU; encoder.backend openvino: bf16 where the CPU has AVX-512 bf16 or AMX, else fp32",
    )
    batch_size: int = Field(default=0, ge=0, le=4096, description="texts per model batch; 0 = auto: 16 on a CPU, 128 on a GPU")
    threads: int = Field(default=0, ge=0, le=1024, description="CPU threads for inference; 0 = the libraries' default (all cores)")
    encoder: EncoderConfig = Field(default_factory=EncoderConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    cascade: CascadeConfig = Field(default_factory=CascadeConfig)
    ray: RayConfig = Field(default_factory=RayConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    data: DataConfig | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """One path or URL, or a list of them; kept as strings (a URL made a Path loses a slash)."""
        if isinstance(value, (str, Path)):
            value = [value]
        if isinstance(value, list):
            return [str(v) if isinstance(v, Path) else v for v in value]
        return value

    @field_validator("input")
    @classmethod
    def _no_blank_input(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("an empty path; give a file, folder or URL")
        return value

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
            raise ValueError("one of auto, cpu, cuda, cuda:N, mps")
        return value
