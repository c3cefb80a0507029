"""Sentiment over the shared embeddings: a trained head, or zero-shot label descriptions.

Score = P(positive) − P(negative), in [-1, 1]. The article's sentiment is the word-count
weighted mean of its sentences' probabilities.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import SentimentConfig
from ..errors import ModelError
from ..heads import LinearHead, load_head
from ..numeric import blend
from ..text import word_count
from .base import DocView, rounded
from .prototypes import PrototypeScorer

LABELS = ("negative", "neutral", "positive")


def sentiment_record(probs: np.ndarray) -> dict[str, Any]:
    scores = dict(zip(LABELS, probs))
    return {"label": LABELS[int(np.argmax(probs))], "score": round(float(probs[2] - probs[0]), 4), "scores": rounded(scores)}


class EmbeddingSentiment:
    name = "sentiment"
    needs_embeddings = True

    def __init__(self, config: SentimentConfig, encode, head: LinearHead | None = None) -> None:
        self.config = config
        self.scorer = PrototypeScorer({k: config.labels[k] for k in LABELS}, encode, config.prototype_smoothing)
        self.head: LinearHead | None = None
        if config.method == "head":
            self.head = head or load_head(config.head, "sentiment")
            missing = set(LABELS) - set(self.head.classes)
            if missing:
                raise ModelError(f"tasks.sentiment.head: the head's classes {self.head.classes} lack {sorted(missing)}; train it on negative/neutral/positive labels")

    def _proba(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Zero-shot prototypes; with a head, the head where the text is familiar to it."""
        if self.head is None:
            return self.scorer.probabilities(vectors, self.config.temperature)
        order = [self.head.classes.index(label) for label in LABELS]
        head_probs = self.head.predict_proba(vectors, texts)[:, order]
        if self.head.anchors is None:
            return head_probs
        return blend(head_probs, self.scorer.probabilities(vectors, self.config.temperature), self.head.familiarity(vectors))

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive for texts and their embeddings."""
        if len(vectors) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        return self._proba(vectors, texts)

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        texts = sentiment_texts(views)
        vectors = np.vstack([v for view in views for v in (view.sentence_vectors, view.teaser_vectors)]) if texts else None
        return sentiment_partials(views, self.probabilities(texts, vectors) if texts else np.zeros((0, 3)))


def sentiment_texts(views: list[DocView]) -> list[str]:
    """Every lead sentence and teaser of the views, in the order `sentiment_partials` reads them."""
    return [t for view in views for t in (*view.sentences, *view.doc.teasers)]


def sentiment_partials(views: list[DocView], probs: np.ndarray) -> list[dict[str, Any]]:
    """Per-text probabilities (in `sentiment_texts` order) -> one partial record per document:
    each teaser's sentiment, and the article's as the word-count weighted mean of its sentences'."""
    records, start = [], 0
    for view in views:
        n_sent, n_teas = len(view.sentences), len(view.doc.teasers)
        sentence_probs, teaser_probs = probs[start : start + n_sent], probs[start + n_sent : start + n_sent + n_teas]
        start += n_sent + n_teas
        record: dict[str, Any] = {"teasers": [{"sentiment": sentiment_record(p)} for p in teaser_probs]}
        if len(sentence_probs):
            weights = np.array([word_count(s) for s in view.sentences], dtype=np.float64)
            article = (sentence_probs * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)
            record["article"] = {"sentiment": sentiment_record(article)}
        records.append(record)
    return records
