"""`nlp train`: fit a head over the shared embeddings on your labels, in seconds on a CPU.

Rows come from one or more eval configs (each `data:` section names its file, fields and label
map). The cross-validation figures score the method as it runs: for topics, the head blended
with the label prototypes and the abstain rule; for sentiment, the head's argmax. With several
sources, it also reports per-source out-of-fold figures and source-held-out figures (train on
the others, test on one), since a head that fits one source can collapse on another.

With `train.teaser_chars` (topics: 200), the head also fits each text's body cut as a news page
shows a teaser, and the card scores those cuts out of fold too: the product classifies teasers,
and a head fitted on whole Reuters stories alone did markedly worse on their cuts (README).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.config import HeadTrainConfig, RunConfig
from newsnlp.errors import ConfigError
from newsnlp.evaluate.metrics import classification_metrics
from newsnlp.heads.predict import (
    LinearHead,
)
from newsnlp.models.encoder import Encoder, open_encoder
from newsnlp.run_info import describe_run
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from newsnlp.tasks.sentiment import EmbeddingSentiment
from newsnlp.tasks.topics import EmbeddingTopics, topic_labels
from newsnlp.training.data import TRAINABLE, Labelled, Rows, check_rows, encoded, read_rows
from newsnlp.training.validate import cross_validate, file_figures, held_out_sources, predictor


def train_head(
    task: str,
    configs: Sequence[RunConfig],
    out: str | Path,
    *,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
    command: str = "",
) -> LinearHead:
    """Fit a `task` head on the data of `configs` (the first config's task settings rule), write it
    to `out` (.npz plus a .json card) and return it; its card holds the CV figures."""
    if task not in TRAINABLE:
        raise ConfigError(f"task '{task}': heads can be trained for {', '.join(TRAINABLE)}")
    config = configs[0]
    train = getattr(config.tasks, task).train
    rows = read_rows(configs, list(topic_labels(config.tasks.topics)) if task == "topics" else SENTIMENT_LABELS, train.data_labels)
    check_rows(rows, configs, train.folds)  # before any model loads
    encoder = open_encoder(config)
    scorer = zero_shot_task(task, config, encoder)
    data = encoded(rows, encoder, train, on_start, on_batch)
    card = training_card(task, config, rows, data, scorer, command)
    if encoder.head_fingerprint:  # a static table: heads fit it exactly, checked when a run loads them
        card["static_fingerprint"] = encoder.head_fingerprint
    head = data.fit(np.arange(len(data.texts)), train, card)
    head.save(out)
    return head


def zero_shot_task(task: str, config: RunConfig, encoder: Encoder) -> EmbeddingTopics | EmbeddingSentiment:
    """The task as it runs, without a head of its own: folds lend it theirs (`head=`)."""
    if task == "topics":
        return EmbeddingTopics(config.tasks.topics.model_copy(update={"method": "embedding"}), encoder.encode)
    return EmbeddingSentiment(config.tasks.sentiment.model_copy(update={"method": "embedding"}), encoder.encode)


def training_card(
    task: str, config: RunConfig, rows: Rows, data: Labelled, scorer: EmbeddingTopics | EmbeddingSentiment, command: str
) -> dict[str, Any]:
    """The head's card: what it is, what it was fitted on, and every figure, out of fold and
    (several sources) per source, source-held-out and beside the prototypes alone."""
    train = getattr(config.tasks, task).train
    topics = isinstance(scorer, EmbeddingTopics)
    predict = predictor(scorer, data)
    cv, oof, oof_sets = cross_validate(data, train, predict)
    files = rows.described
    card: dict[str, Any] = {
        "task": task,
        "method": "logistic regression over " + " + ".join(_blocks(train)),
        "train": train.model_dump(),
        "encoder": config.encoder.model,
        "data": files,
        "data_files": [f["file"] for f in files],
        "license": "; ".join(sorted({f["license"] for f in files})),
        "trained": date.today().isoformat(),
        "run": describe_run(config, with_heads=False).to_json(),  # the version, encoder and tasks it was fitted and scored with
        "cv": cv,
        "command": command,
    }
    if topics:
        card["cv"]["scored_as"] = (
            f"blended with prototypes (head_weight {config.tasks.topics.head_weight}), threshold {config.tasks.topics.threshold}"
        )
    else:
        card["cv"]["scored_as"] = f"blended with the zero-shot prototypes (head_weight {config.tasks.sentiment.head_weight}" + (
            " × familiarity)" if train.familiarity else ")"
        )
    card["cv_by_file"] = file_figures(data, oof[False], oof_sets if topics else None)
    if len(set(rows.sources)) > 1:
        for key, view in (("cv_by_source", False), ("cv_teasers_by_source", True)):
            if view in oof:
                scored = data.sources if data.fit_only is None else np.where(data.fit_only, "", data.sources)
                card[key] = {
                    str(s): {
                        k: classification_metrics(list(data.labels[scored == s]), list(oof[view][scored == s]))[k] for k in ("macro_f1", "accuracy")
                    }
                    for s in np.unique(scored)
                    if s
                }
        card["source_held_out"] = held_out_sources(data, train, predict)
        zero_shot = np.asarray([labels[0] for labels in predict(None, np.arange(len(data.texts)), False)])
        card["zero_shot_by_source"] = {
            str(s): classification_metrics(list(data.labels[data.sources == s]), list(zero_shot[data.sources == s]))["macro_f1"]
            for s in np.unique(data.sources)
        }
    return card


def _blocks(train: HeadTrainConfig) -> list[str]:
    blocks = (
        ["embedding"] + (["lexicon"] if train.lexicon else []) + (["ngrams"] if train.ngrams else []) + (["character n-grams"] if train.chars else [])
    )
    blocks += ["familiarity gate"] if train.familiarity else []
    blocks += ["the sources' own labels"] if train.data_labels else []
    blocks += ["one-vs-rest label scores"] if train.multi_label else []
    return blocks + ([f"teaser cuts ({train.teaser_chars} characters)"] if train.teaser_chars and train.fit_teasers else [])
