"""Where models run: the device, dtype, batch size and threads every model of a run shares
(`Runtime`), and the rules that resolve `auto` for each without importing torch on a CPU machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsnlp.errors import ModelError

if TYPE_CHECKING:
    import torch

    from newsnlp.config import RunConfig


@dataclass
class Runtime:
    """What every model of a run shares: where it runs, in which precision, in what batches."""

    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 64
    threads: int = 0

    @classmethod
    def for_run(cls, config: RunConfig) -> Runtime:
        """The run's device, dtype and threads, and its batch size resolved once (0: by device)."""
        return cls(config.device, config.dtype, choose_batch_size(config.batch_size, config.device), config.threads)

    @property
    def on_gpu(self) -> bool:
        """Whether the device resolves to a GPU (asked of torch only where one may be)."""
        return resolves_to_gpu(self.device)

    @property
    def torch_device(self) -> torch.device:
        return choose_device(self.device)

    @property
    def torch_dtype(self) -> torch.dtype:
        return choose_dtype(self.dtype, self.torch_device)


def choose_device(name: str = "auto") -> torch.device:
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


def choose_dtype(name: str, device: torch.device) -> torch.dtype:
    """`auto`: bf16 on a GPU that supports it, else fp16 on GPU, fp32 on CPU."""
    import torch

    if name != "auto":
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def resolves_to_gpu(device: str) -> bool:
    """Whether `device` is a GPU here: `cpu` never, `auto` only where `gpu_hint` says one may be
    (then torch is asked), a named device by what torch resolves it to."""
    if device == "cpu" or (device == "auto" and not gpu_hint()):
        return False
    return choose_device(device).type != "cpu"


def gpu_hint() -> bool:
    """Whether this machine may have a GPU, without importing torch: an NVIDIA driver, or Apple
    silicon (mps). Only then is torch asked (`device: auto` on a CPU machine stays light)."""
    import platform
    import sys

    return (
        Path("/proc/driver/nvidia/version").exists()
        or Path("/dev/nvidiactl").exists()
        or (sys.platform == "darwin" and platform.machine() == "arm64")
    )


CPU_BATCH, GPU_BATCH = 16, 128  # measured (nlp bench machine, 2 cores): ONNX Runtime ran MiniLM 20% faster at 16 than at 64


def choose_batch_size(batch_size: int, device: str) -> int:
    """`0` (auto): small batches on a CPU, where long padded batches spill the caches; large
    ones on a GPU, which they keep busy."""
    if batch_size:
        return batch_size
    return GPU_BATCH if resolves_to_gpu(device) else CPU_BATCH


def choose_backend(backend: str, device: str) -> str:
    """`auto`: torch when the device resolves to a GPU, else onnx (CPU: a cached export starts
    without importing torch)."""
    if backend != "auto":
        return backend
    return "torch" if resolves_to_gpu(device) else "onnx"
