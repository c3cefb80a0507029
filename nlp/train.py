"""Fit small heads over the shared embeddings, with k-fold cross-validation figures."""

from __future__ import annotations

from datetime import date
from typing import Any, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from .heads import LinearHead


def _logistic(c: float, seed: int) -> LogisticRegression:
    # Balanced class weights: the dev sets are skewed (FPB is 58% neutral) and we report macro-F1.
    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)


def cross_validate(x: np.ndarray, y: Sequence[str], *, c: float = 2.0, folds: int = 5, seed: int = 0) -> dict[str, float]:
    """Stratified k-fold accuracy and macro-F1 (mean over folds) of a logistic-regression head."""
    y = np.asarray(y)
    accs, f1s = [], []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y):
        model = _logistic(c, seed).fit(x[train], y[train])
        pred = model.predict(x[test])
        accs.append(accuracy_score(y[test], pred))
        f1s.append(f1_score(y[test], pred, average="macro"))
    return {"folds": folds, "accuracy": round(float(np.mean(accs)), 4), "macro_f1": round(float(np.mean(f1s)), 4),
            "macro_f1_std": round(float(np.std(f1s)), 4)}


def fit_linear_head(x: np.ndarray, y: Sequence[str], *, c: float = 2.0, seed: int = 0, card: dict[str, Any] | None = None) -> LinearHead:
    """Fit on all rows; the card records what trained it (callers add data and license)."""
    model = _logistic(c, seed).fit(x, np.asarray(y))
    classes = [str(k) for k in model.classes_]
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # sklearn's binary form: one row for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    meta = {"kind": "logistic_regression", "C": c, "class_weight": "balanced", "seed": seed, "classes": classes,
            "rows": int(len(y)), "trained": date.today().isoformat()}
    return LinearHead(classes=classes, coef=coef.astype(np.float32), intercept=intercept.astype(np.float32), card={**meta, **(card or {})})
