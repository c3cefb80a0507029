"""Sentiment from any sequence classifier (SST-2, FinBERT, Twitter RoBERTa, 1-5 star models).

The model's own labels are mapped to negative/neutral/positive from its `id2label` names
('NEGATIVE', 'positive', 'Neutral', '1 star' … '5 stars'), so pointing a config at another
classifier just works; `label_map` in YAML covers names that say nothing (e.g. 'LABEL_0').
Probabilities of the model's classes are summed per bucket; score = P(positive) − P(negative).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from newsnlp.batching import run_batched
from newsnlp.config import SentimentConfig
from newsnlp.errors import ModelError
from newsnlp.models.hub import Classifier
from newsnlp.models.runtime import Runtime
from newsnlp.numeric import softmax
from newsnlp.records import Partial
from newsnlp.tasks.base import DocView, Reads
from newsnlp.tasks.sentiment import LABELS, sentiment_partials, sentiment_texts

_STARS = re.compile(r"^\s*([1-5])\s*star")


def bucket_of(name: str) -> str | None:
    """negative / neutral / positive for a classifier's label name, or None when it says nothing."""
    lowered = name.lower()
    stars = _STARS.match(lowered)
    if stars:
        n = int(stars.group(1))
        return "negative" if n <= 2 else "neutral" if n == 3 else "positive"
    for prefix, bucket in (("neg", "negative"), ("neu", "neutral"), ("pos", "positive")):
        if lowered.startswith(prefix):
            return bucket
    return None


def bucket_matrix(id2label: Mapping[int, str], label_map: Mapping[str, str], ref: str = "the model") -> np.ndarray:
    """(n_classes, 3) 0/1 matrix summing each model class into its sentiment label."""
    matrix = np.zeros((len(id2label), len(LABELS)))
    unknown = []
    for i, name in sorted((int(k), str(v)) for k, v in id2label.items()):
        bucket = label_map.get(name) if label_map else bucket_of(name)
        if bucket is None:
            unknown.append(name)
        else:
            matrix[i, LABELS.index(bucket)] = 1.0
    if unknown:
        example = f"{unknown[0]}: negative" + (f", {unknown[-1]}: positive" if len(unknown) > 1 else "")
        how = "add them to" if label_map else "set"
        raise ModelError(
            f"tasks.sentiment.model: {ref} has labels {unknown} that do not say negative, neutral or positive; "
            f"{how} tasks.sentiment.label_map, e.g. {{{example}}}"
        )
    if not matrix[:, [0, 2]].any(axis=0).all():
        raise ModelError(f"tasks.sentiment.model: {ref}'s labels {sorted(id2label.values())} need both a negative and a positive class")
    return matrix


class ClassifierSentiment:
    name = "sentiment"
    reads: frozenset[Reads] = frozenset({"teaser_sentences"})

    def __init__(self, config: SentimentConfig, runtime: Runtime, model: Classifier | None = None) -> None:
        self.config = config
        self.runtime = runtime
        self.model = model or Classifier(config.model, runtime, "tasks.sentiment.model", config.backend, config.quantize)
        self.buckets = bucket_matrix(self.model.id2label, config.label_map, repr(self.model.ref))

    def _logits(self, texts: list[str]) -> np.ndarray:
        return self.model.logits(texts)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive."""
        if not texts:
            return np.zeros((0, 3))
        logits = np.stack(run_batched(list(texts), self._logits, batch_size=self.runtime.batch_size))
        return softmax(logits) @ self.buckets

    def __call__(self, views: list[DocView]) -> list[Partial]:
        return sentiment_partials(views, self.probabilities(sentiment_texts(views)))
