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

    def decide(self, probs: np.ndarray, threshold: float) -> np.ndarray:
        """Label index per row: the best real label, or `other` when it wins or the best real
        label scores under `threshold`."""
        real = probs.copy()
        real[:, self.other] = -1.0
        best = real.argmax(axis=1)
        abstain = (probs.argmax(axis=1) == self.other) | (probs[np.arange(len(probs)), best] < threshold)
        return np.where(abstain, self.other, best)

    def classify(self, vectors: np.ndarray) -> list[dict[str, Any]]:
        """One topic dict per vector: label, scores of every label (and `labels` in multi-label mode)."""
        probs = self.scorer.probabilities(vectors, self.config.temperature)
        chosen = self.decide(probs, self.config.threshold) if len(probs) else []
        results = []
        for row, label in zip(probs, chosen):
            topic: dict[str, Any] = {"label": self.labels[label], "scores": rounded(dict(zip(self.labels, row)))}
            if self.config.multi_label:
                over = [name for i, name in enumerate(self.labels) if i != self.other and row[i] >= self.config.threshold]
                topic["labels"] = over or [self.labels[self.other]]
            results.append(topic)
        return results

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        records = []
        for view in views:
            vectors = np.vstack([view.lead_vector[None, :], view.teaser_vectors])
            topics = self.classify(vectors)
            records.append({"article": {"topic": topics[0]}, "teasers": [{"topic": t} for t in topics[1:]]})
        return records
