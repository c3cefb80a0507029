"""The static tier as the pipeline's encoder: the same `encode` contract as the transformer
encoder (unit vectors in input order), over a `StaticModel` table; no embedding cache (looking
a vector up costs more than computing it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from newsnlp.config import EncoderConfig
from newsnlp.errors import ConfigError, ModelError
from newsnlp.resources import resource_path
from newsnlp.static.model import StaticModel

STATIC_ALIASES = {"static": "static_mpnet.npz"}  # packaged: distilled from the packaged MPNet (scripts/build_static.py)


def static_path(ref: str) -> Path | None:
    """The `.npz` of a static model named by encoder.model ('static' or a path), else None."""
    if ref.lower() in STATIC_ALIASES:
        return resource_path(STATIC_ALIASES[ref.lower()])
    path = Path(ref).expanduser()
    return path if path.suffix == ".npz" else None


class StaticEncoder:
    backend = "static"
    numerics = "float32"
    cache = None  # never cached: the table is faster than the cache

    def __init__(self, config: EncoderConfig, path: Path) -> None:
        if config.backend != "auto":
            raise ConfigError(f"encoder.backend: {config.backend} runs a transformer; a static encoder.model ({config.model}) takes backend: auto")
        if not path.is_file():
            raise ModelError(f"encoder.model: static model {path} does not exist; set encoder.model to 'static' or a static .npz")
        self.config, self.path = config, path
        self.texts_encoded = 0

    @functools.cached_property
    def model(self) -> StaticModel:
        return StaticModel.load(self.path)

    @property
    def loaded(self) -> bool:
        return "model" in self.__dict__

    @property
    def dim(self) -> int:
        return self.model.dim

    @property
    def fingerprint(self) -> str:
        return self.model.fingerprint

    def encode(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, shape (len(texts), dim), in input order."""
        self.texts_encoded += len(texts)
        return self.model.encode(list(texts), on_batch)
