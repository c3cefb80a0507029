"""Config section -> task object, through an explicit table (no introspection, no imports by name)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import TasksConfig
from .base import Task
from .sentiment import EmbeddingSentiment
from .summarize import ExtractiveSummarizer
from .topics import EmbeddingTopics

Encode = Callable[[list[str]], np.ndarray]

BUILDERS: dict[str, Callable[..., Task]] = {
    "summarize": lambda cfg, encode: ExtractiveSummarizer(cfg),
    "topics": lambda cfg, encode: EmbeddingTopics(cfg, encode),
    "sentiment": lambda cfg, encode: EmbeddingSentiment(cfg, encode),
}


def build_tasks(config: TasksConfig, encode: Encode) -> list[Task]:
    """The enabled tasks, in a fixed order; `encode` embeds label prototypes once per run."""
    tasks = []
    for name, builder in BUILDERS.items():
        section = getattr(config, name)
        if section.enabled:
            tasks.append(builder(section, encode))
    return tasks
