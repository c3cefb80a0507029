"""Loading task models (seq2seq summarizers, sequence classifiers) from a folder or the local
Hugging Face cache, onto the run's device and dtype. Offline-first: `resolve_model` never touches
the network, and every `from_pretrained` here is `local_files_only=True`.

Sequence classifiers (NLI, sentiment) can also run on the ONNX Runtime backend; `Classifier`
hides which one runs them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from newsnlp.errors import ModelError
from newsnlp.models.resolve import loading, resolve_model
from newsnlp.models.runtime import Runtime

if TYPE_CHECKING:
    import torch

ModelKind = Literal["seq2seq", "classifier"]


def model_limit(path: Path, ref: str, key: str) -> int:
    """Tokens the model can read at once: the smaller of the tokenizer's and the config's limit
    (read from the folder's JSON files, so no library needs to load)."""
    limits: list[Any] = []
    for name, keys in (
        ("tokenizer_config.json", ("model_max_length",)),
        ("config.json", ("max_position_embeddings", "n_positions", "max_encoder_position_embeddings")),
    ):
        data = _read_json(path / name)
        limits += [data.get(k) for k in keys]
    usable = [int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
    if not usable:
        raise ModelError(f"{key}: cannot tell the input limit of '{ref}'")
    return min(usable)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass
class LoadedModel:
    ref: str
    model: Any
    tokenizer: Any
    device: torch.device
    limit: int
    lengths: dict[str, int | None] = field(default_factory=dict)  # seq2seq: the generation_config's own length knobs


def load_model(ref: str | None, kind: ModelKind, runtime: Runtime, key: str) -> LoadedModel:
    """The model and tokenizer behind `ref` (a folder or a cached hub id), ready for inference."""
    path = _resolve(ref, kind, key)
    import torch
    from transformers import (
        AutoModelForSeq2SeqLM,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if runtime.threads:
        torch.set_num_threads(runtime.threads)
    device, dtype = runtime.torch_device, runtime.torch_dtype
    auto = AutoModelForSeq2SeqLM if kind == "seq2seq" else AutoModelForSequenceClassification
    try:
        with loading(path, key):
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
            model = auto.from_pretrained(path, local_files_only=True, trust_remote_code=False, dtype=dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{key}: '{ref}' did not load as {_WHAT[kind]}: {str(exc).splitlines()[0]}") from exc
    lengths: dict[str, int | None] = {}
    if kind == "seq2seq":  # kept here and cleared on the model: we pass lengths as new-token counts
        gen = model.generation_config
        lengths = {name: getattr(gen, name) for name in ("max_length", "min_length", "max_new_tokens", "min_new_tokens")}
        gen.max_length = gen.min_length = None
    return LoadedModel(str(ref), model.to(device).eval(), tokenizer, device, model_limit(path, str(ref), key), lengths)


_WHAT = {"seq2seq": "a sequence-to-sequence (summarization) model", "classifier": "a sequence classifier"}


def _resolve(ref: str | None, kind: ModelKind, key: str) -> Path:
    if not ref:
        raise ModelError(f"{key} is not set: name a local model folder or a hub id")
    path = resolve_model(ref, key=key)
    _check_architecture(path, kind, f"{key}: '{ref}' is not {_WHAT[kind]}")
    return path


class Classifier:
    """A sequence classifier's logits for texts or (premise, hypothesis) pairs, on the torch
    backend (any device, dtype) or ONNX Runtime (CPU, optionally int8), batched by the caller.
    The backend is chosen once, here (`CLASSIFIERS`); `logits` runs whichever it is."""

    def __init__(self, ref: str | None, runtime: Runtime, key: str, backend: str = "torch", quantize: str = "none") -> None:
        self.runner = CLASSIFIERS[backend](ref, runtime, key, quantize)
        self.ref, self.limit, self.id2label = self.runner.ref, self.runner.limit, self.runner.id2label

    def logits(self, texts: Sequence[str] | Sequence[tuple[str, str]], pairs: bool = False) -> np.ndarray:
        """(n, n_classes) logits; with `pairs`, `texts` are (premise, hypothesis) pairs."""
        return self.runner.logits(texts, pairs)


class TorchClassifier:
    """transformers' sequence classifier on the run's device, in its dtype."""

    def __init__(self, ref: str | None, runtime: Runtime, key: str, quantize: str) -> None:
        self.loaded = load_model(ref, "classifier", runtime, key)
        self.ref, self.limit = self.loaded.ref, self.loaded.limit
        self.id2label = {int(k): v for k, v in self.loaded.model.config.id2label.items()}

    def logits(self, texts: Sequence[str] | Sequence[tuple[str, str]], pairs: bool) -> np.ndarray:
        import torch

        tokenizer = self.loaded.tokenizer
        with torch.inference_mode():
            if pairs:
                batch = tokenizer(
                    [pair[0] for pair in texts],
                    [pair[1] for pair in texts],
                    padding=True,
                    truncation="only_first",
                    max_length=self.limit,
                    return_tensors="pt",
                )
            else:
                batch = tokenizer(list(texts), padding=True, truncation=True, max_length=self.limit, return_tensors="pt")
            batch = {k: v.to(self.loaded.device) for k, v in batch.items()}
            return self.loaded.model(**batch).logits.float().cpu().numpy()


class OnnxClassifier:
    """The classifier's cached ONNX export, run by ONNX Runtime on the CPU (fp32 or int8)."""

    def __init__(self, ref: str | None, runtime: Runtime, key: str, quantize: str) -> None:
        section = key.rsplit(".", 1)[0]
        if runtime.device not in ("auto", "cpu"):
            raise ModelError(f"{section}.backend: onnx runs on the CPU; with device: {runtime.device} use backend: torch")
        from newsnlp.models.onnx import OnnxModel

        path = _resolve(ref, "classifier", key)
        self.ref, self.limit = str(ref), model_limit(path, str(ref), key)
        self.model = OnnxModel(path, "classifier", quantize, self.limit, runtime.threads, setting=f"{section}.quantize")
        self.id2label = {int(k): v for k, v in _read_json(path / "config.json").get("id2label", {}).items()}

    def logits(self, texts: Sequence[str] | Sequence[tuple[str, str]], pairs: bool) -> np.ndarray:
        return self.model.run(texts, pairs).astype(np.float32, copy=False)


CLASSIFIERS: dict[str, type[TorchClassifier | OnnxClassifier]] = {"torch": TorchClassifier, "onnx": OnnxClassifier}


def _check_architecture(path: Path, kind: ModelKind, message: str) -> None:
    """Refuse a model of the wrong kind before loading it (loading would bolt a random head on)."""
    config = _read_json(path / "config.json")
    if not config:
        return  # let from_pretrained report it
    architectures = config.get("architectures") or []
    if kind == "seq2seq":
        ok = config.get("is_encoder_decoder", False) or any("ConditionalGeneration" in a or "Seq2Seq" in a for a in architectures)
    else:
        ok = not architectures or any("ForSequenceClassification" in a for a in architectures)
    if not ok:
        raise ModelError(f"{message} (its architecture is {', '.join(architectures) or 'unknown'})")
