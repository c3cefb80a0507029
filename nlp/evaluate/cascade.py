"""A cascade config's evaluation figures: the share of texts escalated, and the quality over the
escalation knob (the margins times a factor; 1 is the config's own), from one static pass and
one transformer pass over every text, mixed as the cascade would mix them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlp.engine.pipeline import Pipeline
from nlp.evaluate.metrics import classification_metrics
from nlp.static.cascade import margin

CURVE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def cascade_figures(task: str, pipeline: Pipeline, texts: list[str], gold: Sequence[str], outputs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`escalated` (share of `outputs` the transformer tier decided) and `escalation_curve`."""
    config = pipeline.config
    alone = Pipeline(config.model_copy(update={"cascade": config.cascade.model_copy(update={"enabled": False})})).load()
    topic_margins = sentiment_margins = np.ones(len(texts))
    if alone.tasks.topics is not None:
        topic_margins = np.array([margin(r["scores"]) for r in alone.classify(texts)])
    if alone.tasks.sentiment is not None:
        sentiment_margins = np.array([margin(r["scores"]) for r in alone.sentiment(texts)])
    mine = alone.classify(texts) if task == "topics" else alone.sentiment(texts)
    theirs = pipeline.tier.classify(texts) if task == "topics" else pipeline.tier.sentiment(texts)
    metric = "macro_f1" if task == "topics" else "accuracy"
    curve = []
    for factor in CURVE:
        up = (topic_margins < config.cascade.topic_margin * factor) | (sentiment_margins < config.cascade.sentiment_margin * factor)
        predicted = [t["label"] if u else m["label"] for u, m, t in zip(up, mine, theirs)]
        curve.append(
            {"factor": factor, "escalated": round(float(up.mean()), 4), metric: round(classification_metrics(list(gold), predicted)[metric], 4)}
        )
    name = config.encoder.model
    return {"escalated": round(float(np.mean([o.get("tier") != name for o in outputs])), 4), "escalation_curve": curve}
