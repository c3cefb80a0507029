"""Sentiment over the shared embeddings: a trained head, or zero-shot label descriptions.

Score = P(positive) − P(negative), in [-1, 1]. The article's sentiment is the word-count
weighted mean of its sentences' probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsnlp.config import SentimentConfig
from newsnlp.documents.text import word_count
from newsnlp.errors import ModelError
from newsnlp.heads.predict import LinearHead, load_head
from newsnlp.numeric import blend
from newsnlp.records import Partial, SentimentResult, TeaserResult
from newsnlp.tasks.base import DocView, Reads, embeddings_of, rounded
from newsnlp.tasks.prototypes import PrototypeScorer

LABELS = ("negative", "neutral", "positive")


def sentiment_record(probs: np.ndarray) -> SentimentResult:
    """The record of one (n=3) probability row: the most probable label, P+ − P−, the three."""
    scores = dict(zip(LABELS, probs))
    return {"label": LABELS[int(np.argmax(probs))], "score": round(float(probs[2] - probs[0]), 4), "scores": rounded(scores)}


class EmbeddingSentiment:
    """Sentiment from the shared embeddings: a trained head blended with zero-shot prototypes."""

    name = "sentiment"
    reads: frozenset[Reads] = frozenset({"embeddings", "teaser_sentences"})

    def __init__(self, config: SentimentConfig, encode, head: LinearHead | None = None, *, encoder: str = "mpnet") -> None:
        self.config = config
        if config.teasers == "whole":  # a teaser is one text: the pipeline splits no teaser for this task
            self.reads = frozenset({"embeddings"})
        self.scorer = PrototypeScorer({k: config.labels[k] for k in LABELS}, encode, config.prototype_smoothing)
        self.head: LinearHead | None = None
        if config.method == "head":
            self.head = head or load_head(config.head, "sentiment", encoder)
            missing = set(LABELS) - set(self.head.task_labels)
            if missing:
                raise ModelError(
                    f"tasks.sentiment.head: the head's labels {sorted(set(self.head.task_labels))} lack {sorted(missing)}; train it on negative/neutral/positive labels"
                )

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None, head: LinearHead | None = None) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive: the head's (or `head`'s: a fold's,
        in `nlp train`'s cross-validation, which scores the method through this same method)
        blended with the zero-shot prototypes', the head weighing `head_weight` × its familiarity
        with the text (1 for a head without anchors)."""
        vectors = embeddings_of(texts, vectors)
        if len(vectors) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        zero_shot = self.scorer.probabilities(vectors, self.config.temperature)
        head = head or self.head
        if head is None:
            return zero_shot
        return blend(head.task_proba(vectors, texts, LABELS), zero_shot, self.config.head_weight * head.familiarity(vectors))

    def __call__(self, views: list[DocView]) -> list[Partial]:
        texts = sentiment_texts(views)
        if not texts:
            return sentiment_partials(views, np.zeros((0, 3)))
        vectors = np.vstack([v for view in views for v in (view.sentence_vectors, view.teaser_unit_vectors())])
        return sentiment_partials(views, self.probabilities(texts, vectors))


def sentiment_texts(views: list[DocView]) -> list[str]:
    """Every lead sentence and every teaser's sentences, in the order `sentiment_partials` reads
    them. Scorers are sentence-level (trained on sentences), so a teaser that is several
    sentences is scored as the article is: by sentence, then averaged."""
    return [t for view in views for t in (*view.sentences, *(s for unit in view.teaser_units() for s in unit))]


def weighted_by_words(sentences: list[str], probs: np.ndarray) -> np.ndarray:
    """The word-count weighted mean of sentences' probabilities: long sentences say more."""
    weights = np.array([word_count(s) for s in sentences], dtype=np.float64)
    return (probs * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)


def sentiment_partials(views: list[DocView], probs: np.ndarray) -> list[Partial]:
    """Per-sentence probabilities (in `sentiment_texts` order) -> one partial record per document:
    the article's and each teaser's sentiment, each the word-weighted mean of its sentences'."""
    records: list[Partial] = []
    start = 0
    for view in views:
        sentence_probs = probs[start : start + len(view.sentences)]
        start += len(view.sentences)
        teasers: list[TeaserResult] = []
        for unit in view.teaser_units():
            teasers.append({"sentiment": sentiment_record(weighted_by_words(unit, probs[start : start + len(unit)]))})
            start += len(unit)
        record: Partial = {"teasers": teasers}
        if len(sentence_probs):
            record["article"] = {"sentiment": sentiment_record(weighted_by_words(view.sentences, sentence_probs))}
        records.append(record)
    return records
