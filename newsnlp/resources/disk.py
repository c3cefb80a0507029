"""Where nlp keeps things on disk: the user cache ($NLP_CACHE_DIR: embeddings, ONNX exports,
fetched pages) and the model store ($NLP_MODELS_DIR: encoders fetched from the package
registry), and the two file habits everything there shares: a file's sha256, and a folder that
appears whole or not at all."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
