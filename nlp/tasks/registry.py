"""Config section -> task object, through an explicit table keyed by (task, method): no
introspection, no imports by name. Hub-model tasks import their modules only when chosen."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nlp.config import TasksConfig
from nlp.models.runtime import Runtime
from nlp.tasks.base import Task

Encode = Callable[[list[str]], np.ndarray]


def _extractive(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.summarize import ExtractiveSummarizer

    return ExtractiveSummarizer(cfg)


def _abstractive(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(cfg, runtime)


def _embedding_topics(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.topics import EmbeddingTopics

    return EmbeddingTopics(cfg, encode, encoder=encoder)


def _nli_topics(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.nli import NLITopics

    return NLITopics(cfg, runtime)


def _embedding_sentiment(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.sentiment import EmbeddingSentiment

    return EmbeddingSentiment(cfg, encode, encoder=encoder)


def _classifier_sentiment(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from nlp.tasks.classifier import ClassifierSentiment

    return ClassifierSentiment(cfg, runtime)


BUILDERS: dict[str, dict[str, Callable[[Any, Encode, Runtime, str], Task]]] = {
    "summarize": {"extractive": _extractive, "abstractive": _abstractive},
    "topics": {"embedding": _embedding_topics, "head": _embedding_topics, "nli": _nli_topics},
    "sentiment": {"embedding": _embedding_sentiment, "head": _embedding_sentiment, "classifier": _classifier_sentiment},
}


def build_tasks(config: TasksConfig, encode: Encode, runtime: Runtime | None = None, encoder: str = "mpnet") -> list[Task]:
    """The enabled tasks, in a fixed order; `encode` embeds label prototypes once per run, hub
    models load onto `runtime`'s device and dtype, and packaged heads are those of `encoder`."""
    runtime = runtime or Runtime()
    tasks = []
    for name, methods in BUILDERS.items():
        section = getattr(config, name)
        if section.enabled:
            tasks.append(methods[section.method](section, encode, runtime, encoder))
    return tasks
