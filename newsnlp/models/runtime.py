"""Where models run: the device, dtype, batch size and threads every model of a run shares
(`Runtime`), and the rules that resolve `auto` for each without importing torch on a CPU machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from newsnlp.errors import ModelError

if TYPE_CHECKING:
    import torch

    from newsnlp.config import RunConfig


@dataclass(frozen=True)
class Runtime:
    """What every model of a run shares: where it runs, in which precision, in what batches.

    `device` and `dtype` stay as configured (`auto` included: a CPU-only backend takes `auto`
    but refuses a GPU asked by name; OpenVINO resolves its own `auto` precision); the rest is
    resolved once, at construction: `on_gpu`, `resolved_device` and `resolved_dtype` (torch's
    names, asked of torch only where a GPU may be), and a `batch_size` of 0 (auto) by device."""

    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 64
    threads: int = 0  # 0: the libraries' default (every core)
    on_gpu: bool = field(init=False)
    resolved_device: str = field(init=False)  # cpu, cuda, cuda:N or mps
    resolved_dtype: str = field(init=False)  # float32, float16 or bfloat16

    def __post_init__(self) -> None:
        device = resolve_device(self.device)
        object.__setattr__(self, "resolved_device", device)
        object.__setattr__(self, "on_gpu", device != "cpu")
        object.__setattr__(self, "resolved_dtype", resolve_dtype(self.dtype, device))
        object.__setattr__(self, "batch_size", self.batch_size or (GPU_BATCH if self.on_gpu else CPU_BATCH))

    @classmethod
    def for_run(cls, config: RunConfig) -> Runtime:
        """The run's device, dtype, batch size (0: by device) and threads."""
        return cls(config.device, config.dtype, config.batch_size, config.threads)

    @property
    def torch_device(self) -> torch.device:
        import torch

        return torch.device(self.resolved_device)

    @property
    def torch_dtype(self) -> torch.dtype:
        import torch

        return cast("torch.dtype", getattr(torch, self.resolved_dtype))


def resolve_device(name: str) -> str:
    """The device `name` runs on, as torch names it; torch is asked only where a GPU may be
    (`gpu_hint`), so `auto` on a CPU machine imports nothing."""
    if name == "cpu" or (name == "auto" and not gpu_hint()):
        return "cpu"
    return str(choose_device(name))


def resolve_dtype(name: str, device: str) -> str:
    """`dtype` as torch names it on `device` (`choose_dtype`); a CPU's `auto` without torch."""
    if name != "auto" or device == "cpu":
        return "float32" if name == "auto" else name
    return str(choose_dtype(name, choose_device(device))).removeprefix("torch.")


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
    return resolve_device(device) != "cpu"


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
