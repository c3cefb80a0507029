"""Pipeline: built once from a config; runs every enabled task over documents, lazily.

Per chunk of documents, the lead sentences, leads and teasers are encoded in ONE length-sorted
pass of the shared encoder (identical texts encoded once); each task then reads the embeddings
it needs from `DocView`s. When no enabled task reads embeddings (hub models for every task),
the encoder is neither loaded nor run.
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from nlp.config import RunConfig
from nlp.documents import Document
from nlp.documents.text import snippet_sentences
from nlp.errors import ConfigError
from nlp.models.encoder import Encoder
from nlp.models.runtime import Runtime
from nlp.tasks import DocView, Task, build_tasks
from nlp.tasks.sentiment import sentiment_record

DOCS_PER_PASS = 128  # documents whose texts share one encoder pass (bounds memory when streaming)


class Pipeline:
    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.runtime = Runtime.for_run(config)  # the encoder and every hub model share it
        self._encoder: Encoder | None = None
        self._tasks: list[Task] | None = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder.for_run(self.config, self.runtime)
        return self._encoder

    @property
    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.config.tasks, lambda texts: self.encoder.encode(texts), self.runtime, self.config.encoder.model)
        return self._tasks

    def load(self) -> "Pipeline":
        """Resolve and load every model now (otherwise the first document does it)."""
        _ = self.tasks
        return self

    @property
    def notes(self) -> list[str]:
        """One line each for a configuration that may not do what the user expects (e.g. a topic
        label the head was never trained on): said at start-up by every command."""
        return [note for task in self.tasks for note in getattr(task, "notes", ())]

    def task(self, name: str) -> Task:
        for task in self.tasks:
            if task.name == name:
                return task
        raise ConfigError(f"tasks.{name}.enabled is false in this config; enable it with --set tasks.{name}.enabled=true")

    def classify(self, texts: str | Sequence[str], on_batch: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """Topic of each text (label and every label's score); a string is one text; an empty
        or blank text is `other` with every score 0 (there is nothing to classify);
        `on_batch(n)` reports progress."""
        task = self.task("topics")
        return _per_text(texts, lambda kept: task.classify(kept, self._vectors_for(task, kept, on_batch)),  # type: ignore[attr-defined]
                         lambda: empty_topic(task.labels, self.config.tasks.topics.other_label))  # type: ignore[attr-defined]

    def sentiment(self, texts: str | Sequence[str], on_batch: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
        """Sentiment of each text (label, score in [-1, 1], per-label probabilities); a string is
        one text; an empty or blank text is neutral with score 0."""
        task = self.task("sentiment")
        return _per_text(texts, lambda kept: [sentiment_record(p) for p in task.probabilities(kept, self._vectors_for(task, kept, on_batch))],  # type: ignore[attr-defined]
                         lambda: sentiment_record(np.array([0.0, 1.0, 0.0])))

    def _vectors_for(self, task: Task, texts: list[str], on_batch: Callable[[int], None] | None) -> np.ndarray | None:
        if task.needs_embeddings:
            return self.encoder.encode(texts, on_batch)
        if on_batch:  # hub-model tasks batch internally; report the texts as one step
            on_batch(len(texts))
        return None

    def run(self, docs: Iterable[Document], on_progress: Callable[[float], None] | None = None) -> Iterator[dict[str, Any]]:
        """Yield one record per document, in input order. `on_progress(n)` reports documents done
        as each encoder batch finishes (fractions of the chunk's documents, by its share of the
        chunk's texts), so a bar moves during a chunk's one encoder pass, not once per chunk."""
        iterator = iter(docs)
        while chunk := list(islice(iterator, DOCS_PER_PASS)):
            yield from self._run_chunk(chunk, on_progress)

    def _run_chunk(self, docs: list[Document], on_progress: Callable[[float], None] | None) -> Iterator[dict[str, Any]]:
        tasks = self.tasks
        warnings = {doc.id: [*doc.warnings, *bound_document(doc, self.config.max_lead_chars, self.config.encoder.max_length)] for doc in docs}
        sentences = [doc.sentences() for doc in docs]
        leads = [doc.lead for doc in docs]
        by_sentence = any(task.name == "sentiment" for task in tasks)  # the only reader of teasers' sentences
        readable = 10 * self.config.encoder.max_length  # characters: far past what the encoder reads of a teaser (bound_document warns)
        teaser_sentences = [[snippet_sentences(t[:readable]) if by_sentence else [t] for t in doc.teasers] for doc in docs]
        unique: dict[str, int] = {}
        for doc, sents, lead, parts in zip(docs, sentences, leads, teaser_sentences):
            for text in [*sents, lead, *doc.teasers, *(s for unit in parts for s in unit)]:
                if text:
                    unique.setdefault(text, len(unique))
        reported = [0.0]  # documents reported so far for this chunk

        def on_texts(n: int) -> None:  # the encoder pass is most of a chunk's time: it moves the bar
            if on_progress and unique:
                step = min(len(docs) * n / len(unique), len(docs) - reported[0])
                reported[0] += step
                on_progress(step)

        if any(task.needs_embeddings for task in tasks):
            vectors = self.encoder.encode(list(unique), on_batch=on_texts)
            zero = np.zeros(vectors.shape[1] if len(vectors) else self.encoder.dim, dtype=np.float32)
        else:  # no task reads embeddings: views carry empty ones
            vectors, zero = np.zeros((len(unique), 0), dtype=np.float32), np.zeros(0, dtype=np.float32)

        def rows(texts: list[str]) -> np.ndarray:
            return vectors[[unique[t] for t in texts]] if texts else np.zeros((0, zero.shape[0]), dtype=np.float32)

        views, valid = [], []
        for doc, sents, lead, parts in zip(docs, sentences, leads, teaser_sentences):
            if doc.error or (not sents and not doc.teasers):
                continue
            valid.append(doc.id)
            flat = [s for unit in parts for s in unit]
            views.append(DocView(doc, sents, rows(sents), vectors[unique[lead]] if lead else zero, rows(doc.teasers), parts, rows(flat)))
        partials = [task(views) for task in tasks]
        if on_progress and len(docs) > reported[0]:
            on_progress(len(docs) - reported[0])  # the rest: documents without text, hub-model tasks
        by_id = {doc_id: [p[i] for p in partials] for i, doc_id in enumerate(valid)}
        for doc in docs:
            record = base_record(doc)
            if doc.id not in by_id:
                record["error"] = doc.error or "empty document: no lead text and no teasers"
            if warnings[doc.id]:
                record["warnings"] = warnings[doc.id]
            for partial in by_id.get(doc.id, []):
                merge_partial(record, partial)
            yield ordered(record)


def _per_text(texts: str | Sequence[str], score: Callable[[list[str]], list[dict[str, Any]]],
              blank: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per text, in order: `score` runs over the non-blank texts only (a string is one
    text: iterating it gave one result per character)."""
    items = [texts] if isinstance(texts, str) else list(texts)
    kept = [i for i, text in enumerate(items) if text.strip()]
    scored = dict(zip(kept, score([items[i] for i in kept]) if kept else []))
    return [scored[i] if i in scored else blank() for i in range(len(items))]


def empty_topic(labels: Sequence[str], other: str) -> dict[str, Any]:
    return {"label": other, "scores": {name: 0.0 for name in labels}, "labels": [other],
            "label_scores": {name: 0.0 for name in labels if name != other}}


def base_record(doc: Document) -> dict[str, Any]:
    record: dict[str, Any] = {"id": doc.id, "source": doc.source}
    if doc.title:
        record["title"] = doc.title
    record["article"] = {}
    record["teasers"] = [{"index": i, "text": text} for i, text in enumerate(doc.teasers)]
    return record


RECORD_ORDER = ("id", "source", "title", "error", "warnings", "summary", "article", "teasers")


def bound_document(doc: Document, max_lead_chars: int, max_tokens: int) -> list[str]:
    """Cut an over-long lead at a paragraph (or, for one giant paragraph, a space) so memory and
    time stay bounded; return warnings saying so, and flagging teasers far longer than the
    models read."""
    warnings = []
    total = sum(len(p.text) for p in doc.paragraphs)
    if max_lead_chars and total > max_lead_chars:
        kept, used = [], 0
        for paragraph in doc.paragraphs:
            if used + len(paragraph.text) > max_lead_chars:
                room = max_lead_chars - used
                if room > 0 and not kept:  # a single giant paragraph: keep its start, cut at a space
                    cut = paragraph.text.rfind(" ", 0, room)
                    kept.append(type(paragraph)(paragraph.text[: cut if cut > 0 else room], paragraph.crosshead))
                break
            kept.append(paragraph)
            used += len(paragraph.text)
        doc.paragraphs = kept
        warnings.append(f"lead is {total:,} characters; the first {sum(len(p.text) for p in kept):,} were read (max_lead_chars)")
    for i, teaser in enumerate(doc.teasers):
        if len(teaser) > 10 * max_tokens:  # ~4 characters a token: far past what the encoder reads
            warnings.append(f"teaser {i} is {len(teaser):,} characters; the models read its first {max_tokens} tokens")
    return warnings


def ordered(record: dict[str, Any]) -> dict[str, Any]:
    """Stable key order (as in DESIGN.md's record) for readable output."""
    first = {k: record[k] for k in RECORD_ORDER if k in record}
    return {**first, **{k: v for k, v in record.items() if k not in first}}


def merge_partial(record: dict[str, Any], partial: dict[str, Any]) -> None:
    """Merge a task's partial record: `article` keys, per-teaser keys, and new top-level keys."""
    for key, value in partial.items():
        if key == "article":
            record["article"].update(value)
        elif key == "teasers":
            for target, extra in zip(record["teasers"], value):
                target.update(extra)
        else:
            record[key] = value
