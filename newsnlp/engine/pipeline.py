"""Pipeline: built once from a config; runs every enabled task over documents, lazily.

Per chunk of documents, the lead sentences, leads and teasers are encoded in ONE length-sorted
pass of the shared encoder (identical texts encoded once); each task then reads the embeddings
it needs from `DocView`s. What is prepared follows what the tasks read (`Task.reads`): with no
task reading embeddings (hub models for every task) the encoder is neither loaded nor run, and
teasers are split into sentences only for a task that scores them by sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, cast, overload

import numpy as np

from newsnlp.config import RunConfig
from newsnlp.documents import Document, base_record
from newsnlp.documents.language import document_language, language, not_read_warning, unreadable
from newsnlp.engine.cascade import DECIDED, deciding_only, route_records, route_results, tier_config
from newsnlp.engine.chunks import ChunkProgress, ChunkTexts, bound_document, drain
from newsnlp.errors import ConfigError, ModelError
from newsnlp.models.encoder import Encoder, open_encoder
from newsnlp.models.runtime import Runtime
from newsnlp.records import Record, SentimentResult, Summary, TopicResult, empty_topic, merge_partial, ordered, withheld_for_language
from newsnlp.tasks import DocView, SentimentTask, Task, TaskSet, TopicsTask, build_tasks
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from newsnlp.tasks.sentiment import sentiment_record
from newsnlp.tasks.summarize import ExtractiveSummarizer

DOCS_PER_PASS = 128  # documents whose texts share one encoder pass (bounds memory when streaming)
STEP_TEXTS = 64  # texts encoded per step of a stepped call (the server's turns between requests)
Progress = Callable[[float], None]
Result = TypeVar("Result", TopicResult, SentimentResult)
T = TypeVar("T")


class Pipeline:
    def __init__(self, config: RunConfig, whole_teasers: bool = True) -> None:
        self.config = config
        self.whole_teasers = whole_teasers  # false: a teaser read by its sentences alone (the cascade's sentiment-only tier)
        self.runtime = Runtime.for_run(config)  # the encoder and every hub model share it
        self._encoder: Encoder | None = None
        self._tasks: TaskSet | None = None
        self._tiers_by_tasks: dict[tuple[str, ...], Pipeline] = {}  # the cascade's transformer tier, per tasks decided
        self.stage_seconds: dict[str, float] = {}  # split, encode, heads: time spent per stage by `process`

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = open_encoder(self.config, self.runtime)
        return self._encoder

    @property
    def texts_encoded(self) -> int:
        """Texts given to the encoder so far (0 before it loads: asking never loads it)."""
        return self._encoder.texts_encoded if self._encoder is not None else 0

    @property
    def tasks(self) -> TaskSet:
        if self._tasks is None:
            self._tasks = build_tasks(self.config.tasks, lambda texts: self.encoder.encode(texts), self.runtime, self.config.encoder.model)
        return self._tasks

    def load(self) -> Pipeline:
        """Resolve and load every model now, and open the embedding cache (a cache.path that is
        a folder or another program's file is refused here, before any output)."""
        if self.config.cascade.enabled:
            _ = self.tier  # its config checked before any model loads
        _ = self.tasks
        if self.tasks.reads("embeddings") and self.config.cache.enabled:
            _ = self.encoder.cache
        self._check_heads_fitted()
        if self.config.cascade.enabled:
            self.tier.load()
        return self

    def _check_heads_fitted(self) -> None:
        """A head fitted to another static table than encoder.model's is refused in one line."""
        for task in self.tasks:
            head = getattr(task, "head", None)
            fitted = head.card.get("static_fingerprint") if head is not None else None
            if fitted and fitted != self.encoder.head_fingerprint:
                raise ModelError(
                    f"tasks.{task.name}.head was fitted to the static model {fitted}, but encoder.model {self.config.encoder.model} is "
                    f"{self.encoder.head_fingerprint or 'not that table'}; train a head on it (nlp train {task.name}) or use the model the head was fitted to"
                )

    @property
    def notes(self) -> list[str]:
        """One line each for a configuration that may not do what the user expects (e.g. a topic
        label the head was never trained on): said at start-up by every command."""
        return list(self.tasks.topics.notes) if self.tasks.topics is not None else []

    @property
    def topics_task(self) -> TopicsTask:
        """The topics task, or a one-line error naming the key that disabled it."""
        return _enabled(self.tasks.topics, "topics")

    @property
    def sentiment_task(self) -> SentimentTask:
        """The sentiment task, or a one-line error naming the key that disabled it."""
        return _enabled(self.tasks.sentiment, "sentiment")

    @overload
    def classify(self, texts: str, on_batch: Callable[[int], None] | None = None) -> TopicResult: ...
    @overload
    def classify(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> list[TopicResult]: ...
    def classify(self, texts: str | Sequence[str], on_batch: Callable[[int], None] | None = None) -> TopicResult | list[TopicResult]:
        """Topic of each text (label and every label's score): a string is one text and gives one
        result, a list gives one per text; an empty or blank text is `other` with every score 0
        (there is nothing to classify); `on_batch(n)` reports progress."""
        task = self.topics_task

        def classify(kept: list[str]) -> list[TopicResult]:
            vectors = self._vectors_for(task, kept, on_batch)
            return self._cascaded(kept, vectors, "topic", task.classify(kept, vectors), lambda tier, escalated: tier.classify(escalated))

        blank = lambda: empty_topic(task.labels, task.labels[task.other])
        withheld = lambda code: cast(TopicResult, {**blank(), "abstained": {"reason": "language", "lang": code}})
        results = _per_text(texts, classify, blank, self._unread, withheld)
        return results[0] if isinstance(texts, str) else results

    @overload
    def sentiment(self, texts: str, on_batch: Callable[[int], None] | None = None) -> SentimentResult: ...
    @overload
    def sentiment(self, texts: list[str], on_batch: Callable[[int], None] | None = None) -> list[SentimentResult]: ...
    def sentiment(self, texts: str | Sequence[str], on_batch: Callable[[int], None] | None = None) -> SentimentResult | list[SentimentResult]:
        """Sentiment of each text (label, score in [-1, 1], per-label probabilities): a string is
        one text and gives one result, a list one per text; a blank text is neutral, score 0."""
        task = self.sentiment_task

        def sentiment(kept: list[str]) -> list[SentimentResult]:
            vectors = self._vectors_for(task, kept, on_batch)
            mine = [sentiment_record(p) for p in task.probabilities(kept, vectors)]
            return self._cascaded(kept, vectors, "sentiment", mine, lambda tier, escalated: tier.sentiment(escalated))

        withheld = lambda code: cast(
            SentimentResult,
            {"label": "neutral", "score": 0.0, "scores": dict.fromkeys(SENTIMENT_LABELS, 0.0), "abstained": {"reason": "language", "lang": code}},
        )
        results = _per_text(texts, sentiment, lambda: sentiment_record(np.array([0.0, 1.0, 0.0])), self._unread, withheld)
        return results[0] if isinstance(texts, str) else results

    def _unread(self, text: str) -> str | None:
        """The language of `text` when the encoder does not read it (encoder.languages), else None."""
        code = language(text)
        return code if unreadable(code, self.config.encoder.languages) else None

    def summarize(self, texts: str | Sequence[str], sentences: int | None = None) -> list[Summary]:
        """The summary of each text (an article's body; a string is one text); `sentences`
        overrides the extractive summary's length. A blank text has an empty summary."""
        return drain(self.summarize_steps(texts, sentences))

    def summarize_steps(
        self, texts: str | Sequence[str], sentences: int | None = None, step_texts: int = STEP_TEXTS
    ) -> Generator[None, None, list[Summary]]:
        """`summarize` in steps of at most `step_texts` encoded texts, yielding between them (the
        server advances other requests meanwhile); its return value is the summaries."""
        task = _enabled(self.tasks.summarize, "summarize")
        if sentences is not None and isinstance(task, ExtractiveSummarizer):
            task = ExtractiveSummarizer(task.config.model_copy(update={"sentences": sentences}))
        items = [texts] if isinstance(texts, str) else list(texts)
        docs = [Document.from_parts(str(i), text) for i, text in enumerate(items)]
        chunk = ChunkTexts.of(docs, by_sentence=False, readable=10 * self.config.encoder.max_length)
        vectors = np.zeros((len(chunk.unique), 0), dtype=np.float32)
        if "embeddings" in task.reads and chunk.unique:
            parts = []
            for start in range(0, len(chunk.unique), step_texts):
                parts.append(self.encoder.encode(chunk.unique[start : start + step_texts]))
                yield
            vectors = np.vstack(parts)
        views = chunk.views(vectors)
        by_id = {view.doc.id: partial.get("summary") for view, partial in zip(views, task(views))}
        method = self.config.tasks.summarize.method
        return [by_id.get(str(i)) or Summary(method=method, text="") for i in range(len(items))]

    def _cascaded(
        self,
        texts: list[str],
        vectors: np.ndarray | None,
        key: str,
        results: list[Result],
        ask: Callable[[Pipeline, list[str]], list[Result]],
    ) -> list[Result]:
        """With a cascade, `results` (the static tier's for `key`) each marked with its tier, the
        texts it is unsure of (either task: the other one is computed here) answered by the
        transformer tier (`ask`). Without a cascade, `results`."""
        if not self.config.cascade.enabled:
            return results
        parts: list[dict[str, Any]] = [{key: result} for result in results]
        if key != "topic" and self.tasks.topics is not None:
            for part, topic in zip(parts, self.tasks.topics.classify(texts, vectors)):
                part["topic"] = topic
        if key != "sentiment" and self.tasks.sentiment is not None:
            for part, probabilities in zip(parts, self.tasks.sentiment.probabilities(texts, vectors)):
                part["sentiment"] = sentiment_record(probabilities)
        asked = lambda escalated: ask(self.tier, [texts[i] for i in escalated])
        return route_results(key, parts, results, self.config.cascade, asked, self._tiers)

    def _vectors_for(self, task: Task, texts: list[str], on_batch: Callable[[int], None] | None) -> np.ndarray | None:
        if "embeddings" in task.reads:
            return self.encoder.encode(texts, on_batch)
        if on_batch:  # hub-model tasks batch internally; report the texts as one step
            on_batch(len(texts))
        return None

    def process(self, docs: Iterable[Document], on_progress: Progress | None = None) -> Iterator[Record]:
        """Yield one record per document, in input order. `on_progress(n)` reports documents done
        as each encoder batch finishes (fractions of the chunk's documents, by its share of the
        chunk's texts), so a bar moves during a chunk's one encoder pass, not once per chunk."""
        for record, _ in self.process_with_views(docs, on_progress):
            yield record

    def process_with_views(self, docs: Iterable[Document], on_progress: Progress | None = None) -> Iterator[tuple[Record, DocView | None]]:
        """`process`, each record beside its document's view (its lead's and teasers' vectors:
        what stories group), or None for a document without text."""
        iterator = iter(docs)
        while chunk := list(islice(iterator, DOCS_PER_PASS)):
            yield from self._process_chunk(chunk, on_progress)

    def _process_chunk(self, docs: list[Document], on_progress: Progress | None) -> Iterator[tuple[Record, DocView | None]]:
        results = self._label_chunk(docs, on_progress)
        self._escalate(docs, results)
        yield from results

    def _escalate(self, docs: list[Document], results: list[tuple[Record, DocView | None]]) -> None:
        """With a cascade, a chunk's records routed (`route_records`): the transformer tier labels
        what the static tier is unsure of, in one pass."""
        if self.config.cascade.enabled:
            clock = time.perf_counter()
            label = lambda escalated, tasks: [record for record, _ in self.tier_for(tasks)._label_chunk(escalated, None)]
            route_records(docs, [record for record, _ in results], self.config.cascade, label, self._tiers)
            self._clock("escalate", clock)

    @property
    def _tiers(self) -> tuple[str, str]:
        """The static and transformer tiers' names (encoder.model), as decisions carry them."""
        return self.config.encoder.model, self.tier.config.encoder.model

    @property
    def tier(self) -> Pipeline:
        """The cascade's transformer tier (cascade.config, or the packaged default), built once."""
        return self.tier_for(DECIDED)

    def tier_for(self, tasks: tuple[str, ...]) -> Pipeline:
        """The transformer tier deciding only `tasks` (a text escalated for its topic alone does
        not pay for sentiment's pass over its sentences), built once; all share one encoder."""
        key = tuple(task for task in DECIDED if task in tasks)
        if DECIDED not in self._tiers_by_tasks:
            self._tiers_by_tasks[DECIDED] = Pipeline(tier_config(self.config))
        if key not in self._tiers_by_tasks:
            whole = self._tiers_by_tasks[DECIDED]
            self._tiers_by_tasks[key] = Pipeline(deciding_only(whole.config, key), whole_teasers="topic" in key)
            self._tiers_by_tasks[key]._encoder = whole.encoder
        return self._tiers_by_tasks[key]

    def process_steps(self, docs: list[Document], step_texts: int = STEP_TEXTS) -> Generator[None, None, list[tuple[Record, DocView | None]]]:
        """`process_with_views` of one chunk in steps of at most `step_texts` encoded texts,
        yielding between them: the server's pages pass takes turns with other requests, however
        many teasers a page has; its return value is the pairs."""
        results = yield from self._label_steps(docs, None, step_texts)
        self._escalate(docs, results)
        return results

    def _label_chunk(self, docs: list[Document], on_progress: Progress | None) -> list[tuple[Record, DocView | None]]:
        return drain(self._label_steps(docs, on_progress, None))

    def _label_steps(
        self, docs: list[Document], on_progress: Progress | None, step_texts: int | None
    ) -> Generator[None, None, list[tuple[Record, DocView | None]]]:
        """A chunk's records and views; with `step_texts`, its texts encoded that many at a time,
        yielding before each (else in one pass)."""
        clock = time.perf_counter()
        bounded = [bound_document(doc, self.config.max_lead_chars, self.config.encoder.max_length) for doc in docs]
        docs = [doc for doc, _ in bounded]
        texts = ChunkTexts.of(docs, self.tasks.reads("teaser_sentences"), 10 * self.config.encoder.max_length, self.whole_teasers)
        progress = ChunkProgress(len(docs), len(texts.unique), on_progress)
        clock = self._clock("split", clock)
        parts = []
        for start in range(0, len(texts.unique), step_texts or max(1, len(texts.unique))):
            if step_texts:
                yield
            parts.append(self._encode(texts.unique[start : start + (step_texts or len(texts.unique))], progress.on_texts))
        vectors = np.vstack(parts) if parts else self._encode([], progress.on_texts)
        clock = self._clock("encode", clock)
        views = texts.views(vectors)
        partials = [task(views) for task in self.tasks]
        progress.finish()  # the rest: documents without text, hub-model tasks
        by_id = {view.doc.id: [p[i] for p in partials] for i, view in enumerate(views)}
        view_of = {view.doc.id: view for view in views}
        self._clock("heads", clock)
        results = []
        for doc, warnings in bounded:
            record = base_record(doc)
            if doc.id not in by_id:
                record["error"] = doc.error or "empty document: no lead text and no teasers"
            else:
                record["lang"] = document_language(doc)
                if unreadable(record["lang"], self.config.encoder.languages):
                    warnings = [*warnings, not_read_warning(record["lang"])]
            if warnings:
                record["warnings"] = warnings
            for partial in by_id.get(doc.id, []):
                merge_partial(record, partial)
            if unreadable(record.get("lang", "und"), self.config.encoder.languages):
                withheld_for_language(record, record["lang"], self.config.tasks.topics.other_label)
            results.append((ordered(record), view_of.get(doc.id)))
        return results

    def _clock(self, stage: str, since: float) -> float:
        """Add the time since `since` to `stage_seconds[stage]` (nlp bench's shares); now."""
        now = time.perf_counter()
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + now - since
        return now

    def _encode(self, unique: list[str], on_texts: Callable[[int], None]) -> np.ndarray:
        """Distinct texts in one encoder pass, or (no task reads embeddings) empty vectors."""
        if self.tasks.reads("embeddings"):
            vectors = self.encoder.encode(unique, on_batch=on_texts)
            return vectors if len(vectors) else np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.zeros((len(unique), 0), dtype=np.float32)


def _enabled(task: T | None, name: str) -> T:
    if task is None:
        raise ConfigError(f"tasks.{name}.enabled is false in this config; enable it with --set tasks.{name}.enabled=true")
    return task


def _per_text(
    texts: str | Sequence[str],
    score: Callable[[list[str]], list[Result]],
    blank: Callable[[], Result],
    unread: Callable[[str], str | None],
    withheld: Callable[[str], Result],
) -> list[Result]:
    """One result per text, in order: `score` runs over the non-blank texts in a language the
    encoder reads only (a string is one text: iterating it gave one result per character); a text
    in another language is `withheld` (its language code), a blank one `blank`."""
    items = [texts] if isinstance(texts, str) else list(texts)
    foreign = {i: code for i, text in enumerate(items) if text.strip() and (code := unread(text)) is not None}
    kept = [i for i, text in enumerate(items) if text.strip() and i not in foreign]
    scored = dict(zip(kept, score([items[i] for i in kept]) if kept else []))
    return [scored[i] if i in scored else withheld(foreign[i]) if i in foreign else blank() for i in range(len(items))]
