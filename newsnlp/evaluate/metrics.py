"""Metrics, each from a well-kept library: ROUGE from rouge-score, the rest from scikit-learn."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from rouge_score import rouge_scorer
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from newsnlp.documents.text import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def rouge(predictions: Sequence[str], references: Sequence[str | Sequence[str]]) -> dict[str, np.ndarray]:
    """Per-document ROUGE F1 ×100 (rouge-score, Porter stemming). With several references for a
    document, the best one counts. rougeLsum needs one sentence per line, so both sides are
    sentence-split first (references often come as one line, e.g. CNN/DM highlights)."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    out = {t: np.zeros(len(predictions)) for t in ROUGE_TYPES}
    for i, (pred, refs) in enumerate(zip(predictions, references)):
        refs = [refs] if isinstance(refs, str) else list(refs)
        scores = [scorer.score(_lines(ref), _lines(pred)) for ref in refs]
        for t in ROUGE_TYPES:
            out[t][i] = 100 * max(s[t].fmeasure for s in scores)
    return out


def _lines(text: str) -> str:
    return "\n".join(split_sentences(text))


def classification_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1 over the labels present in the gold data, and per-class figures.

    A prediction of a label the gold data lacks counts only as an error on the true class, so
    a data set without, say, energy news is scored fairly.
    """
    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per_class = {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(np.mean(f)), 4),
        "per_class": per_class,
    }


def multilabel_metrics(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict:
    """Multi-label figures: per label precision/recall/F1 over the labels the gold sets hold,
    their macro mean, and sample-F1 (F1 of each row's label set, averaged over rows)."""
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    labels = sorted({label for row in gold for label in row})
    binarizer = MultiLabelBinarizer(classes=labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a predicted label outside the gold's is ignored, as classification_metrics does
        y_true, y_pred = binarizer.fit_transform(gold), binarizer.transform(predicted)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    per_label = {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    return {
        "n": len(gold),
        "sample_f1": round(float(f1_score(y_true, y_pred, average="samples", zero_division=0)), 4),
        "macro_f1": round(float(np.mean(f)), 4),
        "exact_match": round(float(np.mean([set(a) == set(b) for a, b in zip(gold, predicted)])), 4),
        "per_label": per_label,
    }


def majority_baseline(gold: Sequence[str]) -> dict:
    """Predict the most frequent gold label for every row (ties: alphabetical first)."""
    labels, counts = np.unique(np.asarray(gold), return_counts=True)
    majority = str(labels[int(np.argmax(counts))])
    m = classification_metrics(gold, [majority] * len(gold))
    return {"name": "majority", "label": majority, "accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}


def reliability_bins(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> list[dict]:
    """Equal-width confidence bins: count, mean confidence and accuracy of each non-empty bin."""
    conf, right = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    index = np.minimum((conf * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            out.append(
                {
                    "low": b / bins,
                    "high": (b + 1) / bins,
                    "count": int(mask.sum()),
                    "confidence": float(conf[mask].mean()),
                    "accuracy": float(right[mask].mean()),
                }
            )
    return out


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Σ_bins (n_b / n) · |accuracy_b − confidence_b| over equal-width confidence bins."""
    n = len(confidence)
    if n == 0:
        return 0.0
    return float(sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in reliability_bins(confidence, correct, bins)))


def paired_bootstrap_ci(deltas: Sequence[float], *, resamples: int = 2000, seed: int = 0, level: float = 0.95) -> list[float]:
    """Percentile CI of the mean of per-document differences, resampling documents with replacement."""
    values = np.asarray(deltas, dtype=float)
    if len(values) == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return [round(float(np.percentile(means, tail)), 3), round(float(np.percentile(means, 100 - tail)), 3)]
