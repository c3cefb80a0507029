"""The shared sentence encoder: unit vectors for texts, in input order, through the backend
chosen once where it is opened (`newsnlp.models.backends`: torch, onnx, openvino or a static
table), batched by the run's runtime and kept in the embedding cache where the backend allows.
A transformer is mean-pooled and L2-normalised as sentence-transformers runs all-MiniLM-L6-v2
(its model card's recipe), without depending on sentence-transformers at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from newsnlp.batching import run_batched
from newsnlp.config import CacheConfig, EncoderConfig, RunConfig
from newsnlp.models.backends import EncoderBackend, open_backend
from newsnlp.models.cache import EmbeddingCache, cached_encode, default_cache_path
from newsnlp.models.runtime import Runtime


class Encoder:
    """Encode texts into unit-length vectors; models load on first use."""

    def __init__(self, config: EncoderConfig, runtime: Runtime | None = None, cache: CacheConfig | None = None):
        """`runtime`: the run's device, dtype, batch size and threads (a CPU default without one);
        `cache`: the embedding cache's settings (none: no cache)."""
        self.config = config
        self.runtime = runtime or Runtime()
        self.cache_config = cache
        self.backend: EncoderBackend = open_backend(config, self.runtime)
        self._cache: EmbeddingCache | None = None
        self.texts_encoded = 0  # every text asked for (cache hits included): the server's metric

    @property
    def loaded(self) -> bool:
        return self.backend.loaded

    @property
    def dim(self) -> int:
        """The vectors' size."""
        return self.backend.dim

    @property
    def numerics(self) -> str:
        """What besides the model and backend changes the vectors (the cache keeps each apart)."""
        return self.backend.numerics

    @property
    def head_fingerprint(self) -> str | None:
        """What a head fitted over these vectors is bound to (a static table), else None."""
        return self.backend.head_fingerprint

    def encode(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, shape (len(texts), dim), in input order."""
        self.backend.load()
        self.texts_encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.cache is not None:
            return cached_encode(self.cache, lambda missing: self._encode_all(missing, on_batch), texts, on_cached=on_batch)
        return self._encode_all(texts, on_batch)

    @property
    def cache(self) -> EmbeddingCache | None:
        """The embedding cache for this encoder's vectors, opened on first use; None when the
        cache is off or the backend's vectors are never cached."""
        wanted = self._cache is None and self.cache_config is not None and self.cache_config.enabled
        key = self.backend.cache_key if wanted else None
        if key is not None and self.cache_config is not None:
            name = f"{self.config.model} ({self.backend.name} {self.numerics}, max_length {self.config.max_length})"
            self._cache = EmbeddingCache(
                self.cache_config.path or default_cache_path(),
                key,
                dim=self.dim,  # a stored vector of another size is a miss
                max_bytes=int(self.cache_config.max_mb * 2**20),
                name=name,
            )
        return self._cache

    def _encode_all(self, texts: Sequence[str], on_batch: Callable[[int], None] | None) -> np.ndarray:
        rows = run_batched(list(texts), self.backend.run, batch_size=self.backend.batch_size, on_batch=on_batch)
        return np.stack(rows).astype(np.float32, copy=False)


def open_encoder(config: RunConfig, runtime: Runtime | None = None) -> Encoder:
    """The run's encoder (its backend chosen by `newsnlp.models.backends.backend_type`)."""
    return Encoder(config.encoder, runtime or Runtime.for_run(config), config.cache)
