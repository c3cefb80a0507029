"""Sentiment over the shared embeddings: a trained head, or zero-shot label descriptions.

Score = P(positive) − P(negative), in [-1, 1]. The article's sentiment is the word-count
weighted mean of its sentences' probabilities.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..config import SentimentConfig
from ..errors import ModelError
from ..heads import load_head
from ..text import word_count
from .base import DocView, rounded
from .prototypes import PrototypeScorer

LABELS = ("negative", "neutral", "positive")


def sentiment_record(probs: np.ndarray) -> dict[str, Any]:
    scores = dict(zip(LABELS, probs))
    return {"label": LABELS[int(np.argmax(probs))], "score": round(float(probs[2] - probs[0]), 4), "scores": rounded(scores)}


class EmbeddingSentiment:
    name = "sentiment"

    def __init__(self, config: SentimentConfig, encode) -> None:
        self.config = config
        if config.method == "head":
            head = load_head(config.head, "sentiment")
            missing = set(LABELS) - set(head.classes)
            if missing:
                raise ModelError(f"tasks.sentiment.head: the head's classes {head.classes} lack {sorted(missing)}; train it on negative/neutral/positive labels")
            order = [head.classes.index(label) for label in LABELS]
            self._proba: Callable[[np.ndarray, Sequence[str]], np.ndarray] = lambda v, t: head.predict_proba(v, t)[:, order]
        else:
            scorer = PrototypeScorer({k: config.labels[k] for k in LABELS}, encode, config.prototype_smoothing)
            self._proba = lambda v, t: scorer.probabilities(v, config.temperature)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive for texts and their embeddings."""
        if len(vectors) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        return self._proba(vectors, texts)

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        records = []
        for view in views:
            sentence_probs = self.probabilities(view.sentence_vectors, view.sentences)
            teaser_probs = self.probabilities(view.teaser_vectors, view.doc.teasers)
            record: dict[str, Any] = {"teasers": [{"sentiment": sentiment_record(p)} for p in teaser_probs]}
            if len(sentence_probs):
                weights = np.array([word_count(s) for s in view.sentences], dtype=np.float64)
                article = (sentence_probs * weights[:, None]).sum(axis=0) / max(weights.sum(), 1.0)
                record["article"] = {"sentiment": sentiment_record(article)}
            records.append(record)
        return records
