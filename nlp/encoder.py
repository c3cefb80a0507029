"""The shared sentence encoder: transformers Auto classes, mean pooling, L2 normalisation.

This is how sentence-transformers runs all-MiniLM-L6-v2 (its model card's recipe), without
depending on sentence-transformers at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from .batching import run_batched
from .config import EncoderConfig
from .models import choose_device, choose_dtype, resolve_model


class Encoder:
    """Encode texts into unit-length vectors; models load on first use."""

    def __init__(self, config: EncoderConfig, *, device: str = "auto", dtype: str = "auto", batch_size: int = 64):
        self.config = config
        self.batch_size = batch_size
        self.device = choose_device(device)
        self.dtype = choose_dtype(dtype, self.device)
        self.path: Path = resolve_model(config.model, key="encoder.model")
        self._model = None
        self._tokenizer = None

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress bar speaks for the run
        self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        model = AutoModel.from_pretrained(self.path, local_files_only=True, dtype=self.dtype)
        self._model = model.to(self.device).eval()

    @property
    def dim(self) -> int:
        if self._model is None:
            self._load()
        return int(self._model.config.hidden_size)

    @torch.inference_mode()
    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(texts, padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt")
        batch = {k: v.to(self.device) for k, v in batch.items()}
        hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
        return pooled.cpu().numpy()

    def encode(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors for `texts`, shape (len(texts), dim), in input order."""
        if self._model is None:
            self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = run_batched(list(texts), self._encode_batch, batch_size=self.batch_size, on_batch=on_batch)
        return np.stack(rows).astype(np.float32, copy=False)
