"""`calibrate topics`: the abstain threshold and softmax temperature that maximise macro-F1 on
labelled data, with expected calibration error before and after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from newsnlp.config import (
    HeadTrainConfig,
    RunConfig,
    apply_overrides,
    packaged_default,
    read_yaml,
    validate_config,
)
from newsnlp.documents.labelled import labelled_texts
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError
from newsnlp.evaluate.evaluator import head_saw
from newsnlp.evaluate.metrics import classification_metrics, expected_calibration_error
from newsnlp.tasks.topics import EmbeddingTopics, HeadPart, decide

TEMPERATURES = np.round(np.geomspace(0.01, 0.2, 14), 4)
THRESHOLDS = np.round(np.arange(0.0, 0.91, 0.05), 2)


@dataclass
class Calibration:
    before: dict[str, float]  # temperature, threshold, macro_f1, accuracy, ece
    after: dict[str, float]
    n: int
    warning: str | None = None  # the head saw this data: how its scores were made out of fold
    held_out: dict[str, dict[str, float]] | None = None  # before/after on folds the knobs were not chosen on

    @property
    def worse_held_out(self) -> bool:
        """Calibrated knobs that raise ECE on held-out folds: never written."""
        return self.held_out is not None and self.held_out["after"]["ece"] > self.held_out["before"]["ece"]

    def overrides(self) -> dict[str, float]:
        return {"tasks.topics.threshold": self.after["threshold"], "tasks.topics.temperature": self.after["temperature"]}


def calibrate_topics(
    config: RunConfig, *, on_start: Callable[[int], None] | None = None, on_batch: Callable[[int], None] | None = None
) -> Calibration:
    data = config.data
    if data is None:
        raise ConfigError("this config has no 'data:' section; use an eval config such as configs/eval-ag-news.yaml")
    pipeline = Pipeline(config)
    topics = pipeline.topics_task
    rows = labelled_texts(data, topics.labels)
    texts, gold = rows.texts, rows.gold
    warning = None
    if on_start:
        on_start(len(texts))
    if isinstance(topics, EmbeddingTopics):  # embedding / head: temperature and threshold
        vectors = pipeline.encoder.encode(texts, on_batch)
        sims = topics.scorer.similarities(vectors)
        seen = head_saw(config, "topics")
        head_part: HeadPart | None
        if seen:  # its own scores on data it was fitted on are in-sample (1.000 → 1.000, threshold 0)
            head_part = out_of_fold_head_part(topics, vectors, texts, gold, config.tasks.topics.train)
            warning = (
                f"in-sample: the topics head was trained on {', '.join(seen)}; calibrated on out-of-fold head scores instead "
                f"({config.tasks.topics.train.folds} heads, each fitted on the other folds of this data alone)"
            )
        else:
            head_part = topics.head_part(texts, vectors)
        probabilities = lambda temperature: topics.combine(sims, head_part, temperature)  # noqa: E731
        temperatures = TEMPERATURES
    else:  # nli: scores have no temperature; the threshold alone is tuned
        fixed = topics.probabilities(texts)
        if on_batch:
            on_batch(len(texts))
        probabilities = lambda temperature: fixed  # noqa: E731
        temperatures = np.array([config.tasks.topics.temperature])

    cache: dict[float, np.ndarray] = {}

    def score(temperature: float, threshold: float, rows: np.ndarray | None = None) -> dict[str, float]:
        if float(temperature) not in cache:
            cache[float(temperature)] = probabilities(temperature)
        probs = cache[float(temperature)] if rows is None else cache[float(temperature)][rows]
        truth = gold if rows is None else [gold[i] for i in rows]
        chosen = decide(probs, topics.other, threshold)
        predicted = [topics.labels[i] for i in chosen]
        m = classification_metrics(truth, predicted)
        confidence = probs[np.arange(len(probs)), chosen]
        ece = expected_calibration_error(confidence, [g == p for g, p in zip(truth, predicted)])
        return {
            "temperature": float(temperature),
            "threshold": float(threshold),
            "macro_f1": m["macro_f1"],
            "accuracy": m["accuracy"],
            "ece": round(ece, 4),
        }

    def best(rows: np.ndarray | None = None) -> dict[str, float]:
        """The best macro-F1 on `rows`; among near-ties (within 0.001) the lowest ECE."""
        grid = [score(t, th, rows) for t in temperatures for th in THRESHOLDS]
        top = max(g["macro_f1"] for g in grid)
        return min((g for g in grid if g["macro_f1"] >= top - 1e-3), key=lambda g: g["ece"])

    current = (config.tasks.topics.temperature, config.tasks.topics.threshold)
    before, after = score(*current), best()
    return Calibration(before, after, len(texts), warning, held_out_figures(gold, best, score, current, config.tasks.topics.train))


def held_out_figures(
    gold: list[str],
    best: Callable[[np.ndarray], dict[str, float]],
    score: Callable[..., dict[str, float]],
    current: tuple[float, float],
    train: HeadTrainConfig,
) -> dict[str, dict[str, float]] | None:
    """The calibration scored where it was not chosen: per fold, knobs picked on the other folds;
    the held-out folds' figures with the current knobs beside them (None: too few rows)."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(gold)
    folds = min(train.folds, int(np.unique(labels, return_counts=True)[1].min()))
    if folds < 2:
        return None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=train.seed)
    before: list[dict[str, float]] = []
    after: list[dict[str, float]] = []
    for fit, held in splitter.split(np.zeros(len(labels)), labels):
        picked = best(fit)
        before.append(score(*current, held))
        after.append(score(picked["temperature"], picked["threshold"], held))

    def mean(rows: list[dict[str, float]]) -> dict[str, float]:
        return {key: round(float(np.mean([r[key] for r in rows])), 4) for key in ("macro_f1", "accuracy", "ece")}

    return {"before": mean(before), "after": mean(after)}


def out_of_fold_head_part(topics: EmbeddingTopics, vectors: np.ndarray, texts: list[str], gold: list[str], train: HeadTrainConfig) -> HeadPart:
    """Each row's head scores from a head fitted without it (`nlp train`'s own stratified folds
    and fit, the config's train settings; no `also` gold here, so one-vs-rest scores stay the
    prototypes'), through the task's own `head_part`: the scores a head gives unseen text."""
    from newsnlp.training.data import Labelled  # scikit-learn: loaded when used (training's own folds and fit)

    labels = np.asarray(gold)
    data = Labelled(texts, labels, np.full(len(texts), "calibration"), vectors, labels)
    probs, independent, weight = np.zeros((len(texts), len(topics.labels))), np.full((len(texts), len(topics.labels)), np.nan), np.zeros(len(texts))
    for fit_idx, test_idx in data.folds(train):
        part = topics.head_part([texts[i] for i in test_idx], vectors[test_idx], data.fit(fit_idx, train))
        assert part is not None  # a head was given
        probs[test_idx], independent[test_idx], weight[test_idx] = part.probs, part.label_scores, part.weight
    return HeadPart(probs, independent, weight, topics.known)


def write_calibrated_config(source: Path | None, overrides: dict[str, Any], target: Path) -> Path:
    """Write `source` (or the packaged default) with the calibrated keys set, validated first."""
    data = read_yaml(source) if source else dict(packaged_default())
    data = apply_overrides(data, overrides)
    validate_config(data, source=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return target
