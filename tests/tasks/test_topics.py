import numpy as np
import pytest

from newsnlp.config import LabelSpec, TopicsConfig
from newsnlp.tasks.topics import EmbeddingTopics

LABELS = ["markets", "diplomacy", "energy", "other"]


def test_seed_teasers_get_sensible_topics(seed_record):
    """The fast preset's head on the seed page (the default's MPNet: tests/test_cli.py)."""
    topics = [t["topic"]["label"] for t in seed_record["teasers"]]
    # 0 tariffs ruling as a test for stocks, 1 oil tankers seized, 2 Greenland plan, 3 UN on Venezuela,
    # 4 Iran threats, 5 gold prices, 6 oil prices, 7 Nikkei index
    # 5: the gold teaser's body is about tariffs and Greenland; the fast head fitted on news and the
    # open web (Step 2) reads it as diplomacy, the default (MPNet) as markets (tests/test_cli.py)
    assert topics[0] == "markets" and topics[5] in ("markets", "diplomacy") and topics[7] == "markets"
    assert topics[2] == "diplomacy" and topics[3] == "diplomacy" and topics[4] == "diplomacy"
    assert topics[6] == "energy" and topics[1] in ("energy", "diplomacy")
    assert seed_record["article"]["topic"]["label"] == "diplomacy"
    for item in [seed_record["article"], *seed_record["teasers"]]:
        topic = item["topic"]
        assert list(topic["scores"]) == LABELS and abs(sum(topic["scores"].values()) - 1) < 1e-3
        assert topic["labels"][0] == topic["label"] and set(topic["label_scores"]) == set(LABELS) - {"other"}


def test_zero_shot_prototypes_on_the_seed_teasers(default_pipeline):
    from newsnlp import iter_documents
    from newsnlp.tasks.topics import EmbeddingTopics as Topics
    from tests.helpers import SEED

    doc = next(iter_documents(SEED))
    zero_shot = Topics(default_pipeline.config.tasks.topics.model_copy(update={"method": "embedding"}), default_pipeline.encoder.encode)
    topics = [t["label"] for t in zero_shot.classify(doc.teasers, default_pipeline.encoder.encode(doc.teasers))]
    assert topics == ["markets", "energy", "diplomacy", "diplomacy", "diplomacy", "markets", "energy", "markets"]


def one_hot_encoder(vocab):
    """Encodes each text as the one-hot of its first word: a stand-in encoder with known geometry."""

    def encode(texts):
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, vocab.index(text.split()[0])] = 1.0
        return out

    return encode


def make(threshold=0.4, other_examples=(), **extra):
    vocab = ["stocks", "war", "oil", "football", "mixed"]
    labels = {
        "markets": LabelSpec(description="stocks"),
        "diplomacy": LabelSpec(description="war"),
        "energy": LabelSpec(description="oil"),
        "other": LabelSpec(examples=list(other_examples)),
    }
    cfg = TopicsConfig(method="embedding", labels=labels, threshold=threshold, temperature=0.1, **extra)
    return EmbeddingTopics(cfg, one_hot_encoder(vocab)), vocab


def test_abstains_to_other_under_the_threshold():
    topics, vocab = make(threshold=0.5)
    vec = np.zeros((2, len(vocab)), dtype=np.float32)
    vec[0, 0] = 1.0  # clearly markets
    vec[1, :3] = 1 / np.sqrt(3)  # equally markets, diplomacy and energy
    out = topics.classify(["t"] * len(vec), vec)
    assert out[0]["label"] == "markets"
    assert out[1]["label"] == "other" and out[1]["scores"]["other"] == 0.0  # other has no prototypes here
    assert list(out[1]["scores"]) == LABELS


def test_other_with_prototypes_can_win():
    topics, vocab = make(other_examples=["football"])
    vec = np.zeros((1, len(vocab)), dtype=np.float32)
    vec[0, 3] = 1.0
    assert topics.classify(["t"] * len(vec), vec)[0]["label"] == "other"


def test_labels_are_every_label_whose_independent_score_applies():
    topics, vocab = make(threshold=0.3, other_examples=["mixed"], label_center=0.5, label_scale=0.05, label_threshold=0.5)
    vec = np.zeros((2, len(vocab)), dtype=np.float32)
    vec[0, :2] = 1 / np.sqrt(2)
    vec[1, 4] = 1.0  # like other's prototype only
    out = topics.classify(["t"] * len(vec), vec)
    assert sorted(out[0]["labels"]) == ["diplomacy", "markets"] and out[0]["labels"][0] == out[0]["label"]
    scores = out[0]["label_scores"]  # independent, not shares: both over 0.5, summing past 1
    assert scores["markets"] > 0.5 and scores["diplomacy"] > 0.5 and scores["energy"] < 0.01 and sum(scores.values()) > 1
    assert out[1]["labels"] == ["other"] and out[1]["label"] == "other"


def test_head_one_vs_rest_scores_blend_with_the_prototypes(tmp_path):
    from newsnlp.heads.predict import LinearHead

    topics, vocab = make(label_center=0.5, label_scale=0.05)
    n = len(vocab)
    head = LinearHead(
        ["markets", "diplomacy", "energy", "other"],
        np.zeros((4, n), dtype=np.float32),
        np.zeros(4, dtype=np.float32),
        multi_labels=["markets", "energy"],
        multi_coef=np.zeros((2, n), dtype=np.float32),
        multi_intercept=np.array([10.0, -10.0], dtype=np.float32),
    )
    head = LinearHead.load(head.save(tmp_path / "h.npz"))
    topics.head, topics.config = head, topics.config.model_copy(update={"head_weight": 0.5})
    vec = np.zeros((1, n), dtype=np.float32)
    vec[0, 2] = 1.0  # energy's prototype: its prototype score is ~1, the head's ~0
    scores = topics.label_scores(["t"], vec)[0]
    assert scores[0] == pytest.approx(0.5 * 1 + 0.5 * 0.0, abs=0.01)  # markets: the head says yes, the prototypes no
    assert scores[2] == pytest.approx(0.5 * 0 + 0.5 * 1.0, abs=0.01)  # energy: the reverse
    assert scores[1] < 0.01  # diplomacy: the head has no score for it; the prototypes alone


def test_other_label_is_added_when_not_configured():
    cfg = TopicsConfig(method="embedding", labels={"markets": LabelSpec(description="stocks")}, labels_mode="replace", threshold=0.0)
    topics = EmbeddingTopics(cfg, one_hot_encoder(["stocks"]))
    assert list(topics.classify(["t"], np.ones((1, 1), dtype=np.float32))[0]["scores"]) == ["markets", "other"]


@pytest.mark.parametrize("smoothing", [0.0, 0.05])
def test_prototype_smoothing_between_max_and_mean(smoothing):
    from newsnlp.tasks.prototypes import PrototypeScorer

    scorer = PrototypeScorer({"a": LabelSpec(description="stocks", examples=["war"])}, one_hot_encoder(["stocks", "war"]), smoothing)
    sim = scorer.similarities(np.array([[1.0, 0.0]], dtype=np.float32))[0, 0]
    assert (sim == pytest.approx(1.0)) if smoothing == 0 else (0.5 < sim < 1.0)
