"""Config section -> task object, through an explicit table keyed by (task, method): no
introspection, no imports by name. Hub-model tasks import their modules only when chosen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsnlp.config import TasksConfig
from newsnlp.models.runtime import Runtime
from newsnlp.tasks.base import Reads, SentimentTask, Task, TopicsTask

Encode = Callable[[list[str]], np.ndarray]


def _extractive(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from newsnlp.tasks.summarize import ExtractiveSummarizer

    return ExtractiveSummarizer(cfg)


def _abstractive(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> Task:
    from newsnlp.tasks.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(cfg, runtime)


def _embedding_topics(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> TopicsTask:
    from newsnlp.tasks.topics import EmbeddingTopics

    return EmbeddingTopics(cfg, encode, encoder=encoder)


def _nli_topics(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> TopicsTask:
    from newsnlp.tasks.nli import NLITopics

    return NLITopics(cfg, runtime)


def _embedding_sentiment(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> SentimentTask:
    from newsnlp.tasks.sentiment import EmbeddingSentiment

    return EmbeddingSentiment(cfg, encode, encoder=encoder)


def _classifier_sentiment(cfg: Any, encode: Encode, runtime: Runtime, encoder: str) -> SentimentTask:
    from newsnlp.tasks.classifier import ClassifierSentiment

    return ClassifierSentiment(cfg, runtime)


SUMMARIZERS: dict[str, Callable[[Any, Encode, Runtime, str], Task]] = {"extractive": _extractive, "abstractive": _abstractive}
TOPICS: dict[str, Callable[[Any, Encode, Runtime, str], TopicsTask]] = {"embedding": _embedding_topics, "head": _embedding_topics, "nli": _nli_topics}
SENTIMENT: dict[str, Callable[[Any, Encode, Runtime, str], SentimentTask]] = {
    "embedding": _embedding_sentiment,
    "head": _embedding_sentiment,
    "classifier": _classifier_sentiment,
}


HUB_METHODS = {"abstractive", "nli", "classifier"}  # methods that load a model of their own


@dataclass
class TaskSet:
    """The enabled tasks of a run, each typed by its contract (None: disabled)."""

    summarize: Task | None = None
    topics: TopicsTask | None = None
    sentiment: SentimentTask | None = None

    def __iter__(self) -> Iterator[Task]:
        """The enabled tasks in a fixed order (summary, topics, sentiment)."""
        return iter([task for task in (self.summarize, self.topics, self.sentiment) if task is not None])

    def reads(self, what: Reads) -> bool:
        """Whether any enabled task reads `what` (the pipeline prepares it only then)."""
        return any(what in task.reads for task in self)


def build_tasks(config: TasksConfig, encode: Encode, runtime: Runtime | None = None, encoder: str = "mpnet") -> TaskSet:
    """The enabled tasks; `encode` embeds label prototypes once per run, hub models load onto
    `runtime`'s device and dtype, and packaged heads are those of `encoder`. Hub-model tasks are
    built first: a model that cannot be found is refused before the encoder loads (or exports)."""
    runtime = runtime or Runtime()
    summarize, topics, sentiment = config.summarize, config.topics, config.sentiment
    builders: dict[str, Callable[[], Any]] = {
        "summarize": lambda: SUMMARIZERS[summarize.method](summarize, encode, runtime, encoder) if summarize.enabled else None,
        "topics": lambda: TOPICS[topics.method](topics, encode, runtime, encoder) if topics.enabled else None,
        "sentiment": lambda: SENTIMENT[sentiment.method](sentiment, encode, runtime, encoder) if sentiment.enabled else None,
    }
    hub_first = sorted(builders, key=lambda name: getattr(config, name).method not in HUB_METHODS)
    built = {name: builders[name]() for name in hub_first}
    return TaskSet(built["summarize"], built["topics"], built["sentiment"])
