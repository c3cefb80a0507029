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

from newsnlp.resources.disk import cache_root, models_root
from newsnlp.sqlite_files import header as file_header
from newsnlp.sqlite_files import hold, set_aside

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


APPLICATION_ID = 0x6E6C7065  # "nlpe", in the SQLite header: a file this project made
SQLITE_HEADER = b"SQLite format 3\x00"
OURS = {"vectors": {"encoder", "text", "vector", "used"}, "encoders": {"encoder", "name"}}


class EmbeddingCache:
    """get/put of float32 vectors by (fingerprint, text), least recently used first out past
    `max_bytes`. Only a file this project made is opened for writing (its SQLite header carries
    APPLICATION_ID; a cache from before that is recognised by its tables): a folder or another
    program's file is refused in one line, never renamed or altered. A cache that cannot be used
    (read-only, full disk, locked by another process for 30 s) is left alone with one warning and
    the run goes on encoding; a stored vector of the wrong size, NULL or not finite is a miss."""

    def __init__(
        self, path: Path, fingerprint: str, dim: int | None = None, max_bytes: int | None = None, name: str = "", busy_s: float = 30.0
    ) -> None:
        self.path = Path(path)
        self.busy_s = busy_s  # how long a write waits for another process's lock before the cache is left alone
        self.fingerprint = fingerprint
        self.name = name  # how `nlp cache info` names the encoder: mpnet, minilm or a folder, with its backend
        self.dim = dim
        self.max_bytes = max_bytes
        self.db: sqlite3.Connection | None = None
        self.off: str | None = None  # why the cache is not used (said once)
        refuse_foreign(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._open()
            hold(self)
        except sqlite3.DatabaseError as exc:
            if "malformed" in str(exc) or "not a database" in str(exc):  # ours, damaged: set aside, begin again
                self._set_aside(exc)
            else:
                self._give_up(exc)
        except OSError as exc:
            self._give_up(exc)

    def _set_aside(self, exc: Exception) -> None:
        try:
            aside = set_aside(self.path, self.path.with_suffix(".corrupt"))
        except OSError as error:
            self._give_up(error)
            return
        print(f"nlp: warning: embedding cache {self.path} is damaged ({exc}); moved aside to {aside}, starting a new one", file=sys.stderr)
        try:
            self.db = self._open()
            hold(self)
        except (sqlite3.DatabaseError, OSError) as again:
            self._give_up(again)

    def _give_up(self, exc: Exception) -> None:
        """Go on without the cache, said once."""
        if self.off is None:
            self.off = str(exc) or type(exc).__name__
            print(f"nlp: warning: the embedding cache {self.path} cannot be used ({self.off}); going on without it", file=sys.stderr)
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
        self.db = None

    def _open(self) -> sqlite3.Connection:
        """Connect; write only what is missing (a cache already set up is opened with reads
        alone, so a fully cached run reads while another process holds the write lock)."""
        db = sqlite3.connect(self.path, timeout=self.busy_s, isolation_level=None, check_same_thread=False)
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        tables = {
            name: {row[1] for row in db.execute(f"PRAGMA table_info({name})")}
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "vectors" not in tables:
            db.execute(
                "CREATE TABLE vectors (encoder TEXT NOT NULL, text BLOB NOT NULL, vector BLOB NOT NULL, "
                "used INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (encoder, text))"
            )
            db.execute("CREATE INDEX vectors_used ON vectors (used)")
        elif "used" not in tables["vectors"]:  # a cache from before the size cap
            db.execute("ALTER TABLE vectors ADD COLUMN used INTEGER NOT NULL DEFAULT 0")
            db.execute("CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used)")
        if "encoders" not in tables:
            db.execute("CREATE TABLE encoders (encoder TEXT PRIMARY KEY, name TEXT NOT NULL)")
        db.execute("SELECT count(*) FROM vectors WHERE encoder = ?", (self.fingerprint,)).fetchone()
        return db

    def get(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        if self.db is None:
            return [None] * len(texts)
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        now = int(time.time())
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(
                    f"SELECT text, vector FROM vectors WHERE encoder = ? AND text IN ({marks})", (self.fingerprint, *chunk)
                ).fetchall()
                for key, blob in rows:
                    vector = _vector(blob, self.dim)
                    if vector is not None:
                        found[key] = vector
                if rows:  # recently used: kept longest under the cap (rewritten at most once an hour; skipped when another writer holds the file)
                    self.db.execute("PRAGMA busy_timeout = 0")
                    try:
                        self.db.execute(
                            f"UPDATE vectors SET used = ? WHERE encoder = ? AND text IN ({marks}) AND used < ?",
                            (now, self.fingerprint, *chunk, now - 3600),
                        )
                    except sqlite3.OperationalError:
                        pass
                    finally:
                        self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_s * 1000)}")
        except (sqlite3.DatabaseError, OSError) as exc:
            self._give_up(exc)
            return [None] * len(texts)
        return [found.get(k) for k in keys]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if self.db is None:
            return
        now = int(time.time())
        rows = [(self.fingerprint, text_key(t), np.asarray(v, dtype=np.float32).tobytes(), now) for t, v in zip(texts, vectors)]
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                if self.name:  # how `nlp cache info` names this encoder
                    self.db.execute("INSERT OR REPLACE INTO encoders VALUES (?, ?)", (self.fingerprint, self.name))
            if self.max_bytes:
                self._cap(self.max_bytes)
        except (sqlite3.DatabaseError, OSError) as exc:
            self._give_up(exc)

    def stored_bytes(self) -> int:
        return stored_bytes(self.db) if self.db is not None else 0

    def _cap(self, max_bytes: int) -> None:
        """Past `max_bytes`, the least recently used vectors (any encoder's) go, a tenth more than needed."""
        used = self.stored_bytes()
        if used <= max_bytes or self.db is None:
            return
        rows = self.db.execute("SELECT count(*) FROM vectors").fetchone()[0] or 1
        drop = min(rows, int((used - max_bytes) / (used / rows) * 1.1) + 1)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM vectors WHERE rowid IN (SELECT rowid FROM vectors ORDER BY used LIMIT ?)", (drop,))

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
        self.closed = True


def _vector(blob: Any, dim: int | None) -> np.ndarray | None:
    """A stored vector, or None (a miss) where it is NULL, of the wrong size or not finite."""
    if not isinstance(blob, bytes) or len(blob) % 4:
        return None
    vector = np.frombuffer(blob, dtype=np.float32)
    if (dim is not None and len(vector) != dim) or not len(vector) or not np.isfinite(vector).all():
        return None
    return vector


def refuse_foreign(path: Path) -> None:
    """A folder, or a file this project did not make, is refused in one line and left as it is."""
    from newsnlp.errors import ConfigError

    fix = "choose another cache.path, or --set cache.enabled=false"
    if path.is_dir():
        raise ConfigError(f"cache.path {path} is a folder, not an embedding cache file; {fix}")
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        header = file_header(path)
    except OSError:
        return  # unreadable: found out (and said) when opened
    if header is None:
        return  # this process holds it open: checked then, and never read by open() again
    if not header.startswith(SQLITE_HEADER):
        if path == default_cache_path():
            return  # nlp's own file in nlp's own folder, damaged: set aside when opened
        raise ConfigError(f"cache.path {path} is not an nlp embedding cache (not an SQLite file); nlp never alters it: {fix}")
    if len(header) >= 72 and int.from_bytes(header[68:72], "big") == APPLICATION_ID:
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            tables = {
                name: {row[1] for row in db.execute(f"PRAGMA table_info({name})")}
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return  # damaged: found out when opened
    legacy = tables and set(tables) <= set(OURS) and all(columns <= OURS[name] and {"encoder"} <= columns for name, columns in tables.items())
    if not legacy:
        raise ConfigError(
            f"cache.path {path} is another program's SQLite file (tables: {', '.join(sorted(tables)) or 'none'}), not an nlp embedding cache; nlp never alters it: {fix}"
        )


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
    """Delete the cache file (and its WAL); the bytes freed. A folder or another program's file
    is refused in one line."""
    refuse_foreign(path)
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
    dims = {len(v) for v in hits if v is not None}
    if len(dims) > 1:  # vectors of two sizes under one key: none can be trusted
        hits = [None] * len(texts)
    missing = list(dict.fromkeys(t for t, v in zip(texts, hits) if v is None))
    if on_cached:
        on_cached(len(texts) - len(missing))
    fresh = encode(missing) if missing else np.zeros((0, 0), dtype=np.float32)
    if missing:
        cache.put(missing, fresh)
    new = {t: fresh[i] for i, t in enumerate(missing)}
    return np.stack([v if v is not None else new[t] for t, v in zip(texts, hits)]).astype(np.float32, copy=False)
