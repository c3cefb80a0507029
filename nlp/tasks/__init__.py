"""Tasks share one small interface (`Task`); `build_tasks` maps config sections to them."""

from .base import DocView, Task
from .registry import build_tasks

__all__ = ["DocView", "Task", "build_tasks"]
