"""The cascade (configs/turbo.yaml): the static tier decides every text; the texts whose topic or
sentiment it is unsure of go to the transformer tier, whose answers replace its own, each
decision marked with the tier that made it.

The rule is written once, over arrays (`escalation`): per task, which texts' decisions go up,
the decisions whose two best scores are nearer than the task's margin; a text unsure only of
its topic goes up for its topic alone (it does not pay for sentiment's pass over its sentences),
and the same for sentiment. `escalated`: the texts the transformer tier reads (any task). The
pipeline routes with it on both its paths (`route_records`: a chunk's records; `route_results`: classify and sentiment),
and `nlp evaluate`, `nlp bench` and scripts/choose_cascade.py draw their escalation curves with
it. A decision withheld for language is never escalated: no tier reads that language. Here too
are the documents that carry only the escalated texts to the transformer tier, the copy of its
answers, and the transformer tier's config (`tier_config`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from newsnlp.config import CascadeConfig, RunConfig, load_config
from newsnlp.documents import Document
from newsnlp.errors import ConfigError
from newsnlp.models.backends import is_static
from newsnlp.records import Record, SentimentResult, TopicResult

DECIDED = ("topic", "sentiment")  # the keys of an article or a teaser that a tier decides
TASK_SETS: tuple[tuple[str, ...], ...] = (DECIDED, ("topic",), ("sentiment",))  # the sets of tasks a part can be escalated for
CURVE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)  # the margins times these factors: the escalation curve nlp bench and nlp evaluate print
Decision = TypeVar("Decision", TopicResult, SentimentResult)


def margin(scores: Mapping[str, float]) -> float:
    """The gap between the two best scores (1.0 with one label)."""
    top = sorted(scores.values(), reverse=True)
    return float(top[0] - top[1]) if len(top) > 1 else 1.0


def margins(probabilities: np.ndarray) -> np.ndarray:
    """Per row, the gap between the two largest values (`margin` of a matrix of scores)."""
    if probabilities.shape[1] < 2:
        return np.ones(len(probabilities))
    top = np.sort(probabilities, axis=1)
    return top[:, -1] - top[:, -2]


def decision_margins(decisions: Sequence[Mapping[str, Any] | None]) -> np.ndarray:
    """Per decision (a topic or a sentiment result), its `margin`; infinite, so never unsure,
    where there is none (the task is off) or it was withheld for language."""
    withheld = lambda d: "abstained" in d and d["abstained"].get("reason") == "language"
    return np.array([np.inf if d is None or withheld(d) else margin(d["scores"]) for d in decisions], dtype=np.float64)


def escalation(topic: np.ndarray, sentiment: np.ndarray, config: CascadeConfig, factor: float = 1.0) -> dict[str, np.ndarray]:
    """THE rule: per task (`DECIDED`), which texts' decisions the transformer tier makes: those
    whose margin for that task (`topic`, `sentiment`: one per text) is under the task's margin
    times `factor` (1: the config's own; the curves vary it), for that task alone. A margin of 1
    or more escalates every decision, a certain one too (the widest gap is 1)."""

    def under(margins: np.ndarray, knob: float) -> np.ndarray:
        return (margins < knob) | (np.isfinite(margins) & (knob >= 1.0))

    return {"topic": under(topic, config.topic_margin * factor), "sentiment": under(sentiment, config.sentiment_margin * factor)}


def escalated(per_task: Mapping[str, np.ndarray]) -> np.ndarray:
    """Which texts the transformer tier reads: those escalated for any task (`escalation`)."""
    return np.logical_or.reduce([np.asarray(mask, dtype=bool) for mask in per_task.values()])


def part_margins(parts: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The topic and sentiment margins of decided parts: an article's or a teaser's decisions,
    or a text's results, each under its task's key (`DECIDED`)."""
    topic, sentiment = (decision_margins([part.get(key) for part in parts]) for key in DECIDED)
    return topic, sentiment


def route_results(
    key: str,
    parts: Sequence[Mapping[str, Any]],
    results: Sequence[Decision],
    config: CascadeConfig,
    ask: Callable[[list[int]], list[Decision]],
    tiers: tuple[str, str],
) -> list[Decision]:
    """Classify's or sentiment's `results` (the static tier's for task `key`, with every task's
    decisions in `parts`) each marked with its tier: those escalated for `key` replaced by the
    transformer tier's answers (`ask`, given their indices). `tiers`: the two tiers' names."""
    up = np.flatnonzero(escalation(*part_margins(parts), config)[key])
    out = [cast(Decision, {**result, "tier": tiers[0]}) for result in results]
    for i, answer in zip(up, ask([int(i) for i in up]) if len(up) else []):
        out[i] = cast(Decision, {**answer, "tier": tiers[1]})
    return out


Asked = dict[int, tuple[str, ...]]  # of one record: part (-1 the article, else a teaser's index) -> the tasks escalated


def route_records(
    docs: Sequence[Document],
    records: Sequence[Record],
    config: CascadeConfig,
    label: Callable[[list[Document], tuple[str, ...]], list[Record]],
    tiers: tuple[str, str],
) -> None:
    """A chunk's records (the static tier's, of `docs`) with every decision marked with its tier:
    the escalated parts, one document each carrying only them, labelled by the transformer tier
    (`label`, given the tasks to decide: one pass per set of tasks escalated, `TASK_SETS`) and
    its answers for the escalated tasks copied in."""
    asks = escalations(records, config)
    for record in records:
        mark(record, tiers[0])
    for tasks in TASK_SETS:
        asked = [(n, same) for n, parts in enumerate(asks) if (same := {i: t for i, t in parts.items() if t == tasks})]
        answers = label([escalated_document(docs[n], -1 in parts, sorted(i for i in parts if i >= 0)) for n, parts in asked], tasks) if asked else []
        for (n, parts), answer in zip(asked, answers):
            adopt(records[n], answer, parts, tiers[1])


def escalations(records: Sequence[Record], config: CascadeConfig) -> list[Asked]:
    """Per record, its parts whose decisions go to the transformer tier, and for which tasks (a
    record with an error: none); one `escalation` over the chunk's parts."""
    owners: list[tuple[int, int]] = []  # (record, teaser index; -1: the article)
    parts: list[Mapping[str, Any]] = []
    for n, record in enumerate(records):
        if "error" in record:
            continue
        own = ([(-1, record["article"])] if record.get("article") else []) + list(enumerate(record.get("teasers", [])))
        owners += [(n, i) for i, _ in own]
        parts += [cast(Mapping[str, Any], part) for _, part in own]
    per_task = escalation(*part_margins(parts), config) if parts else {}
    out: list[Asked] = [{} for _ in records]
    for j, (n, i) in enumerate(owners):
        tasks = tuple(key for key in DECIDED if per_task[key][j])
        if tasks:
            out[n][i] = tasks
    return out


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


def adopt(record: Record, answer: Record, asked: Asked, tier: str) -> None:
    """The transformer tier's decisions (its record of the escalated document: the article if
    asked, then the asked teasers in order) replace the static tier's for the tasks escalated,
    marked with `tier`."""
    mine, theirs = _parts(record), _parts(answer)
    teasers = sorted(i for i in asked if i >= 0)
    pairs = ([(mine[0], theirs[0], asked[-1])] if -1 in asked else []) + [(mine[1 + i], part, asked[i]) for i, part in zip(teasers, theirs[1:])]
    for target, source, tasks in pairs:
        for key in tasks:
            if key in source:
                target[key] = {**source[key], "tier": tier}


def tier_config(config: RunConfig) -> RunConfig:
    """The transformer tier's config: its own file's encoder and task constants (cascade.config,
    else the packaged default), with the run's labels, enabled tasks, how sentiment reads a teaser
    (tasks.sentiment.teasers), device, batching and cache; cascade.quantize int8: its encoder int8.
    It writes no summary: the static tier's stands."""
    path = config.cascade.config
    if path is not None and not Path(path).expanduser().is_file():
        raise ConfigError(f"cascade.config: {path} does not exist; name a run config file (e.g. configs/fast.yaml) or leave it null for the default")
    tier = load_config(Path(path).expanduser() if path else None)
    if tier.cascade.enabled or is_static(tier.encoder):
        raise ConfigError(f"cascade.config: {path} must name a transformer encoder without a cascade of its own")
    mine = config.tasks.topics
    topics = tier.tasks.topics.model_copy(
        update={"enabled": mine.enabled, "labels": mine.labels, "labels_mode": mine.labels_mode, "other_label": mine.other_label}
    )
    sentiment = tier.tasks.sentiment.model_copy(update={"enabled": config.tasks.sentiment.enabled, "teasers": config.tasks.sentiment.teasers})
    summarize = tier.tasks.summarize.model_copy(update={"enabled": False})
    tasks = tier.tasks.model_copy(update={"topics": topics, "sentiment": sentiment, "summarize": summarize})
    keep = {key: getattr(config, key) for key in ("device", "dtype", "batch_size", "threads", "cache")}
    if config.cascade.quantize == "int8":
        keep["encoder"] = tier.encoder.model_copy(update={"backend": "onnx", "quantize": "int8"})
    return tier.model_copy(update={**keep, "tasks": tasks})


def deciding_only(config: RunConfig, tasks: Sequence[str]) -> RunConfig:
    """`config` (a transformer tier's) with only the tasks of `tasks` (of `DECIDED`) enabled."""
    on = {"topics": "topic" in tasks, "sentiment": "sentiment" in tasks}
    kept = {
        name: getattr(config.tasks, name).model_copy(update={"enabled": getattr(config.tasks, name).enabled and wanted})
        for name, wanted in on.items()
    }
    return config.model_copy(update={"tasks": config.tasks.model_copy(update=kept)})
