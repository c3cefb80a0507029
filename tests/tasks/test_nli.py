"""NLI zero-shot topics on tiny random classifiers: label indices, both modes, abstention."""

from __future__ import annotations

import numpy as np
import pytest

from newsnlp.config import TopicsConfig
from newsnlp.errors import ModelError
from newsnlp.models.runtime import Runtime
from newsnlp.tasks.nli import NLITopics, nli_indices

TEXTS = ["oil prices rose", "the team won the game", "peace talks", "shares fell on the market", "the president said"]


def test_indices_come_from_id2label_not_position():
    assert nli_indices({0: "contradiction", 1: "neutral", 2: "entailment"}) == (2, 0)
    assert nli_indices({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}) == (0, 2)
    assert nli_indices({0: "entailment", 1: "not_entailment"}) == (0, 1)
    with pytest.raises(ModelError, match="needs an NLI model"):
        nli_indices({0: "LABEL_0", 1: "LABEL_1"})


def make(folder, **overrides):
    return NLITopics(TopicsConfig(method="nli", model=str(folder), **overrides), Runtime("cpu", "float32", 3))


def test_single_label_scores_sum_to_one(tiny_nli):
    task = make(tiny_nli)
    probs = task.probabilities(TEXTS)
    assert probs.shape == (len(TEXTS), len(task.labels))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_label_scores_are_each_labels_entailment_against_contradiction(tiny_nli):
    task = make(tiny_nli)
    records = task.classify(TEXTS)
    logits = np.stack(task._logits([(TEXTS[0], h) for h in task.hypotheses]))  # the same pairs, by hand
    expected = np.exp(logits[:, task.entail]) / (np.exp(logits[:, task.entail]) + np.exp(logits[:, task.contradict]))
    independent = [records[0]["label_scores"][label] for label in task.labels if label != "other"]
    np.testing.assert_allclose(independent, [e for label, e in zip(task.labels, expected) if label != "other"], atol=1e-4)
    np.testing.assert_allclose([sum(r["scores"].values()) for r in records], 1.0, atol=1e-3)  # scores: a softmax
    for topic in records:
        assert topic["labels"] and topic["labels"][0] == topic["label"]


def test_hypotheses_use_descriptions_and_the_template(tiny_nli):
    task = make(tiny_nli, hypothesis_template="It is about {}!", labels={"markets": {"description": "money"}, "war": {}}, labels_mode="replace")
    assert task.hypotheses == ["It is about money!", "It is about war!", "It is about other!"]


def test_abstains_like_the_embedding_method(tiny_nli):
    task = make(tiny_nli, threshold=1.0)  # no label reaches 1.0: everything is other
    assert {t["label"] for t in task.classify(TEXTS)} == {"other"}


def test_two_way_nli_model(tmp_path):
    from tests.tiny_models import build_tiny_classifier

    task = make(build_tiny_classifier(tmp_path / "nli2", ["entailment", "not_entailment"]))
    assert (task.entail, task.contradict) == (0, 1)
    assert task.probabilities(TEXTS[:2]).shape == (2, len(task.labels))


def test_batches_are_independent_of_batch_size(tiny_nli):
    a = NLITopics(TopicsConfig(method="nli", model=str(tiny_nli)), Runtime("cpu", "float32", 1)).probabilities(TEXTS)
    b = NLITopics(TopicsConfig(method="nli", model=str(tiny_nli)), Runtime("cpu", "float32", 64)).probabilities(TEXTS)
    np.testing.assert_allclose(a, b, atol=1e-5)
