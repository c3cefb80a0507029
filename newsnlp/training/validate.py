"""Cross-validation through the task's own prediction path: out-of-fold figures per file and
source-held-out figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from newsnlp.config import HeadTrainConfig
from newsnlp.evaluate.metrics import classification_metrics
from newsnlp.heads.predict import (
    LinearHead,
)
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from newsnlp.tasks.sentiment import EmbeddingSentiment
from newsnlp.tasks.topics import EmbeddingTopics
from newsnlp.training.data import Labelled

Predict = Callable[
    [LinearHead | None, np.ndarray, bool], list[list[str]]
]  # (head, row indices, teaser cuts?) -> each row's labels, the decided one first


def cross_validate(data: Labelled, train: HeadTrainConfig, predict: Predict) -> tuple[dict[str, Any], dict[bool, np.ndarray], list[list[str]]]:
    """Stratified k-fold figures (mean ± std of macro-F1) and the out-of-fold predictions, of the
    whole texts and (under "teasers", when the data has them) of their teaser cuts; and the
    whole texts' out-of-fold label sets."""
    oof = {view: np.empty(len(data.labels), dtype=object) for view in data.views}
    oof_sets: list[list[str]] = [[] for _ in data.labels]
    scores: dict[bool, list[dict[str, Any]]] = {view: [] for view in data.views}
    for train_idx, test_idx in data.folds(train):
        head = data.fit(train_idx, train)
        for view in data.views:
            predicted = predict(head, test_idx, view)
            oof[view][test_idx] = [p[0] for p in predicted]
            if not view:
                for i, p in zip(test_idx, predicted):
                    oof_sets[i] = p
            scores[view].append(classification_metrics(list(data.labels[test_idx]), [p[0] for p in predicted]))
    figures: dict[str, Any] = {"folds": train.folds, **_mean_scores(scores[False])}
    if True in scores:
        figures["teasers"] = {"chars": train.teaser_chars, **_mean_scores(scores[True])}
    return figures, oof, oof_sets


def file_figures(data: Labelled, predicted: np.ndarray, predicted_sets: list[list[str]] | None) -> dict[str, dict[str, Any]]:
    """Out-of-fold figures for each scored file: per class, and with multi-label gold, lenient (a
    predicted label in `also` counts) and multi-label (predicted label sets against gold sets)."""
    from newsnlp.evaluate.evaluator import lenient_metrics
    from newsnlp.evaluate.metrics import multilabel_metrics

    out = {}
    assert data.files is not None
    for file in np.unique(data.files):
        rows = np.flatnonzero(data.files == file)
        if data.fit_only is not None and data.fit_only[rows].all():
            continue
        gold, guess = list(data.labels[rows]), list(predicted[rows])
        m = classification_metrics(gold, guess)
        if data.gold_sets is not None and predicted_sets is not None:
            gold_sets = [data.gold_sets[i] for i in rows]
            m["lenient"] = lenient_metrics(gold, gold_sets, guess)
            m["multi_label"] = multilabel_metrics(gold_sets, [predicted_sets[i] for i in rows])
        out[str(file)] = m
    return out


def _mean_scores(folds: list[dict[str, Any]]) -> dict[str, float]:
    f1s = [m["macro_f1"] for m in folds]
    return {
        "macro_f1": round(float(np.mean(f1s)), 4),
        "macro_f1_std": round(float(np.std(f1s)), 4),
        "accuracy": round(float(np.mean([m["accuracy"] for m in folds])), 4),
    }


def held_out_sources(data: Labelled, train: HeadTrainConfig, predict: Predict) -> dict[str, dict[str, float]]:
    """For each source: trained on the other sources, scored on this one."""
    out = {}
    for source in np.unique(data.sources):
        test_idx = np.flatnonzero(data.sources == source)
        train_idx = np.flatnonzero(data.sources != source)
        head = data.fit(train_idx, train)
        m = classification_metrics(list(data.labels[test_idx]), [p[0] for p in predict(head, test_idx, False)])
        out[str(source)] = {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"], "n": m["n"]}
    return out


def predictor(task: EmbeddingTopics | EmbeddingSentiment, data: Labelled) -> Predict:
    """Predictions as the task runs them, with a fold's head (None: the prototypes alone): through
    the task's own `classify` / `probabilities`, the path every run takes, so cross-validation
    scores the method exactly as it runs."""

    def predict(head: LinearHead | None, idx: np.ndarray, teasers: bool) -> list[list[str]]:
        vectors, texts = data.view(teasers)
        chosen = [texts[i] for i in idx]
        if isinstance(task, EmbeddingTopics):
            return [record["labels"] for record in task.classify(chosen, vectors[idx], head=head)]
        return [[SENTIMENT_LABELS[i]] for i in task.probabilities(chosen, vectors[idx], head=head).argmax(axis=1)]

    return predict
