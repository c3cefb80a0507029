"""The shared encoder's section and the embedding cache's."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
)

from newsnlp.config.base import Section

Backend = Literal["torch", "onnx"]
EncoderBackend = Literal["auto", "torch", "onnx", "openvino"]
Quantize = Literal["none", "int8"]


class EncoderConfig(Section):
    model: str = Field(
        default="mpnet",
        description="'mpnet' (packaged, the default), 'minilm' (packaged, the fast preset), 'static' (packaged, distilled from MPNet: configs/turbo.yaml), a folder, a static .npz, or a hub id",
    )
    max_length: int = Field(default=256, ge=8, le=8192, description="tokens per text; longer texts are truncated")
    backend: EncoderBackend = Field(
        default="auto",
        description="auto (onnx on CPU, torch on a GPU) | torch | onnx (ONNX Runtime on CPU, exported once and cached)"
        " | openvino (that export compiled by OpenVINO for the CPU in the run's dtype; pip install 'newsnlp[openvino]')",
    )
    quantize: Quantize = Field(
        default="none",
        description="backend onnx: none | int8 (dynamic, per-channel MatMul weights, those with outlier inputs kept fp32; checked against fp32 when built;"
        " faster, labels can differ)",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="the languages the encoder and its heads read (ISO 639-1); a text in another gets no topic or sentiment (abstained: language)",
    )


class CacheConfig(Section):
    """The on-disk embedding cache (`newsnlp/models/cache.py`): re-runs encode only new texts."""

    enabled: bool = Field(default=True, description="store and reuse text embeddings on disk (they are derived from your texts)")
    path: Path | None = Field(
        default=None, description="the SQLite file; null = the user cache folder ($NLP_CACHE_DIR or ~/.cache/nlp)/embeddings.sqlite"
    )
    max_mb: float = Field(default=1024.0, gt=0, description="past this size the least recently used vectors are dropped")
