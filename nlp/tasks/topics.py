"""Zero-shot topics from label prototypes, with abstention to the `other` label."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import LabelSpec, TopicsConfig
from .base import DocView, rounded
from .prototypes import PrototypeScorer


class EmbeddingTopics:
    name = "topics"

    def __init__(self, config: TopicsConfig, encode) -> None:
        self.config = config
        labels = dict(config.labels)
        if config.other_label not in labels:
            labels[config.other_label] = LabelSpec()  # always reported, even without prototypes
        self.scorer = PrototypeScorer(labels, encode, config.prototype_smoothing)
        self.labels = self.scorer.labels
        self.other = self.labels.index(config.other_label)

    def classify(self, vectors: np.ndarray) -> list[dict[str, Any]]:
        """One topic dict per vector: label, scores of every label (and `labels` in multi-label mode)."""
        probs = self.scorer.probabilities(vectors, self.config.temperature)
        real = [i for i in range(len(self.labels)) if i != self.other]
        results = []
        for row in probs:
            best = max(real, key=lambda i: row[i]) if real else self.other
            winner = int(np.argmax(row))
            label = self.labels[winner] if winner == self.other or row[best] >= self.config.threshold else self.labels[self.other]
            topic: dict[str, Any] = {"label": label, "scores": rounded(dict(zip(self.labels, row)))}
            if self.config.multi_label:
                chosen = [self.labels[i] for i in real if row[i] >= self.config.threshold]
                topic["labels"] = chosen or [self.labels[self.other]]
            results.append(topic)
        return results

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        records = []
        for view in views:
            vectors = np.vstack([view.lead_vector[None, :], view.teaser_vectors])
            topics = self.classify(vectors)
            records.append({"article": {"topic": topics[0]}, "teasers": [{"topic": t} for t in topics[1:]]})
        return records
