"""The encoder's backends, and the one place that chooses among them (`backend_type`).

A backend turns a batch of texts into unit vectors (`run`), and says what its vectors depend
on: `name` and `numerics` (in the embedding cache's key, `cache_key`) and `head_fingerprint`
(what a head fitted over them is bound to). Four: `torch` (transformers Auto classes, any device
and dtype), `onnx` (ONNX Runtime on the CPU over a cached export, optionally int8; imports
neither torch nor transformers), `openvino` (the same export compiled by OpenVINO for the CPU,
in the run's dtype; an optional extra) and `static` (a token table: `newsnlp.models.static`).
As in sentence-transformers, the backend is decided once, where the encoder is opened; every
later call is the same `run`, so nothing else branches on it.
"""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from newsnlp.config import EncoderConfig
from newsnlp.errors import ConfigError
from newsnlp.models.cache import encoder_fingerprint
from newsnlp.models.onnx import INT8_RECIPE
from newsnlp.models.pooling import mean_pool
from newsnlp.models.resolve import loading, resolve_model
from newsnlp.models.runtime import Runtime, resolves_to_gpu
from newsnlp.models.static import StaticBackend, static_path


class EncoderBackend(Protocol):
    """What the encoder asks of a backend."""

    @property
    def name(self) -> str:
        """torch, onnx, openvino or static."""

    @property
    def numerics(self) -> str:
        """What besides the model and backend changes the vectors (dtype, quantization, precision)."""

    @property
    def batch_size(self) -> int:
        """Texts per `run`."""

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None:
        """Load the model now (a second call does nothing)."""

    def run(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for `texts`, float32, shape (len(texts), dim), loading first if needed."""

    @property
    def dim(self) -> int: ...

    @property
    def cache_key(self) -> str | None:
        """The embedding cache's fingerprint of these vectors; None: never cached."""

    @property
    def head_fingerprint(self) -> str | None:
        """What a head fitted over these vectors is bound to (a static table's own fingerprint);
        None: heads carry across backends and precisions."""


def choose_backend(backend: str, device: str) -> str:
    """A transformer's `encoder.backend`; `auto`: torch when the device resolves to a GPU, else
    onnx (CPU: a cached export starts without importing torch)."""
    if backend != "auto":
        return backend
    return "torch" if resolves_to_gpu(device) else "onnx"


def is_static(config: EncoderConfig) -> bool:
    """Whether encoder.model names a static table ('static' or a .npz) rather than a transformer."""
    return static_path(config.model) is not None


def backend_type(config: EncoderConfig, device: str) -> type[StaticBackend | TransformerBackend]:
    """The backend `config` runs on `device`: the static one for a table (`is_static`), else the
    transformer backend encoder.backend names. Decided here only."""
    if is_static(config):
        return StaticBackend
    return TRANSFORMERS[choose_backend(config.backend, device)]


def open_backend(config: EncoderConfig, runtime: Runtime) -> EncoderBackend:
    """The backend of `config` on `runtime`, checked, its model not yet loaded."""
    return backend_type(config, runtime.device).open(config, runtime)


def describe_backend(config: EncoderConfig, device: str, dtype: str) -> str:
    """What `config` runs as, e.g. `onnx/none` on a CPU or `torch bfloat16 on cuda` (nlp bench)."""
    return backend_type(config, device).describe(config, device, dtype)


def position_limit(folder: Path) -> int | None:
    """How many tokens a model folder's positions hold (RoBERTa-style models, MPNet among them,
    spend `pad_token_id + 1` positions before the first token), if its config.json says."""
    config = _folder_config(folder)
    positions = config.get("max_position_embeddings")
    if not isinstance(positions, int) or positions <= 0:
        return None
    if str(config.get("model_type", "")).lower() in ("roberta", "xlm-roberta", "mpnet", "camembert", "longformer"):
        positions -= int(config.get("pad_token_id") or 1) + 1
    return positions


def configured_dim(folder: Path) -> int | None:
    """The width a model folder's config.json gives (hidden_size, dim or d_model), if any."""
    config = _folder_config(folder)
    for key in ("hidden_size", "dim", "d_model"):
        if isinstance(config.get(key), int) and config[key] > 0:
            return int(config[key])
    return None


def _folder_config(folder: Path) -> dict[str, Any]:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


class TransformerBackend(ABC):
    """A transformer in a model folder, mean-pooled and L2-normalised as sentence-transformers
    runs it; a subclass says how it loads (`_open`) and runs (`run`)."""

    name: ClassVar[str]

    def __init__(self, config: EncoderConfig, path: Path, runtime: Runtime) -> None:
        self.config, self.path, self.runtime = config, path, runtime
        self.batch_size = runtime.batch_size
        self.model: Any = None

    @classmethod
    def open(cls, config: EncoderConfig, runtime: Runtime) -> TransformerBackend:
        """The backend of the folder encoder.model names, if its positions hold encoder.max_length."""
        path = resolve_model(config.model, key="encoder.model")
        limit = position_limit(path)
        if limit is not None and config.max_length > limit:
            raise ConfigError(
                f"encoder.max_length {config.max_length} is over the {limit} positions of {config.model}; set encoder.max_length to at most {limit}"
            )
        return cls(config, path, runtime)

    @staticmethod
    @abstractmethod
    def describe(config: EncoderConfig, device: str, dtype: str) -> str:
        """What the backend runs as, for nlp bench's header (the settings as configured)."""

    @property
    @abstractmethod
    def numerics(self) -> str: ...

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def load(self) -> None:
        if self.model is None:
            with loading(self.path, "encoder.model"):
                model = self._open()
            self.model = self._placed(model)

    def _placed(self, model: Any) -> Any:
        """The loaded model where it runs (outside `loading`: a device's error is no bad file)."""
        return model

    @abstractmethod
    def _open(self) -> Any:
        """The loaded model (files read inside `loading`: a bad one is one line)."""

    @abstractmethod
    def run(self, texts: list[str]) -> np.ndarray: ...

    @functools.cached_property
    def dim(self) -> int:
        """The model's configured width, else measured once."""
        return configured_dim(self.path) or int(self.run(["x"]).shape[1])

    @functools.cached_property
    def cache_key(self) -> str:
        return encoder_fingerprint(self.path, self.config.max_length, self.name, self.numerics)

    head_fingerprint = None


class TorchBackend(TransformerBackend):
    """transformers' AutoModel on the run's device, in its dtype."""

    name = "torch"

    @staticmethod
    def describe(config: EncoderConfig, device: str, dtype: str) -> str:
        return f"torch {dtype} on {device}"

    @property
    def numerics(self) -> str:
        return self.runtime.resolved_dtype

    def _open(self) -> Any:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        if self.runtime.threads:
            torch.set_num_threads(self.runtime.threads)
        hf_logging.disable_progress_bar()  # our own progress bar speaks for the run
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True, trust_remote_code=False)
        return AutoModel.from_pretrained(self.path, local_files_only=True, trust_remote_code=False, dtype=self.runtime.torch_dtype)

    def _placed(self, model: Any) -> Any:
        return model.to(self.runtime.torch_device).eval()

    def run(self, texts: list[str]) -> np.ndarray:
        import torch

        self.load()
        with torch.inference_mode():
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt")
            batch = {k: v.to(self.runtime.torch_device) for k, v in batch.items()}
            hidden = self.model(**batch).last_hidden_state
            pooled = mean_pool(hidden, batch["attention_mask"].to(hidden.dtype))
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
            return pooled.cpu().numpy()


class ExportBackend(TransformerBackend):
    """The model's cached ONNX export, run on the CPU (`OnnxModel` or `OpenVinoModel`)."""

    def __init__(self, config: EncoderConfig, path: Path, runtime: Runtime) -> None:
        if runtime.device not in ("auto", "cpu"):
            raise ConfigError(f"encoder.backend: {self.name} runs on the CPU; with device: {runtime.device} use backend: torch")
        super().__init__(config, path, runtime)

    def run(self, texts: list[str]) -> np.ndarray:
        self.load()
        return np.asarray(self.model.run(texts), dtype=np.float32)


class OnnxBackend(ExportBackend):
    """ONNX Runtime over the export, fp32 or int8 (encoder.quantize)."""

    name = "onnx"

    @staticmethod
    def describe(config: EncoderConfig, device: str, dtype: str) -> str:
        return f"onnx/{config.quantize}"

    @property
    def numerics(self) -> str:
        """The quantization; int8 vectors of an earlier recipe (MPNet's were wrong) are never a hit."""
        return self.config.quantize if self.config.quantize == "none" else f"{self.config.quantize}-{INT8_RECIPE}"

    def _open(self) -> Any:
        from newsnlp.models.onnx import OnnxModel

        return OnnxModel(self.path, "encoder", self.config.quantize, self.config.max_length, self.runtime.threads)


class OpenVinoBackend(ExportBackend):
    """OpenVINO over the export, in the precision the run's dtype names (resolved once here: the
    model and the cache's key use it)."""

    name = "openvino"

    def __init__(self, config: EncoderConfig, path: Path, runtime: Runtime) -> None:
        super().__init__(config, path, runtime)
        if config.quantize != "none":
            raise ConfigError("encoder.quantize: int8 applies to backend onnx; backend openvino takes its precision from dtype")
        from newsnlp.models.openvino import openvino_precision

        self.precision = openvino_precision(runtime.dtype)

    @staticmethod
    def describe(config: EncoderConfig, device: str, dtype: str) -> str:
        return f"openvino {dtype}"

    @property
    def numerics(self) -> str:
        return self.precision

    def _open(self) -> Any:
        from newsnlp.models.openvino import OpenVinoModel

        return OpenVinoModel(self.path, self.precision, self.config.max_length, self.runtime.threads)


TRANSFORMERS: dict[str, type[TransformerBackend]] = {backend.name: backend for backend in (TorchBackend, OnnxBackend, OpenVinoBackend)}
