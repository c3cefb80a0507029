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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from nlp.config import HeadTrainConfig, RunConfig
from nlp.documents.labelled import labelled_texts
from nlp.documents.text import teaser_cut
from nlp.errors import ConfigError
from nlp.evaluate.metrics import classification_metrics
from nlp.heads.predict import (
    CHAR_FEATURES,
    CHAR_RANGE,
    NGRAM_RANGE,
    LinearHead,
    feature_matrix,
    read_anchors,
    stored_anchors,
)
from nlp.models.encoder import Encoder
from nlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from nlp.tasks.sentiment import EmbeddingSentiment
from nlp.tasks.topics import EmbeddingTopics, topic_labels

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


def ngram_vectorizer(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None, *, chars: bool = False):
    """scikit-learn's TfidfVectorizer as `nlp train` fits it: word 1-2-grams, or (`chars`) the
    30,000 most frequent character 2-5-grams within words; sublinear tf, idf, L2 norm."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    fitted = vocabulary is not None
    if chars:
        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=CHAR_RANGE,
            sublinear_tf=True,
            min_df=1 if fitted else 2,
            max_features=None if fitted else CHAR_FEATURES,
            vocabulary=vocabulary,
        )
    else:
        vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=1 if fitted else 2, vocabulary=vocabulary)
    if idf is not None:
        vectorizer.idf_ = idf
    return vectorizer


def fit_head(
    vectors: np.ndarray,
    texts: Sequence[str],
    labels: Sequence[str],
    train: HeadTrainConfig,
    card: dict[str, Any] | None = None,
    *,
    label_of: dict[str, str] | None = None,
    originals: int | None = None,
    weights: np.ndarray | None = None,
    gold_sets: Sequence[Sequence[str]] | None = None,
) -> LinearHead:
    """Logistic regression (balanced class weights: dev sets are skewed, we report macro-F1).
    `label_of` maps finer training classes to the task labels they count for. With `originals`,
    only the first that many rows are the data's own texts (the rest are cuts of them): the n-gram
    vocabularies and familiarity anchors come from those, so a cut does not count its text's
    n-grams twice against min_df. (Cuts as anchors made text from an unseen source look familiar:
    the source-held-out figures fell.) `weights` weigh rows in the fit; with `gold_sets`, each
    task label also gets a one-vs-rest model (unweighted by class, so its score reads as a
    probability) on whether the label applies."""
    own = slice(0, originals)
    words = ngram_vectorizer().fit(texts[own]) if train.ngrams else None
    chars = ngram_vectorizer(chars=True).fit(texts[own]) if train.chars else None
    x = feature_matrix(vectors, texts, lexicon=train.lexicon, vectorizers=[v for v in (words, chars) if v is not None])
    with threadpool_limits(1):  # measured: 2-thread BLAS fits ran ~100x slower on shared 2-core machines
        model = LogisticRegression(C=train.c, class_weight="balanced", max_iter=3000, random_state=train.seed).fit(
            x, np.asarray(labels), sample_weight=weights
        )
        multi = _one_vs_rest(x, gold_sets, train, weights) if gold_sets is not None else None
    classes = [str(k) for k in model.classes_]
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # sklearn's binary form has one row, for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return LinearHead(
        classes,
        coef.astype(np.float32),
        intercept.astype(np.float32),
        lexicon=train.lexicon,
        vocabulary=list(words.get_feature_names_out()) if words is not None else None,
        idf=words.idf_ if words is not None else None,
        char_vocabulary=list(chars.get_feature_names_out()) if chars is not None else None,
        char_idf=chars.idf_ if chars is not None else None,
        anchors=read_anchors(stored_anchors(_anchors(vectors[own], train))) if train.familiarity else None,  # as they will be read back
        familiarity_ramp=(train.familiarity_low, train.familiarity_high, train.familiarity_k),
        card=dict(card or {}),
        class_labels=[label_of[c] for c in classes] if label_of else None,
        multi_labels=multi[0] if multi else None,
        multi_coef=multi[1] if multi else None,
        multi_intercept=multi[2] if multi else None,
    )


def _anchors(vectors: np.ndarray, train: HeadTrainConfig) -> np.ndarray:
    """What familiarity is measured against: every training embedding, or (`anchor_clusters`)
    k-means centroids of them, which store no single text's embedding."""
    if not train.anchor_clusters:
        return vectors
    from sklearn.cluster import KMeans

    distinct = len(np.unique(np.round(vectors, 5), axis=0))
    with threadpool_limits(1):
        centers = KMeans(min(train.anchor_clusters, distinct), n_init=3, random_state=train.seed).fit(vectors).cluster_centers_
    return centers / np.linalg.norm(centers, axis=1, keepdims=True)


def _one_vs_rest(
    x: Any, gold_sets: Sequence[Sequence[str]], train: HeadTrainConfig, weights: np.ndarray | None
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Per label that some rows have and some lack: a binary logistic regression on whether it applies."""
    labels = sorted({label for row in gold_sets for label in row})
    kept, coefs, intercepts = [], [], []
    for label in labels:
        y = np.array([label in row for row in gold_sets])
        if y.all() or not y.any():
            continue
        model = LogisticRegression(C=train.c, max_iter=3000, random_state=train.seed).fit(x, y, sample_weight=weights)
        kept.append(label)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return (kept, np.asarray(coefs, dtype=np.float32), np.asarray(intercepts, dtype=np.float32)) if kept else None


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
    from nlp.evaluate.evaluator import lenient_metrics
    from nlp.evaluate.metrics import multilabel_metrics

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
    rows: Rows, encoder: Encoder, train: HeadTrainConfig, on_start: Callable[[int], None] | None, on_batch: Callable[[int], None] | None
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
    encoder = Encoder.for_run(config)
    scorer = zero_shot_task(task, config, encoder)
    data = encoded(rows, encoder, train, on_start, on_batch)
    card = training_card(task, config, rows, data, scorer, command)
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
