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

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

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
    LinearHead,
    feature_matrix,
    ngram_vectorizer,
    read_anchors,
    stored_anchors,
)
from nlp.models.encoder import Encoder
from nlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from nlp.tasks.sentiment import EmbeddingSentiment
from nlp.tasks.topics import EmbeddingTopics

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
        return fit_head(vectors, texts, self.targets[rows], train, card, label_of=self.label_of, originals=len(idx),
                        weights=self.weights[rows] if self.weights is not None else None,
                        gold_sets=[self.gold_sets[i] for i in rows] if self.gold_sets is not None and train.multi_label else None)


def fit_head(vectors: np.ndarray, texts: Sequence[str], labels: Sequence[str], train: HeadTrainConfig, card: dict[str, Any] | None = None,
             *, label_of: dict[str, str] | None = None, originals: int | None = None, weights: np.ndarray | None = None,
             gold_sets: Sequence[Sequence[str]] | None = None) -> LinearHead:
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
        model = LogisticRegression(C=train.c, class_weight="balanced", max_iter=3000, random_state=train.seed).fit(x, np.asarray(labels), sample_weight=weights)
        multi = _one_vs_rest(x, gold_sets, train, weights) if gold_sets is not None else None
    classes = [str(k) for k in model.classes_]
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # sklearn's binary form has one row, for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return LinearHead(classes, coef.astype(np.float32), intercept.astype(np.float32), lexicon=train.lexicon,
                      vocabulary=list(words.get_feature_names_out()) if words is not None else None, idf=words.idf_ if words is not None else None,
                      char_vocabulary=list(chars.get_feature_names_out()) if chars is not None else None, char_idf=chars.idf_ if chars is not None else None,
                      anchors=read_anchors(stored_anchors(_anchors(vectors[own], train))) if train.familiarity else None,  # as they will be read back
                      familiarity_ramp=(train.familiarity_low, train.familiarity_high, train.familiarity_k), card=dict(card or {}),
                      class_labels=[label_of[c] for c in classes] if label_of else None,
                      multi_labels=multi[0] if multi else None, multi_coef=multi[1] if multi else None, multi_intercept=multi[2] if multi else None)


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


def _one_vs_rest(x: Any, gold_sets: Sequence[Sequence[str]], train: HeadTrainConfig, weights: np.ndarray | None) -> tuple[list[str], np.ndarray, np.ndarray] | None:
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


Predict = Callable[[LinearHead, np.ndarray, bool], list[list[str]]]  # (head, row indices, teaser cuts?) -> each row's labels, the decided one first


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
    return {"macro_f1": round(float(np.mean(f1s)), 4), "macro_f1_std": round(float(np.std(f1s)), 4),
            "accuracy": round(float(np.mean([m["accuracy"] for m in folds])), 4)}


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


def train_head(task: str, configs: Sequence[RunConfig], out: str | Path, *, on_start: Callable[[int], None] | None = None,
               on_batch: Callable[[int], None] | None = None, command: str = "") -> LinearHead:
    """Fit a `task` head on the data of `configs` (the first config's task settings rule), write it
    to `out` (.npz plus a .json card) and return it; its card holds the CV figures."""
    if task not in TRAINABLE:
        raise ConfigError(f"task '{task}': heads can be trained for {', '.join(TRAINABLE)}")
    config = configs[0]
    settings = getattr(config.tasks, task)
    encoder = Encoder.for_run(config)
    topics = EmbeddingTopics(config.tasks.topics.model_copy(update={"method": "embedding"}), encoder.encode) if task == "topics" else None
    sentiment = EmbeddingSentiment(config.tasks.sentiment.model_copy(update={"method": "embedding"}), encoder.encode) if task == "sentiment" else None
    task_labels = topics.labels if topics else list(SENTIMENT_LABELS)
    texts: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    targets: list[str] = []
    label_of: dict[str, str] = {}
    bodies: list[str] = []
    weights: list[float] = []
    row_files: list[str] = []
    fit_only: list[bool] = []
    gold_sets: list[list[str]] = []
    files = []
    for cfg in configs:
        if cfg.data is None:
            raise ConfigError("a config for nlp train needs a 'data:' section, e.g. configs/eval-fpb.yaml")
        source = cfg.data.source
        for file in cfg.data.files:
            data = cfg.data.model_copy(update={"path": file})
            file_texts, file_labels, raw, file_bodies, file_sets = labelled_texts(data, task_labels, with_raw=True, with_also=True)
            texts += file_texts
            bodies += file_bodies
            labels += file_labels
            gold_sets += file_sets
            sources += [source] * len(file_texts)
            row_files += [file.name] * len(file_texts)
            weights += [cfg.data.weight] * len(file_texts)
            fit_only += [cfg.data.fit_only] * len(file_texts)
            if settings.train.data_labels:  # "source:label" keeps two sources' same-named labels apart
                for own, label in zip(raw, file_labels):
                    targets.append(f"{source}:{own}")
                    label_of[targets[-1]] = label
            files.append({"file": file.name, "source": source, "rows": len(file_texts), "weight": cfg.data.weight, "license": cfg.data.license or "unknown"})
    teasers = [teaser_cut(body, settings.train.teaser_chars) for body in bodies] if settings.train.teaser_chars else None
    if on_start:
        on_start(len(texts) + len(teasers or []))
    data = Labelled(texts, np.asarray(labels), np.asarray(sources), encoder.encode(texts, on_batch),
                    np.asarray(targets if settings.train.data_labels else labels), label_of or None,
                    teasers, encoder.encode(teasers, on_batch) if teasers else None,
                    weights=np.asarray(weights) if len(set(weights)) > 1 else None, files=np.asarray(row_files), gold_sets=gold_sets,
                    fit_only=np.asarray(fit_only) if any(fit_only) else None)
    predict = _predictor(topics, sentiment, data)

    cv, oof, oof_sets = cross_validate(data, settings.train, predict)
    card: dict[str, Any] = {
        "task": task, "method": "logistic regression over " + " + ".join(_blocks(settings.train)),
        "train": settings.train.model_dump(), "encoder": config.encoder.model, "data": files,
        "data_files": [f["file"] for f in files], "license": "; ".join(sorted({f["license"] for f in files})),
        "trained": date.today().isoformat(), "cv": cv, "command": command,
    }
    if topics:
        card["cv"]["scored_as"] = f"blended with prototypes (head_weight {config.tasks.topics.head_weight}), threshold {config.tasks.topics.threshold}"
    else:
        card["cv"]["scored_as"] = f"blended with the zero-shot prototypes (head_weight {config.tasks.sentiment.head_weight}" + (" × familiarity)" if settings.train.familiarity else ")")
    card["cv_by_file"] = file_figures(data, oof[False], oof_sets if topics else None)
    if len(set(sources)) > 1:
        for key, view in (("cv_by_source", False), ("cv_teasers_by_source", True)):
            if view in oof:
                scored = data.sources if data.fit_only is None else np.where(data.fit_only, "", data.sources)
                card[key] = {str(s): {k: classification_metrics(list(data.labels[scored == s]), list(oof[view][scored == s]))[k] for k in ("macro_f1", "accuracy")}
                             for s in np.unique(scored) if s}
        card["source_held_out"] = held_out_sources(data, settings.train, predict)
        zero_shot = _zero_shot(topics, sentiment, data.vectors)
        card["zero_shot_by_source"] = {str(s): classification_metrics(list(data.labels[data.sources == s]), list(zero_shot[data.sources == s]))["macro_f1"]
                                       for s in np.unique(data.sources)}
    head = data.fit(np.arange(len(texts)), settings.train, card)
    head.save(out)
    return head


def _zero_shot(topics: EmbeddingTopics | None, sentiment: EmbeddingSentiment | None, vectors: np.ndarray) -> np.ndarray:
    """The prototypes' labels alone, as the embedding method decides them."""
    if sentiment is not None:
        return np.asarray([SENTIMENT_LABELS[i] for i in sentiment.scorer.probabilities(vectors, sentiment.config.temperature).argmax(axis=1)])
    assert topics is not None
    probs = topics.combine(topics.scorer.similarities(vectors), None, topics.config.temperature)
    return np.asarray([topics.labels[i] for i in topics.decide(probs, topics.config.threshold)])


def _blocks(train: HeadTrainConfig) -> list[str]:
    blocks = ["embedding"] + (["lexicon"] if train.lexicon else []) + (["ngrams"] if train.ngrams else []) + (["character n-grams"] if train.chars else [])
    blocks += ["familiarity gate"] if train.familiarity else []
    blocks += ["the sources' own labels"] if train.data_labels else []
    blocks += ["one-vs-rest label scores"] if train.multi_label else []
    return blocks + ([f"teaser cuts ({train.teaser_chars} characters)"] if train.teaser_chars and train.fit_teasers else [])


def _predictor(topics: EmbeddingTopics | None, sentiment: EmbeddingSentiment | None, data: Labelled) -> Predict:
    """Predictions as the task runs them with a given head (prototypes scored once for all folds)."""
    if sentiment is not None:
        zero_shot = {view: sentiment.scorer.probabilities(data.view(view)[0], sentiment.config.temperature) for view in data.views}

        def predict_sentiment(head: LinearHead, idx: np.ndarray, teasers: bool) -> list[list[str]]:
            vectors, texts = data.view(teasers)
            probs = sentiment.with_head(head, vectors[idx], [texts[i] for i in idx], zero_shot[teasers][idx])
            return [[SENTIMENT_LABELS[i]] for i in probs.argmax(axis=1)]
        return predict_sentiment
    assert topics is not None

    def predict_topics(head: LinearHead, idx: np.ndarray, teasers: bool) -> list[list[str]]:
        vectors, texts = data.view(teasers)
        topics.head = head
        return [record["labels"] for record in topics.classify([texts[i] for i in idx], vectors[idx])]
    return predict_topics
