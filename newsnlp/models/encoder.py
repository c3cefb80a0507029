"""The shared sentence encoder: mean pooling and L2 normalisation over a transformer, as
sentence-transformers runs all-MiniLM-L6-v2 (its model card's recipe), without depending on
sentence-transformers at run time.

Three backends: `torch` (transformers Auto classes, any device and dtype), `onnx` (ONNX Runtime
on CPU over a cached export, optionally int8; imports neither torch nor transformers) and
`openvino` (the same export compiled by OpenVINO for the CPU, in the run's dtype; an optional
extra). `auto` (the default) runs onnx on a CPU and torch on a GPU.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newsnlp.batching import run_batched
from newsnlp.config import CacheConfig, EncoderConfig, RunConfig
from newsnlp.errors import ConfigError
from newsnlp.models.pooling import mean_pool
from newsnlp.models.resolve import loading, resolve_model
from newsnlp.models.runtime import Runtime, choose_backend

if TYPE_CHECKING:
    from newsnlp.static.encoder import StaticEncoder


def position_limit(folder: Path) -> int | None:
    """How many tokens a model folder's positions hold (RoBERTa-style models, MPNet among them,
    spend `pad_token_id + 1` positions before the first token), if its config.json says."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    positions = config.get("max_position_embeddings") if isinstance(config, dict) else None
    if not isinstance(positions, int) or positions <= 0:
        return None
    if str(config.get("model_type", "")).lower() in ("roberta", "xlm-roberta", "mpnet", "camembert", "longformer"):
        positions -= int(config.get("pad_token_id") or 1) + 1
    return positions


def configured_dim(folder: Path) -> int | None:
    """The width a model folder's config.json gives (hidden_size, dim or d_model), if any."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for key in ("hidden_size", "dim", "d_model"):
        if isinstance(config, dict) and isinstance(config.get(key), int) and config[key] > 0:
            return int(config[key])
    return None


class Encoder:
    """Encode texts into unit-length vectors; models load on first use."""

    def __init__(self, config: EncoderConfig, runtime: Runtime | None = None, cache: CacheConfig | None = None):
        """`runtime`: the run's device, dtype, batch size and threads (a CPU default without one)."""
        self.config = config
        self.runtime = runtime = runtime or Runtime()
        self.cache_config = cache
        self.path: Path = resolve_model(config.model, key="encoder.model")
        limit = position_limit(self.path)
        if limit is not None and config.max_length > limit:
            raise ConfigError(
                f"encoder.max_length {config.max_length} is over the {limit} positions of {config.model}; set encoder.max_length to at most {limit}"
            )
        self.backend = choose_backend(config.backend, runtime.device)
        if self.backend in ("onnx", "openvino"):
            if runtime.device not in ("auto", "cpu"):
                raise ConfigError(f"encoder.backend: {self.backend} runs on the CPU; with device: {runtime.device} use backend: torch")
            if self.backend == "openvino":
                if config.quantize != "none":
                    raise ConfigError("encoder.quantize: int8 applies to backend onnx; backend openvino takes its precision from dtype")
                from newsnlp.models.openvino import openvino_precision

                self.precision = openvino_precision(runtime.dtype)  # resolved once: the model and the cache's key use it
        else:
            self.device = runtime.torch_device
            self.dtype = runtime.torch_dtype
        self._model: Any = None
        self._tokenizer: Any = None
        self._exported: Any = None  # an OnnxModel or OpenVinoModel: the cached export, run on the CPU
        self._cache: Any = None
        self.texts_encoded = 0  # every text asked for (cache hits included): the server's metric

    def _load(self) -> None:
        if self.backend == "onnx":
            from newsnlp.models.onnx import OnnxModel

            with loading(self.path, "encoder.model"):
                self._exported = OnnxModel(self.path, "encoder", self.config.quantize, self.config.max_length, self.runtime.threads)
            return
        if self.backend == "openvino":
            from newsnlp.models.openvino import OpenVinoModel

            with loading(self.path, "encoder.model"):
                self._exported = OpenVinoModel(self.path, self.precision, self.config.max_length, self.runtime.threads)
            return
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        if self.runtime.threads:
            torch.set_num_threads(self.runtime.threads)
        hf_logging.disable_progress_bar()  # our own progress bar speaks for the run
        with loading(self.path, "encoder.model"):
            self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True, trust_remote_code=False)
            model = AutoModel.from_pretrained(self.path, local_files_only=True, trust_remote_code=False, dtype=self.dtype)
        self._model = model.to(self.device).eval()

    @classmethod
    def for_run(cls, config: RunConfig, runtime: Runtime | None = None) -> Encoder:
        return cls(config.encoder, runtime or Runtime.for_run(config), config.cache)

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._exported is not None

    @functools.cached_property
    def dim(self) -> int:
        """The vectors' size: the model's configured width, else measured once."""
        configured = configured_dim(self.path)
        if configured:
            return configured
        if not self.loaded:
            self._load()
        if self._exported is not None:
            return int(self._exported.run(["x"]).shape[1])
        return int(self._model.config.hidden_size)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        if self._exported is not None:
            return self._exported.run(texts).astype(np.float32, copy=False)
        import torch

        with torch.inference_mode():
            batch = self._tokenizer(texts, padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt")
            batch = {k: v.to(self.device) for k, v in batch.items()}
            hidden = self._model(**batch).last_hidden_state
            pooled = mean_pool(hidden, batch["attention_mask"].to(hidden.dtype))
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
            return pooled.cpu().numpy()

    def encode(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, shape (len(texts), dim), in input order."""
        if not self.loaded:
            self._load()
        self.texts_encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.cache_config is not None and self.cache_config.enabled:
            from newsnlp.models.cache import cached_encode

            return cached_encode(self.cache, lambda missing: self._encode_all(missing, on_batch), texts, on_cached=on_batch)
        return self._encode_all(texts, on_batch)

    @property
    def numerics(self) -> str:
        """What besides the model and backend changes the vectors: onnx's quantization, torch's
        dtype, openvino's precision (the embedding cache keeps each apart)."""
        if self.backend == "onnx":  # int8 vectors of an earlier recipe (MPNet's were wrong) are never a hit
            from newsnlp.models.onnx import INT8_RECIPE

            return self.config.quantize if self.config.quantize == "none" else f"{self.config.quantize}-{INT8_RECIPE}"
        if self.backend == "openvino":
            return self.precision
        return str(self.dtype).removeprefix("torch.")

    @property
    def cache(self) -> Any:
        """The embedding cache for this encoder's fingerprint, opened on first use."""
        if self._cache is None:
            from newsnlp.models.cache import (
                EmbeddingCache,
                default_cache_path,
                encoder_fingerprint,
            )

            assert self.cache_config is not None
            fingerprint = encoder_fingerprint(self.path, self.config.max_length, self.backend, self.numerics)
            name = f"{self.config.model} ({self.backend} {self.numerics}, max_length {self.config.max_length})"
            self._cache = EmbeddingCache(
                self.cache_config.path or default_cache_path(),
                fingerprint,
                dim=configured_dim(self.path),  # a stored vector of another size is a miss
                max_bytes=int(self.cache_config.max_mb * 2**20),
                name=name,
            )
        return self._cache

    def _encode_all(self, texts: Sequence[str], on_batch: Callable[[int], None] | None) -> np.ndarray:
        rows = run_batched(list(texts), self._encode_batch, batch_size=self.runtime.batch_size, on_batch=on_batch)
        return np.stack(rows).astype(np.float32, copy=False)


def open_encoder(config: RunConfig, runtime: Runtime | None = None) -> Encoder | StaticEncoder:
    """The run's encoder: a static table (encoder.model 'static' or a .npz) or a transformer."""
    from newsnlp.static.encoder import StaticEncoder, static_path

    path = static_path(config.encoder.model)
    if path is not None:
        return StaticEncoder(config.encoder, path)
    return Encoder.for_run(config, runtime)
