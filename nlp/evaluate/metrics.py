"""Metrics, each from a well-kept library: ROUGE from rouge-score, the rest from scikit-learn."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from rouge_score import rouge_scorer
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from ..text import split_sentences

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
    per_class = {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
                 for i, lab in enumerate(labels)}
    return {"n": len(gold), "accuracy": round(float(accuracy_score(gold, predicted)), 4), "macro_f1": round(float(np.mean(f)), 4), "per_class": per_class}
