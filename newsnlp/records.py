"""The record: what a run writes per document, typed. Tasks return partial records (`Partial`),
the pipeline merges them into a `Record`, writers and the terminal render it; how a topic reads to
a person (`topic_score`, `topic_text`) is written here once, so every renderer says the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypedDict, cast

from typing_extensions import NotRequired  # typing's own from Python 3.11


class Abstained(TypedDict):
    """Why a text got the abstain label (topics: `other`; sentiment: `neutral`) rather than a
    decision: `threshold` (topics: the best real label scored under it) or `language` (the text is
    in a language the encoder does not read: no label is given from it)."""

    reason: str  # threshold | language
    best: NotRequired[str]  # threshold: the best real label
    score: NotRequired[float]  # threshold: its score, under the threshold
    threshold: NotRequired[float]  # threshold: tasks.topics.threshold
    lang: NotRequired[str]  # language: the text's language code


class TopicResult(TypedDict):
    label: str  # the decided label: the best real label, or the abstain label
    scores: dict[str, float]  # every label's share of one distribution (what the threshold reads)
    labels: list[str]  # the decided label, then every other label that applies
    label_scores: dict[str, float]  # each real label's independent score in [0, 1]
    tier: NotRequired[str]  # with a cascade: the encoder of the tier that decided (static, mpnet)
    abstained: NotRequired[Abstained]  # when the threshold (or the text's language) made the label `other` (not when `other` won outright)


class SentimentResult(TypedDict):
    label: str  # negative | neutral | positive: the most probable
    score: float  # P(positive) - P(negative), in [-1, 1]
    scores: dict[str, float]
    tier: NotRequired[str]  # with a cascade: the encoder of the tier that decided
    abstained: NotRequired[Abstained]  # reason language: not scored (label neutral, every score 0)


class SummarySentence(TypedDict):
    index: int
    text: str
    score: float


class Summary(TypedDict, total=False):
    method: str  # extractive | abstractive
    text: str
    sentences: list[SummarySentence]  # extractive
    model: str  # abstractive: the model's reference
    chunks: int
    rounds: int


class ArticleResult(TypedDict, total=False):
    topic: TopicResult
    sentiment: SentimentResult


class TeaserResult(TypedDict, total=False):
    index: int
    text: str
    url: str  # the story it links to, where the page or feed gives one
    id: str  # a feed item's id (guid)
    published: str
    story: str  # with --stories: the story it reports (newsnlp/stories)
    duplicate_of: str  # a near-identical item seen first: its key (guid, else url, else text: and a hash)
    topic: TopicResult
    sentiment: SentimentResult


class Record(TypedDict, total=False):
    id: str
    url: str  # the page's canonical URL, else the URL it was fetched from
    source: str | None
    title: str
    published: str  # ISO 8601, where the page or feed gives it
    fetched: str  # when a URL input was fetched (UTC, ISO 8601)
    lang: str  # the language the document reads as (ISO 639-1; `und`: too little text to tell)
    story: str  # with --stories: the story its lead reports
    duplicate_of: str  # a near-identical item seen first
    error: str
    warnings: list[str]
    summary: Summary
    article: ArticleResult
    teasers: list[TeaserResult]


class Partial(TypedDict, total=False):
    """One task's part of a record: `summary`, `article` keys, per-teaser keys (aligned with the
    document's teasers)."""

    summary: Summary
    article: ArticleResult
    teasers: list[TeaserResult]


RECORD_ORDER = (
    "id",
    "url",
    "source",
    "title",
    "published",
    "fetched",
    "lang",
    "story",
    "duplicate_of",
    "error",
    "warnings",
    "summary",
    "article",
    "teasers",
)


def utc_stamp(seconds: float | None = None) -> str:
    """A time as records, stories and run.json write it: ISO 8601 in UTC, to the second (now,
    unless `seconds` since the epoch are given)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def merge_partial(record: Record, partial: Partial) -> None:
    """Merge a task's partial record: `article` keys, per-teaser keys, and the summary."""
    if "article" in partial:
        record.setdefault("article", {}).update(partial["article"])
    if "teasers" in partial:
        for target, extra in zip(record.get("teasers", []), partial["teasers"]):
            target.update(extra)
    if "summary" in partial:
        record["summary"] = partial["summary"]


def ordered(record: Record) -> Record:
    """Stable key order (RECORD_ORDER) for readable output."""
    items: dict[str, Any] = dict(record)
    first = {k: items[k] for k in RECORD_ORDER if k in items}
    return cast(Record, {**first, **{k: v for k, v in items.items() if k not in first}})  # the same keys, reordered


def empty_topic(labels: Sequence[str], other: str) -> TopicResult:
    """The topic of a blank text: the abstain label, every score 0."""
    return {
        "label": other,
        "scores": {name: 0.0 for name in labels},
        "labels": [other],
        "label_scores": {name: 0.0 for name in labels if name != other},
    }


def topic_score(topic: TopicResult) -> float:
    """The decided label's own score: what every renderer shows beside the label."""
    return topic["scores"][topic["label"]]


def topic_text(topic: TopicResult) -> str:
    """A topic as a person reads it: the label and its score, the other labels that apply; an
    abstention says why (the record's `abstained`: the best real label's score under the
    threshold, not `other`'s own probability, which hid it)."""
    why = topic.get("abstained")
    if why:
        return f"{topic['label']} ({abstention_text(why)})"
    text = f"{topic['label']} {topic_score(topic):.2f}"
    if len(topic.get("labels", [])) > 1:  # the other labels that apply
        text += " +" + " +".join(topic["labels"][1:])
    return text


def abstention_text(why: Abstained) -> str:
    """Why a label was withheld, as a person reads it."""
    if why.get("reason") == "language":
        return f"not read: language {why.get('lang', '?')}"
    return f"best {why.get('best')} {why.get('score', 0.0):.2f} < {why.get('threshold', 0.0):g}"


def sentiment_text(sentiment: SentimentResult) -> str:
    """A sentiment as a person reads it: the label and its signed score, or why it was withheld."""
    why = sentiment.get("abstained")
    if why:
        return f"{sentiment['label']} ({abstention_text(why)})"
    return f"{sentiment['label']} {sentiment['score']:+.2f}"


def withheld_for_language(record: Record, code: str, other: str) -> None:
    """A record in a language the encoder does not read: every topic and sentiment it carries
    becomes the abstain label with every score 0 and `abstained` {reason: language, lang}; the
    summary (extractive: sentence positions and centrality) stands."""
    why: Abstained = {"reason": "language", "lang": code}
    for part in [cast(dict[str, Any], p) for p in [record.get("article") or {}, *record.get("teasers", [])]]:
        if "topic" in part:
            labels = list(part["topic"]["scores"])
            part["topic"] = {**empty_topic(labels, other), "abstained": why}
        if "sentiment" in part:
            part["sentiment"] = {"label": "neutral", "score": 0.0, "scores": {k: 0.0 for k in part["sentiment"]["scores"]}, "abstained": why}


def plural(count: int, noun: str) -> str:
    """'1 record', '2 records', '2 stories': every count a person reads."""
    if count == 1:
        return f"{count:,} {noun}"
    return f"{count:,} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{count:,} {noun}s"


def records_equal(a: Any, b: Any, tol: float = 1e-4, path: str = "record") -> str | None:
    """Where two records differ, or None: the same keys, labels, chosen sentences and texts, and
    every score within `tol`. The one definition of equal records that resume, serving and the
    cache are held to."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
        return None if ok else f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next((d for key in a if (d := records_equal(a[key], b[key], tol, f"{path}.{key}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := records_equal(x, y, tol, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"
