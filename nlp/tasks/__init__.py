"""Tasks share one small interface (`Task`); `build_tasks` maps config sections to them."""

from nlp.tasks.base import DocView, Task
from nlp.tasks.registry import build_tasks

__all__ = ["DocView", "Task", "build_tasks"]
