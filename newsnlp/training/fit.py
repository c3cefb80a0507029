"""Fitting a head: logistic regression over embeddings (and n-gram, lexicon features), familiarity
anchors, one-vs-rest label scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from newsnlp.config import HeadTrainConfig
from newsnlp.heads.predict import (
    CHAR_FEATURES,
    CHAR_RANGE,
    NGRAM_RANGE,
    LinearHead,
    feature_matrix,
    read_anchors,
    stored_anchors,
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
