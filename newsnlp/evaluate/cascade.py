"""A cascade config's evaluation figures: the share of texts escalated, and the quality over the
escalation knob (the margins times a factor; 1 is the config's own), from one static pass and
one transformer pass over every text, mixed as the cascade would mix them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsnlp.engine.cascade import CURVE, decision_margins, escalated, escalation
from newsnlp.engine.pipeline import Pipeline
from newsnlp.evaluate.metrics import classification_metrics


def cascade_figures(task: str, pipeline: Pipeline, texts: list[str], gold: Sequence[str], outputs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`escalated` (share of `outputs` the transformer tier decided) and `escalation_curve`."""
    config = pipeline.config
    alone = Pipeline(config.model_copy(update={"cascade": config.cascade.model_copy(update={"enabled": False})})).load()
    topics = alone.classify(texts) if alone.tasks.topics is not None else None
    sentiments = alone.sentiment(texts) if alone.tasks.sentiment is not None else None
    mine = topics if task == "topics" else sentiments
    assert mine is not None  # the task evaluated is enabled
    none = [None] * len(texts)  # a task that is off: never unsure
    topic_margins, sentiment_margins = decision_margins(topics or none), decision_margins(sentiments or none)
    theirs = pipeline.tier.classify(texts) if task == "topics" else pipeline.tier.sentiment(texts)
    metric, key = ("macro_f1", "topic") if task == "topics" else ("accuracy", "sentiment")
    curve = []
    for factor in CURVE:
        per_task = escalation(topic_margins, sentiment_margins, config.cascade, factor)
        predicted = [t["label"] if u else m["label"] for u, m, t in zip(per_task[key], mine, theirs)]
        share = round(float(escalated(per_task).mean()), 4)
        curve.append({"factor": factor, "escalated": share, metric: round(classification_metrics(list(gold), predicted)[metric], 4)})
    name = config.encoder.model
    return {"escalated": round(float(np.mean([o.get("tier") != name for o in outputs])), 4), "escalation_curve": curve}
