"""Labelled rows for training: read from the configs' data files, checked, encoded (`Labelled`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from newsnlp.config import HeadTrainConfig, RunConfig
from newsnlp.documents.labelled import labelled_texts
from newsnlp.documents.text import teaser_cut
from newsnlp.errors import ConfigError
from newsnlp.heads.predict import (
    LinearHead,
)
from newsnlp.models.encoder import Encoder
from newsnlp.training.fit import fit_head

TRAINABLE = ("topics", "sentiment")


@dataclass
class Labelled:
    texts: list[str]
    labels: np.ndarray  # gold task labels
    sources: np.ndarray
    vectors: np.ndarray
    targets: np.ndarray  # what the head fits: the task labels, or the sources' own (data_labels)
    label_of: dict[str, str] | None = None  # target -> task label, with data_labels
    teasers: list[str] | None = None  # each text's body cut as a page's teaser (train.teaser_chars)
    teaser_vectors: np.ndarray | None = None
    weights: np.ndarray | None = None  # each row's weight in the fit (data.weight)
    files: np.ndarray | None = None  # each row's file (figures per file of a source)
    gold_sets: list[list[str]] | None = None  # each row's label and data.also_field labels
    fit_only: np.ndarray | None = None  # rows in every fold's fit, never scored out of fold (data.fit_only)

    def folds(self, train: HeadTrainConfig) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stratified k-fold (train rows, test rows) over the scored rows; fit-only rows join every fold's fit."""
        always = np.flatnonzero(self.fit_only) if self.fit_only is not None else np.zeros(0, dtype=int)
        scored = np.flatnonzero(~self.fit_only) if self.fit_only is not None else np.arange(len(self.labels))
        splitter = StratifiedKFold(n_splits=train.folds, shuffle=True, random_state=train.seed)
        for train_idx, test_idx in splitter.split(self.vectors[scored], self.targets[scored]):
            yield np.concatenate([always, scored[train_idx]]), scored[test_idx]

    @property
    def views(self) -> list[bool]:
        """What is scored: the whole texts (False) and, when there are cuts, the cuts (True)."""
        return [False] + ([True] if self.teasers is not None else [])

    def view(self, teasers: bool) -> tuple[np.ndarray, list[str]]:
        """The embeddings and texts that are scored: the whole texts, or their teaser cuts."""
        if teasers:
            assert self.teasers is not None and self.teaser_vectors is not None
            return self.teaser_vectors, self.teasers
        return self.vectors, self.texts

    def fit(self, idx: np.ndarray, train: HeadTrainConfig, card: dict[str, Any] | None = None) -> LinearHead:
        rows = idx
        vectors, texts = self.vectors[idx], [self.texts[i] for i in idx]
        if self.teasers is not None and self.teaser_vectors is not None and train.fit_teasers:
            cut = np.asarray([i for i in idx if self.teasers[i] != " ".join(self.texts[i].split())], dtype=int)  # a short text is its own teaser
            rows = np.concatenate([idx, cut])
            vectors, texts = np.vstack([vectors, self.teaser_vectors[cut]]), texts + [self.teasers[i] for i in cut]
        return fit_head(
            vectors,
            texts,
            self.targets[rows],
            train,
            card,
            label_of=self.label_of,
            originals=len(idx),
            weights=self.weights[rows] if self.weights is not None else None,
            gold_sets=[self.gold_sets[i] for i in rows] if self.gold_sets is not None and train.multi_label else None,
        )


@dataclass
class Rows:
    """Labelled rows read from every config's files, before encoding."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # with data_labels: "source:label"
    label_of: dict[str, str] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    fit_only: list[bool] = field(default_factory=list)
    gold_sets: list[list[str]] = field(default_factory=list)
    described: list[dict[str, Any]] = field(default_factory=list)  # per file: name, source, rows, weight, license (the card's `data`)


def read_rows(configs: Sequence[RunConfig], task_labels: Sequence[str], data_labels: bool) -> Rows:
    """Every config's data files, in order; each config's source counts as one source, whatever
    its number of files (news: three files, one source)."""
    rows = Rows()
    for cfg in configs:
        if cfg.data is None:
            raise ConfigError("a config for nlp train needs a 'data:' section, e.g. configs/eval-fpb.yaml")
        source = cfg.data.source
        for file in cfg.data.files:
            read = labelled_texts(cfg.data.model_copy(update={"path": file}), task_labels)
            n = len(read.texts)
            rows.texts += read.texts
            rows.bodies += read.bodies
            rows.labels += read.gold
            rows.gold_sets += read.gold_sets
            rows.sources += [source] * n
            rows.files += [file.name] * n
            rows.weights += [cfg.data.weight] * n
            rows.fit_only += [cfg.data.fit_only] * n
            if data_labels:  # "source:label" keeps two sources' same-named labels apart
                for own, label in zip(read.raw, read.gold):
                    rows.targets.append(f"{source}:{own}")
                    rows.label_of[rows.targets[-1]] = label
            rows.described.append(
                {"file": file.name, "source": source, "rows": n, "weight": cfg.data.weight, "license": cfg.data.license or "unknown"}
            )
    if not data_labels:
        rows.targets = list(rows.labels)
    return rows


def check_rows(rows: Rows, configs: Sequence[RunConfig], folds: int) -> None:
    """What a fit cannot use, said in one line before any model runs (scikit-learn's own
    messages, "Found array with 0 sample(s)", name no cause)."""
    files = [str(f) for cfg in configs if cfg.data for f in cfg.data.files]
    twice = sorted({f for f in files if files.count(f) > 1})
    if twice:
        raise ConfigError(
            f"nlp train: {twice[0]} is the data of more than one --config (a --set data.path applies to every --config); "
            "set each source's path in its own config file"
        )
    if all(rows.fit_only):
        raise ConfigError(
            "nlp train: every row is fit_only (data.fit_only in every --config), so none can be scored out of fold; add a config without fit_only"
        )
    scored = [label for label, only in zip(rows.labels, rows.fit_only) if not only]
    if len(set(rows.labels)) < 2:
        raise ConfigError(
            f"nlp train: the data has one label ({rows.labels[0] if rows.labels else 'none'}); a head needs rows of at least two labels"
        )
    if len(scored) < folds:
        raise ConfigError(f"nlp train: {len(scored)} rows to score out of fold; {folds}-fold cross-validation needs at least {folds} (train.folds)")


def encoded(
    rows: Rows,
    encoder: Encoder,
    train: HeadTrainConfig,
    on_start: Callable[[int], None] | None,
    on_batch: Callable[[int], None] | None,
) -> Labelled:
    """The rows with their embeddings, and (`teaser_chars`) their bodies' teaser cuts with theirs."""
    teasers = [teaser_cut(body, train.teaser_chars) for body in rows.bodies] if train.teaser_chars else None
    if on_start:
        on_start(len(rows.texts) + len(teasers or []))
    return Labelled(
        rows.texts,
        np.asarray(rows.labels),
        np.asarray(rows.sources),
        encoder.encode(rows.texts, on_batch),
        np.asarray(rows.targets),
        rows.label_of or None,
        teasers,
        encoder.encode(teasers, on_batch) if teasers else None,
        weights=np.asarray(rows.weights) if len(set(rows.weights)) > 1 else None,
        files=np.asarray(rows.files),
        gold_sets=rows.gold_sets,
        fit_only=np.asarray(rows.fit_only) if any(rows.fit_only) else None,
    )
