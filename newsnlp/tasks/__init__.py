"""Tasks share one small interface (`Task`; `TopicsTask` and `SentimentTask` add one signature
each); `build_tasks` maps config sections to them."""

from newsnlp.tasks.base import DocView, Reads, SentimentTask, Task, TopicsTask
from newsnlp.tasks.registry import TaskSet, build_tasks

__all__ = ["DocView", "Reads", "SentimentTask", "Task", "TaskSet", "TopicsTask", "build_tasks"]
