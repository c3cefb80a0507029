"""An on-disk cache of text embeddings, so a re-run encodes only texts it has not seen.

Keyed by the encoder's fingerprint (its model files, `max_length`, backend and quantization) and
the text's hash: a changed model or setting is a different key, never a stale hit. Vectors are
stored as float32 in SQLite (stdlib) in WAL mode, so two processes can share one file. A cache
file that SQLite cannot read is moved aside and rebuilt, with a warning; it never yields a
vector of the wrong size.

The evaluation scripts use it (`cache.enabled=true`): scoring every dev set with MPNet on two
cores otherwise re-encodes the same texts for every figure.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlp.models.resolve import cache_root

Encode = Callable[[list[str]], np.ndarray]


def default_cache_path() -> Path:
    return cache_root() / "embeddings.sqlite"


def encoder_fingerprint(model_path: Path, max_length: int, backend: str, quantize: str) -> str:
    """Changes when the model's files (names, sizes, contents of the small ones) or the settings
    that change its vectors do."""
    digest = hashlib.sha256(f"{max_length}|{backend}|{quantize}".encode())
    for file in sorted(p for p in model_path.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(model_path)}:{stat.st_size}".encode())
        if stat.st_size < 1 << 20:  # configs and vocabularies; large weight files by size (hashing them costs seconds)
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """get/put of float32 vectors by (fingerprint, text)."""

    def __init__(self, path: Path, fingerprint: str, dim: int | None = None) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.dim = dim
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            print(f"nlp: warning: embedding cache {self.path} is unreadable ({exc}); starting a new one", file=sys.stderr)
            self.path.replace(self.path.with_suffix(".corrupt"))
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (encoder TEXT NOT NULL, text BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (encoder, text))"
        )
        db.execute("SELECT count(*) FROM vectors WHERE encoder = ?", (self.fingerprint,)).fetchone()
        return db

    def get(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self.db.execute(
                f"SELECT text, vector FROM vectors WHERE encoder = ? AND text IN ({','.join('?' * len(chunk))})", (self.fingerprint, *chunk)
            ).fetchall()
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if self.dim is None or len(vector) == self.dim:
                    found[key] = vector
        return [found.get(k) for k in keys]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [(self.fingerprint, text_key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()


def cached_encode(cache: EmbeddingCache, encode: Encode, texts: Sequence[str], on_cached: Callable[[int], None] | None = None) -> np.ndarray:
    """`encode(texts)`, encoding only the texts the cache lacks and storing them; `on_cached(n)`
    reports the texts that needed no encoding (progress: `encode` reports the rest)."""
    hits = cache.get(texts)
    missing = list(dict.fromkeys(t for t, v in zip(texts, hits) if v is None))
    if on_cached:
        on_cached(len(texts) - len(missing))
    fresh = encode(missing) if missing else np.zeros((0, 0), dtype=np.float32)
    if missing:
        cache.put(missing, fresh)
    new = {t: fresh[i] for i, t in enumerate(missing)}
    return np.stack([v if v is not None else new[t] for t, v in zip(texts, hits)]).astype(np.float32, copy=False)
