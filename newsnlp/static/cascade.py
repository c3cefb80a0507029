"""The cascade's rule, on records: which decisions of the static tier are unsure (the two best
scores nearer than the task's margin; a text unsure for one task is escalated for both, so the
transformer runs once per text), the documents that carry only those texts to the transformer
tier, and the copy of its answers into the records, each marked with the tier that decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from newsnlp.config import CascadeConfig, RunConfig
from newsnlp.documents import Document
from newsnlp.errors import ConfigError
from newsnlp.records import Record
from newsnlp.static.encoder import static_path

DECIDED = ("topic", "sentiment")  # the keys of an article or a teaser that a tier decides


def margin(scores: Mapping[str, float]) -> float:
    """The gap between the two best scores (1.0 with one label)."""
    top = sorted(scores.values(), reverse=True)
    return float(top[0] - top[1]) if len(top) > 1 else 1.0


def margins(probabilities: np.ndarray) -> np.ndarray:
    """Per row, the gap between the two largest values."""
    if probabilities.shape[1] < 2:
        return np.ones(len(probabilities))
    top = np.sort(probabilities, axis=1)
    return top[:, -1] - top[:, -2]


CURVE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)  # the margins times these factors: the escalation curve nlp bench and nlp evaluate print


def escalated_at(topic_margins: np.ndarray, sentiment_margins: np.ndarray, config: CascadeConfig, factor: float = 1.0) -> np.ndarray:
    """Which texts the cascade escalates with its margins times `factor` (`unsure`, over arrays)."""
    return (topic_margins < config.topic_margin * factor) | (sentiment_margins < config.sentiment_margin * factor)


def unsure(part: Mapping[str, Any], config: CascadeConfig) -> bool:
    """Whether an article's or a teaser's topic or sentiment is too close to call."""
    topic, sentiment = part.get("topic"), part.get("sentiment")
    if any(p is not None and "abstained" in p and p["abstained"].get("reason") == "language" for p in (topic, sentiment)):
        return False  # withheld: no tier labels a language the encoders do not read
    return bool(
        (topic is not None and margin(topic["scores"]) < config.topic_margin)
        or (sentiment is not None and margin(sentiment["scores"]) < config.sentiment_margin)
    )


def escalations(record: Record, config: CascadeConfig) -> tuple[bool, list[int]]:
    """Whether the article's decisions go to the transformer tier, and which teasers' do."""
    article = record.get("article") or {}
    lead = bool(article) and unsure(article, config)
    return lead, [i for i, teaser in enumerate(record.get("teasers", [])) if unsure(teaser, config)]


def escalated_document(doc: Document, lead: bool, teasers: Sequence[int]) -> Document:
    """The document with only what is escalated: its lead (or none) and those teasers."""
    return replace(
        doc,
        paragraphs=doc.paragraphs if lead else [],
        teasers=[doc.teasers[i] for i in teasers],
        teaser_info=[doc.teaser(i) for i in teasers] if doc.teaser_info else [],
        warnings=[],
    )


def _parts(record: Record) -> list[dict[str, Any]]:
    """The record's article and teasers, as the plain dicts they are."""
    return [cast(dict[str, Any], record.get("article") or {}), *(cast(dict[str, Any], t) for t in record.get("teasers", []))]


def mark(record: Record, tier: str) -> None:
    """Every decision in the record was made by `tier`."""
    for part in _parts(record):
        for key in DECIDED:
            if key in part:
                part[key]["tier"] = tier


def adopt(record: Record, answer: Record, lead: bool, teasers: Sequence[int], tier: str) -> None:
    """The transformer tier's decisions (its record of the escalated document) replace the
    static tier's, marked with `tier`."""
    mine, theirs = _parts(record), _parts(answer)
    pairs = ([(mine[0], theirs[0])] if lead else []) + [(mine[1 + i], part) for i, part in zip(teasers, theirs[1:])]
    for target, source in pairs:
        for key in DECIDED:
            if key in source:
                target[key] = {**source[key], "tier": tier}


def tier_config(config: RunConfig) -> RunConfig:
    """The transformer tier's config: its own file's encoder and task constants (cascade.config,
    else the packaged default), with the run's labels, enabled tasks, device, batching and cache.
    It writes no summary: the static tier's stands."""
    from newsnlp.config import load_config

    path = config.cascade.config
    if path is not None and not Path(path).expanduser().is_file():
        raise ConfigError(f"cascade.config: {path} does not exist; name a run config file (e.g. configs/fast.yaml) or leave it null for the default")
    tier = load_config(Path(path).expanduser() if path else None)
    if tier.cascade.enabled or static_path(tier.encoder.model) is not None:
        raise ConfigError(f"cascade.config: {path} must name a transformer encoder without a cascade of its own")
    mine = config.tasks.topics
    topics = tier.tasks.topics.model_copy(
        update={"enabled": mine.enabled, "labels": mine.labels, "labels_mode": mine.labels_mode, "other_label": mine.other_label}
    )
    sentiment = tier.tasks.sentiment.model_copy(update={"enabled": config.tasks.sentiment.enabled})
    summarize = tier.tasks.summarize.model_copy(update={"enabled": False})
    tasks = tier.tasks.model_copy(update={"topics": topics, "sentiment": sentiment, "summarize": summarize})
    keep = {key: getattr(config, key) for key in ("device", "dtype", "batch_size", "threads", "cache")}
    return tier.model_copy(update={**keep, "tasks": tasks})
