"""Where nlp keeps things on disk: the user cache ($NLP_CACHE_DIR: embeddings, ONNX exports,
fetched pages) and the model store ($NLP_MODELS_DIR: encoders fetched from the package
registry), and the file habits everything shares: a file's sha256, and a file or a folder that
appears whole or not at all."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO


def cache_root() -> Path:
    """$NLP_CACHE_DIR, else $XDG_CACHE_HOME/nlp, else ~/.cache/nlp."""
    if os.environ.get("NLP_CACHE_DIR"):
        return Path(os.environ["NLP_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nlp"


def models_root() -> Path:
    """$NLP_MODELS_DIR, else the cache's `models` folder: encoders unpacked once (`nlp models`)."""
    if os.environ.get("NLP_MODELS_DIR"):
        return Path(os.environ["NLP_MODELS_DIR"]).expanduser()
    return cache_root() / "models"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


STALE_PARTIAL_S = 3600  # a build folder older than this belongs to a killed process (a build takes minutes)


def remove_stale_partials(root: Path) -> None:
    """Build folders that a killed process left behind (`.partial-*`, hundreds of MB each)."""
    for folder in root.glob(".partial-*") if root.is_dir() else ():
        try:
            if time.time() - folder.stat().st_mtime > STALE_PARTIAL_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@contextmanager
def building_folder(final: Path, marker: str) -> Iterator[Path]:
    """A temporary folder beside `final`, renamed into place when the block succeeds, so the
    folder appears whole or not at all; removed in any case (and stale ones that killed builds
    left beside it). Losing the race to another process that published `final/marker` first is
    no error."""
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(final.parent)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=final.parent))
    try:
        yield partial
        try:
            partial.rename(final)
        except OSError:
            if not (final / marker).is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[TextIO]:
    """A text file written beside `path` (same folder, so the rename is atomic), flushed, synced
    and renamed onto `path` when the block succeeds: `path` holds its old content or the new,
    never a part, whatever stops the process (`staged`)."""
    with staged(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        yield text
        text.flush()
        text.detach()  # the binary handle stays open for `staged` to sync


@contextmanager
def staged(path: Path) -> Iterator[BinaryIO]:
    """The binary handle of a file beside `path`, this process's own (two writers never share
    one), synced and renamed onto `path` when the block succeeds, removed when it fails."""
    staging = path.with_name(f"{path.name}.{os.getpid()}.writing")
    handle = os.fdopen(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), "wb")
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def write_atomically(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """`data` as the whole of `path`, atomically (`staged`)."""
    with staged(path) as out:
        out.write(data.encode(encoding) if isinstance(data, str) else data)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a crash after it keeps the new name); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
