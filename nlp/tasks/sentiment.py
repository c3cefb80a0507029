"""Sentiment over the shared embeddings: a trained head, or zero-shot label descriptions.

Score = P(positive) − P(negative), in [-1, 1]. The article's sentiment is the word-count
weighted mean of its sentences' probabilities.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nlp.config import SentimentConfig
from nlp.documents.text import word_count
from nlp.errors import ModelError
from nlp.heads.predict import LinearHead, load_head
from nlp.numeric import blend
from nlp.tasks.base import DocView, rounded
from nlp.tasks.prototypes import PrototypeScorer

LABELS = ("negative", "neutral", "positive")


def sentiment_record(probs: np.ndarray) -> dict[str, Any]:
    scores = dict(zip(LABELS, probs))
    return {"label": LABELS[int(np.argmax(probs))], "score": round(float(probs[2] - probs[0]), 4), "scores": rounded(scores)}


class EmbeddingSentiment:
    name = "sentiment"
    needs_embeddings = True

    def __init__(self, config: SentimentConfig, encode, head: LinearHead | None = None, *, encoder: str = "mpnet") -> None:
        self.config = config
        self.scorer = PrototypeScorer({k: config.labels[k] for k in LABELS}, encode, config.prototype_smoothing)
        self.head: LinearHead | None = None
        if config.method == "head":
            self.head = head or load_head(config.head, "sentiment", encoder)
            missing = set(LABELS) - set(self.head.task_labels)
            if missing:
                raise ModelError(f"tasks.sentiment.head: the head's labels {sorted(set(self.head.task_labels))} lack {sorted(missing)}; train it on negative/neutral/positive labels")

    def _proba(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        zero_shot = self.scorer.probabilities(vectors, self.config.temperature)
        return zero_shot if self.head is None else self.with_head(self.head, vectors, texts, zero_shot)

    def with_head(self, head: LinearHead, vectors: np.ndarray, texts: Sequence[str], zero_shot: np.ndarray) -> np.ndarray:
        """The head's probabilities blended with the zero-shot prototypes' (`zero_shot`): the head
        weighs `head_weight` × its familiarity with the text (1 for a head without anchors).
        `nlp train` scores its folds through this same method."""
        weight = self.config.head_weight * head.familiarity(vectors)
        return blend(head.task_proba(vectors, texts, LABELS), zero_shot, weight)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive for texts and their embeddings."""
        if len(vectors) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        return self._proba(vectors, texts)

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        texts = sentiment_texts(views)
        vectors = np.vstack([v for view in views for v in (view.sentence_vectors, view.teaser_unit_vectors())]) if texts else None
        return sentiment_partials(views, self.probabilities(texts, vectors) if texts else np.zeros((0, 3)))


def sentiment_texts(views: list[DocView]) -> list[str]:
    """Every lead sentence and every teaser's sentences, in the order `sentiment_partials` reads
    them. Scorers are sentence-level (trained on sentences), so a teaser that is several
    sentences is scored as the article is: by sentence, then averaged."""
    return [t for view in views for t in (*view.sentences, *(s for unit in view.teaser_units() for s in unit))]


def weighted_by_words(sentences: list[str], probs: np.ndarray) -> np.ndarray:
    """The word-count weighted mean of sentences' probabilities: long sentences say more."""
    weights = np.array([word_count(s) for s in sentences], dtype=np.float64)
    return (probs * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)


def sentiment_partials(views: list[DocView], probs: np.ndarray) -> list[dict[str, Any]]:
    """Per-sentence probabilities (in `sentiment_texts` order) -> one partial record per document:
    the article's and each teaser's sentiment, each the word-weighted mean of its sentences'."""
    records, start = [], 0
    for view in views:
        sentence_probs = probs[start : start + len(view.sentences)]
        start += len(view.sentences)
        teasers = []
        for unit in view.teaser_units():
            teasers.append({"sentiment": sentiment_record(weighted_by_words(unit, probs[start : start + len(unit)]))})
            start += len(unit)
        record: dict[str, Any] = {"teasers": teasers}
        if len(sentence_probs):
            record["article"] = {"sentiment": sentiment_record(weighted_by_words(view.sentences, sentence_probs))}
        records.append(record)
    return records
