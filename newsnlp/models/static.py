"""The static encoder: the mean of per-token rows of a table, L2-normalised (`StaticModel`), and
`StaticBackend`, the encoder backend `newsnlp.models.backends` opens for `encoder.model: static` or
a `.npz` (sentence-transformers' `StaticEmbedding`: one more module behind the same `encode`).

Tens of thousands of texts a second on a CPU (tokenizing is most of the time): no model runs.
The table comes from `newsnlp.models.distill` and travels as one `.npz` (the table, the tokenizer's
JSON as bytes, and a card): it stores no text of any corpus. Heads are fitted to one exact
table, so its fingerprint (sha256 of the table's bytes) goes in every head's card.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.config import EncoderConfig
from newsnlp.errors import ConfigError, ModelError
from newsnlp.models.runtime import Runtime
from newsnlp.resources import resource_path

MAX_TOKENS = 512  # tokens read per text (a teaser is far shorter; a lead sentence too)
STATIC_BATCH = 4096  # texts tokenized and summed at once
STATIC_ALIASES = {"static": "static_mpnet.npz"}  # packaged: distilled from the packaged MPNet (scripts/build_static.py)


class StaticModel:
    """A token table and the tokenizer that indexes it."""

    def __init__(self, table: np.ndarray, tokenizer_json: str, card: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.card = card
        self.tokenizer_json = tokenizer_json
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    @property
    def dim(self) -> int:
        return int(self.table.shape[1])

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 of the table as float32 and the tokenizer: what a head is fitted to."""
        digest = hashlib.sha256(self.table.tobytes())
        digest.update(self.tokenizer_json.encode("utf-8"))
        return digest.hexdigest()[:16]

    @classmethod
    def load(cls, path: Path) -> StaticModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                table = data["table"]
                tokenizer_json = bytes(data["tokenizer"]).decode("utf-8")
                card = json.loads(bytes(data["card"]).decode("utf-8"))
        except (OSError, KeyError, ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"encoder.model: {path} is not a static model ({exc.__class__.__name__}: {str(exc)[:120]})") from exc
        if table.ndim != 2 or not np.isfinite(table).all():
            raise ModelError(f"encoder.model: {path} holds a damaged table; rebuild it with scripts/build_static.py")
        return cls(table, tokenizer_json, card)

    def save(self, path: Path) -> None:
        """One `.npz` (fp16 table: half the size, and what `load` reads back is what heads fit)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                table=self.table.astype(np.float16),
                tokenizer=np.frombuffer(self.tokenizer_json.encode("utf-8"), dtype=np.uint8),
                card=np.frombuffer(json.dumps(self.card, indent=1, sort_keys=True).encode("utf-8"), dtype=np.uint8),
            )

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, special tokens left out (one reading at fit and run time)."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str], on_batch: Callable[[int], None] | None = None, batch: int = STATIC_BATCH) -> np.ndarray:
        """Unit vectors, shape (len(texts), dim); a text with no known token is the zero vector."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch):
            ids = self.token_ids(texts[start : start + batch])
            lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
            flat = np.fromiter((i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum()))
            owner = np.repeat(np.arange(len(ids)), lengths)
            sums = np.zeros((len(ids), self.dim), dtype=np.float32)
            _sum_rows(sums, owner, self.table[flat])
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            out[start : start + len(ids)] = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
            if on_batch:
                on_batch(len(ids))
        return out


def _sum_rows(sums: np.ndarray, owner: np.ndarray, rows: np.ndarray) -> None:
    """sums[owner[i]] += rows[i], fast: rows of one text are contiguous (reduceat over runs)."""
    if not len(rows):
        return
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sums[owner[starts]] = np.add.reduceat(rows, starts, axis=0)


def static_path(ref: str) -> Path | None:
    """The `.npz` of a static model named by encoder.model ('static' or a path), else None."""
    if ref.lower() in STATIC_ALIASES:
        return resource_path(STATIC_ALIASES[ref.lower()])
    path = Path(ref).expanduser()
    return path if path.suffix == ".npz" else None


class StaticBackend:
    """A `StaticModel` as the encoder's backend: its table is read on first use; its vectors are
    never cached (looking one up costs more than computing it); a head fitted over them is bound
    to its exact table (`head_fingerprint`)."""

    name = "static"
    numerics = "float32"
    batch_size = STATIC_BATCH
    cache_key = None

    def __init__(self, config: EncoderConfig, path: Path) -> None:
        if config.backend != "auto":
            raise ConfigError(f"encoder.backend: {config.backend} runs a transformer; a static encoder.model ({config.model}) takes backend: auto")
        if not path.is_file():
            raise ModelError(f"encoder.model: static model {path} does not exist; set encoder.model to 'static' or a static .npz")
        self.path = path

    @classmethod
    def open(cls, config: EncoderConfig, runtime: Runtime) -> StaticBackend:
        """The backend of `config`'s table (every device: it runs on the CPU with numpy)."""
        path = static_path(config.model)
        assert path is not None  # `backend_type` chose this backend for that reason
        return cls(config, path)

    @staticmethod
    def describe(config: EncoderConfig, device: str, dtype: str) -> str:
        return "static"

    @functools.cached_property
    def model(self) -> StaticModel:
        return StaticModel.load(self.path)

    @property
    def loaded(self) -> bool:
        return "model" in self.__dict__

    def load(self) -> None:
        _ = self.model

    @property
    def dim(self) -> int:
        return self.model.dim

    @property
    def head_fingerprint(self) -> str:
        return self.model.fingerprint

    def run(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts)
