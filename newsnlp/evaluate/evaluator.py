"""`evaluate`: score one task of a config on its `data:` section, beside an in-run baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from newsnlp.config import RunConfig
from newsnlp.documents import Document
from newsnlp.documents.labelled import labelled_texts, load_rows, references
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError
from newsnlp.evaluate.evaluation import Evaluation
from newsnlp.evaluate.metrics import (
    classification_metrics,
    expected_calibration_error,
    majority_baseline,
    multilabel_metrics,
    paired_bootstrap_ci,
    reliability_bins,
    rouge,
)
from newsnlp.heads.predict import load_head
from newsnlp.records import SentimentResult, TopicResult
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS

TASKS = ("summarize", "topics", "sentiment", "stories")
Progress = Callable[[int], None]


def evaluate(task: str, config: RunConfig, *, on_start: Callable[[int], None] | None = None, on_batch: Progress | None = None) -> Evaluation:
    """Run `task` of `config` over `config.data` and score it; `on_start(total)`/`on_batch(n)` report progress."""
    if task not in TASKS:
        raise ConfigError(f"task '{task}': expected one of {', '.join(TASKS)}")
    if config.data is None:
        raise ConfigError("this config has no 'data:' section; use an eval config such as configs/eval-ag-news.yaml")
    if task == "stories":
        from newsnlp.evaluate.stories import evaluate_stories

        evaluation: Evaluation = evaluate_stories(config, on_start, cast("Callable[[float], None] | None", on_batch))  # a bar takes fractions too
        return evaluation
    section = getattr(config.tasks, task)
    if not section.enabled:
        raise ConfigError(f"tasks.{task}.enabled is false; set it to true to evaluate {task}")
    if task == "summarize":
        return _evaluate_summaries(config, on_start, on_batch)
    return _evaluate_classifier(task, config, on_start, on_batch)


def _evaluate_classifier(task: str, config: RunConfig, on_start, on_batch) -> Evaluation:
    data = config.data
    assert data is not None
    pipeline = Pipeline(config)
    labels = list(pipeline.topics_task.labels) if task == "topics" else list(SENTIMENT_LABELS)
    rows = labelled_texts(data, labels)
    texts, gold, gold_sets = rows.texts, rows.gold, rows.gold_sets
    if on_start:
        on_start(len(texts))
    outputs: list[TopicResult] | list[SentimentResult]
    if task == "topics":
        outputs = topic_rows = pipeline.classify(texts, on_batch=on_batch)
    else:
        outputs = pipeline.sentiment(texts, on_batch=on_batch)
    predicted = [o["label"] for o in outputs]
    confidence = [float(o["scores"][o["label"]]) for o in outputs]
    correct = [g == p for g, p in zip(gold, predicted)]
    metrics: dict[str, Any] = classification_metrics(gold, predicted)
    metrics["baseline"] = majority_baseline(gold)
    metrics["ece"] = round(expected_calibration_error(confidence, correct), 4)
    metrics["data"] = data.describe()
    if task == "topics" and (data.also_field or data.also_map):
        metrics["lenient"] = lenient_metrics(gold, gold_sets, predicted)
        metrics["multi_label"] = multilabel_metrics(gold_sets, [o["labels"] for o in topic_rows])
    warning = _in_sample_warning(task, config)
    if warning:
        metrics["warning"] = warning
    if config.cascade.enabled:
        from newsnlp.evaluate.cascade import cascade_figures

        metrics["cascade"] = cascade_figures(task, pipeline, texts, gold, cast("list[dict[str, Any]]", outputs))
    predictions: list[dict[str, Any]] = [
        {"row": i, "text": text, "gold": g, "predicted": p, "confidence": round(c, 4), "scores": o["scores"]}
        for i, (text, g, p, c, o) in enumerate(zip(texts, gold, predicted, confidence, outputs))
    ]
    predictions.sort(key=lambda r: (r["gold"] == r["predicted"], -r["confidence"]))  # confident mistakes first
    return Evaluation(task, metrics, predictions, labels, gold, predicted, confidence)


def lenient_metrics(gold: list[str], gold_sets: list[list[str]], predicted: list[str]) -> dict[str, Any]:
    """Single-label figures where a prediction counts as right when it is any label that applies
    (the label or one in `also`)."""
    lenient = [p if p in labels else g for g, labels, p in zip(gold, gold_sets, predicted)]
    m = classification_metrics(gold, lenient)
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}


def head_saw(config: RunConfig, task: str) -> list[str]:
    """The data files of `config` that its `task` head was fitted on (from the head's card)."""
    return _seen_and_card(config, task)[0]


def _seen_and_card(config: RunConfig, task: str) -> tuple[list[str], dict[str, Any]]:
    section = getattr(config.tasks, task)
    if section.method != "head" or config.data is None:
        return [], {}
    card = load_head(section.head, task, config.encoder.model).card
    return [f.name for f in config.data.files if f.name in card.get("data_files", [])], card


def _in_sample_warning(task: str, config: RunConfig) -> str | None:
    """A head evaluated on the file it was trained on gives an in-sample figure: say so."""
    seen, card = _seen_and_card(config, task)  # the head's card read once
    if not seen:
        return None
    assert config.data is not None
    cv = card.get("cv", {})
    by_file = card.get("cv_by_file", {})
    if len(config.data.files) == 1 and config.data.files[0].name in by_file:
        figures, where = by_file[config.data.files[0].name], "this file"
    else:  # a head trained on several sources: this one's
        figures, where = card.get("cv_by_source", {}).get(config.data.source, cv), "this source"
    return (
        f"in-sample: the {task} head was trained on {', '.join(seen)}; these figures are not quality. "
        f"Its out-of-fold {cv.get('folds', 5)}-fold CV figures on {where}: accuracy {figures.get('accuracy')}, macro-F1 {figures.get('macro_f1')}"
    )


def _evaluate_summaries(config: RunConfig, on_start, on_batch) -> Evaluation:
    data = config.data
    assert data is not None
    rows = load_rows(data, data.text_fields)
    refs = references(rows, data)
    ids = [str(row[data.id_field]) if data.id_field else str(i) for i, row in enumerate(rows)]
    cfg = config.model_copy(deep=True)
    cfg.tasks.topics.enabled = cfg.tasks.sentiment.enabled = False
    docs = [Document.from_parts(doc_id, "\n".join(str(row[f]) for f in data.text_fields if row.get(f))) for doc_id, row in zip(ids, rows)]
    if on_start:
        on_start(len(docs))
    k = cfg.tasks.summarize.sentences
    ours, lead = [], []
    for doc, record in zip(docs, Pipeline(cfg).process(docs)):
        summary = record.get("summary", {})
        ours.append("\n".join(s["text"] for s in summary["sentences"]) if "sentences" in summary else summary.get("text", ""))
        lead.append("\n".join(doc.sentences()[:k]))
        if on_batch:
            on_batch(1)
    ours_scores, lead_scores = rouge(ours, refs), rouge(lead, refs)
    mean = lambda scores: {name: round(float(np.mean(v)), 2) for name, v in scores.items()}  # noqa: E731
    metrics: dict[str, Any] = {
        "n": len(rows),
        **mean(ours_scores),
        "baseline": {"name": f"lead-{k}", **mean(lead_scores)},
        "delta_rouge1_ci95": paired_bootstrap_ci(ours_scores["rouge1"] - lead_scores["rouge1"]),
        "data": data.describe(),
    }
    predictions = [
        {"row": i, "id": doc_id, "summary": s, "lead": ld, "references": r, "rouge1": round(float(a), 2), "lead_rouge1": round(float(b), 2)}
        for i, (doc_id, s, ld, r, a, b) in enumerate(zip(ids, ours, lead, refs, ours_scores["rouge1"], lead_scores["rouge1"]))
    ]
    predictions.sort(key=lambda r: r["rouge1"] - r["lead_rouge1"])  # where we lose most to the baseline first
    return Evaluation("summarize", metrics, predictions)


def reliability(evaluation: Evaluation) -> list[dict]:
    correct = [g == p for g, p in zip(evaluation.gold, evaluation.predicted)]
    return reliability_bins(evaluation.confidence, correct)
