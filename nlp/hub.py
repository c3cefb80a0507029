"""Loading task models (seq2seq summarizers, sequence classifiers) from a folder or the local
Hugging Face cache, onto the run's device and dtype. Offline-first: `resolve_model` never touches
the network, and every `from_pretrained` here is `local_files_only=True`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from .errors import ModelError
from .models import choose_device, choose_dtype, resolve_model

ModelKind = Literal["seq2seq", "classifier"]


@dataclass
class Runtime:
    """What every model of a run shares: where it runs, in which precision, in what batches."""

    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 64

    @property
    def torch_device(self) -> torch.device:
        return choose_device(self.device)

    @property
    def torch_dtype(self) -> torch.dtype:
        return choose_dtype(self.dtype, self.torch_device)


@dataclass
class LoadedModel:
    ref: str
    model: Any
    tokenizer: Any
    device: torch.device
    lengths: dict[str, int | None] = field(default_factory=dict)  # seq2seq: the generation_config's own length knobs

    def input_limit(self) -> int:
        """Tokens the model can read at once: the smaller of the tokenizer's and the config's limit."""
        limits = [getattr(self.tokenizer, "model_max_length", None)]
        config = self.model.config
        for name in ("max_position_embeddings", "n_positions", "max_encoder_position_embeddings"):
            limits.append(getattr(config, name, None))
        usable = [int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
        if not usable:
            raise ModelError(f"{self.ref}: cannot tell the model's input limit; set tasks.summarize.max_input_tokens")
        return min(usable)


def load_model(ref: str | None, kind: ModelKind, runtime: Runtime, key: str) -> LoadedModel:
    """The model and tokenizer behind `ref` (a folder or a cached hub id), ready for inference."""
    if not ref:
        raise ModelError(f"{key} is not set: name a local model folder or a hub id")
    from transformers import AutoModelForSeq2SeqLM, AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    path = resolve_model(ref, key=key)
    device, dtype = runtime.torch_device, runtime.torch_dtype
    auto = AutoModelForSeq2SeqLM if kind == "seq2seq" else AutoModelForSequenceClassification
    what = "a sequence-to-sequence (summarization) model" if kind == "seq2seq" else "a sequence classifier"
    _check_architecture(path, kind, f"{key}: '{ref}' is not {what}")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = auto.from_pretrained(path, local_files_only=True, dtype=dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{key}: '{ref}' did not load as {what}: {str(exc).splitlines()[0]}") from exc
    lengths: dict[str, int | None] = {}
    if kind == "seq2seq":  # kept here and cleared on the model: we pass lengths as new-token counts
        gen = model.generation_config
        lengths = {name: getattr(gen, name) for name in ("max_length", "min_length", "max_new_tokens", "min_new_tokens")}
        gen.max_length = gen.min_length = None
    return LoadedModel(ref, model.to(device).eval(), tokenizer, device, lengths)


def _check_architecture(path: Path, kind: ModelKind, message: str) -> None:
    """Refuse a model of the wrong kind before loading it (loading would bolt a random head on)."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # let from_pretrained report it
    architectures = config.get("architectures") or []
    if kind == "seq2seq":
        ok = config.get("is_encoder_decoder", False) or any("ConditionalGeneration" in a or "Seq2Seq" in a for a in architectures)
    else:
        ok = not architectures or any("ForSequenceClassification" in a for a in architectures)
    if not ok:
        raise ModelError(f"{message} (its architecture is {', '.join(architectures) or 'unknown'})")
