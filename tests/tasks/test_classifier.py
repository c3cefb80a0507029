"""Classifier sentiment on tiny random classifiers: label mapping for 2, 3 and 5 classes."""

from __future__ import annotations

import numpy as np
import pytest

from newsnlp.config import SentimentConfig
from newsnlp.errors import ModelError
from newsnlp.models.runtime import Runtime
from newsnlp.tasks.classifier import ClassifierSentiment, bucket_matrix, bucket_of
from tests.tiny_models import build_tiny_classifier

TEXTS = ["shares rose", "the bank fell", "the minister said"]


@pytest.mark.parametrize(
    "name, bucket",
    [
        ("NEGATIVE", "negative"),
        ("positive", "positive"),
        ("Neutral", "neutral"),
        ("1 star", "negative"),
        ("2 stars", "negative"),
        ("3 stars", "neutral"),
        ("4 stars", "positive"),
        ("5 stars", "positive"),
        ("LABEL_0", None),
    ],
)
def test_bucket_of_label_names(name, bucket):
    assert bucket_of(name) == bucket


def test_generic_names_need_a_map():
    with pytest.raises(ModelError, match="label_map"):
        bucket_matrix({0: "LABEL_0", 1: "LABEL_1"}, {})
    matrix = bucket_matrix({0: "LABEL_0", 1: "LABEL_1"}, {"LABEL_0": "negative", "LABEL_1": "positive"})
    assert matrix.tolist() == [[1, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize(
    "labels, label_map",
    [
        (["NEGATIVE", "POSITIVE"], {}),  # SST-2
        (["positive", "negative", "neutral"], {}),  # FinBERT's order
        (["1 star", "2 stars", "3 stars", "4 stars", "5 stars"], {}),
        (["LABEL_0", "LABEL_1", "LABEL_2"], {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"}),
    ],
)
def test_any_classifier_gives_three_probabilities_and_a_score(tmp_path, labels, label_map):
    folder = build_tiny_classifier(tmp_path / "clf", labels, seed=len(labels))
    task = ClassifierSentiment(SentimentConfig(method="classifier", model=str(folder), label_map=label_map), Runtime("cpu", "float32", 2))
    probs = task.probabilities(TEXTS)
    assert probs.shape == (3, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    if len(labels) == 2:
        assert (probs[:, 1] == 0).all()  # no neutral class: never neutral
    # the buckets are sums of the model's own softmax
    logits = task._logits(TEXTS)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, softmax @ task.buckets, atol=1e-6)
