"""An on-disk cache of text embeddings, so a re-run encodes only texts it has not seen.

Keyed by the encoder's fingerprint (its model files, `max_length`, backend, and quantization or precision) and
the text's hash: a changed model or setting is a different key, never a stale hit. Vectors are
stored as float32 in SQLite (stdlib) in WAL mode, so two runs and a server can share one file,
and a writer killed mid-transaction leaves the file as it was before it. A file that is not
this cache (damaged, not SQLite, another program's tables) is moved aside and rebuilt, with a
warning; it never yields a vector of the wrong size. Past `cache.max_mb`, the least recently used
vectors go first.

On by default (`cache.enabled`), in the user cache folder: the vectors are derived from your
texts (README says so); `nlp cache info|clear`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.resources.disk import cache_root, models_root

Encode = Callable[[list[str]], np.ndarray]


def default_cache_path() -> Path:
    return cache_root() / "embeddings.sqlite"


def encoder_fingerprint(model_path: Path, max_length: int, backend: str, numerics: str) -> str:
    """Changes when the model's files (names, sizes, contents of the small ones) or the settings
    that change its vectors do."""
    digest = hashlib.sha256(f"{max_length}|{backend}|{numerics}".encode())
    for file in sorted(p for p in model_path.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(model_path)}:{stat.st_size}".encode())
        if stat.st_size < 1 << 20:  # configs and vocabularies; large weight files by size (hashing them costs seconds)
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """get/put of float32 vectors by (fingerprint, text), least recently used first out past
    `max_bytes`."""

    def __init__(self, path: Path, fingerprint: str, dim: int | None = None, max_bytes: int | None = None, name: str = "") -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint
        self.name = name  # how `nlp cache info` names the encoder: mpnet, minilm or a folder, with its backend
        self.dim = dim
        self.max_bytes = max_bytes
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:  # not SQLite, damaged, or another program's tables
            print(f"nlp: warning: embedding cache {self.path} is unreadable ({exc}); moved aside, starting a new one", file=sys.stderr)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.path.replace(self.path.with_suffix(".corrupt"))
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (encoder TEXT NOT NULL, text BLOB NOT NULL, vector BLOB NOT NULL, "
            "used INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (encoder, text))"
        )
        columns = {row[1] for row in db.execute("PRAGMA table_info(vectors)")}
        if "used" not in columns and {"encoder", "text", "vector"} <= columns:  # a cache from before the size cap
            db.execute("ALTER TABLE vectors ADD COLUMN used INTEGER NOT NULL DEFAULT 0")
        elif not {"encoder", "text", "vector", "used"} <= columns:
            raise sqlite3.DatabaseError(f"its 'vectors' table has other columns ({', '.join(sorted(columns))})")
        db.execute("CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used)")
        db.execute("CREATE TABLE IF NOT EXISTS encoders (encoder TEXT PRIMARY KEY, name TEXT NOT NULL)")
        if self.name:
            db.execute("INSERT OR REPLACE INTO encoders VALUES (?, ?)", (self.fingerprint, self.name))
        db.execute("SELECT count(*) FROM vectors WHERE encoder = ?", (self.fingerprint,)).fetchone()
        return db

    def get(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        now = int(time.time())
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT text, vector FROM vectors WHERE encoder = ? AND text IN ({marks})", (self.fingerprint, *chunk)).fetchall()
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if self.dim is None or len(vector) == self.dim:
                    found[key] = vector
            if rows:  # recently used: kept longest under the cap (rewritten at most once an hour)
                self.db.execute(
                    f"UPDATE vectors SET used = ? WHERE encoder = ? AND text IN ({marks}) AND used < ?", (now, self.fingerprint, *chunk, now - 3600)
                )
        return [found.get(k) for k in keys]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        now = int(time.time())
        rows = [(self.fingerprint, text_key(t), np.asarray(v, dtype=np.float32).tobytes(), now) for t, v in zip(texts, vectors)]
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
        if self.max_bytes:
            self._cap(self.max_bytes)

    def stored_bytes(self) -> int:
        return stored_bytes(self.db)

    def _cap(self, max_bytes: int) -> None:
        """Past `max_bytes`, the least recently used vectors (any encoder's) go, a tenth more than needed."""
        used = self.stored_bytes()
        if used <= max_bytes:
            return
        rows = self.db.execute("SELECT count(*) FROM vectors").fetchone()[0] or 1
        drop = min(rows, int((used - max_bytes) / (used / rows) * 1.1) + 1)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY used LIMIT ?)", (drop,))

    def close(self) -> None:
        self.db.close()


def stored_bytes(db: sqlite3.Connection) -> int:
    """Bytes of the file's pages in use (freed pages are reused before the file grows)."""
    pages, free, size = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count", "page_size"))
    return int((pages - free) * size)


def cache_info(path: Path) -> dict[str, Any]:
    """What `nlp cache info` prints: the file, its size, and vectors per encoder fingerprint
    (read only: an unreadable file is reported, not moved)."""
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    info: dict[str, Any] = {"path": str(path), "exists": path.exists(), "bytes_on_disk": sum(f.stat().st_size for f in files if f.exists())}
    if not path.exists():
        return info
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            info["stored_bytes"] = stored_bytes(db)
            rows = db.execute("SELECT encoder, count(*), sum(length(vector)) FROM vectors GROUP BY encoder").fetchall()
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            names = dict(db.execute("SELECT encoder, name FROM encoders").fetchall()) if "encoders" in tables else {}
            info["encoders"] = {
                names.get(encoder) or f"an encoder an older nlp stored (fingerprint {encoder})": {"vectors": n, "bytes": size, "fingerprint": encoder}
                for encoder, n, size in rows
            }
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        info["unreadable"] = str(exc)
    return info


def other_stores() -> dict[str, Path]:
    """What else nlp keeps on disk beside the embedding cache, by what it holds."""
    root = cache_root()
    return {"models": models_root(), "ONNX exports": root / "onnx", "OpenVINO caches": root / "openvino", "fetched pages": root / "http"}


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0


def clear_cache(path: Path) -> int:
    """Delete the cache file (and its WAL); the bytes freed."""
    freed = 0
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            freed += file.stat().st_size
            file.unlink()
    return freed


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
