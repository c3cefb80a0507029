import numpy as np

from newsnlp.config import SentimentConfig
from newsnlp.heads.predict import LinearHead
from newsnlp.tasks.sentiment import EmbeddingSentiment, sentiment_record


def test_seed_sentiment_fields(seed_record):
    for item in [seed_record["article"], *seed_record["teasers"]]:
        s = item["sentiment"]
        assert -1 <= s["score"] <= 1
        assert abs(s["score"] - (s["scores"]["positive"] - s["scores"]["negative"])) < 1e-3
        assert s["label"] == max(s["scores"], key=s["scores"].get)


def test_record_from_probabilities():
    r = sentiment_record(np.array([0.7, 0.2, 0.1]))
    assert r == {"label": "negative", "score": -0.6, "scores": {"negative": 0.7, "neutral": 0.2, "positive": 0.1}}


def test_head_classes_reordered_and_article_is_length_weighted(tmp_path):
    # a head whose classes come in another order: x[0] -> positive, x[1] -> negative
    head = LinearHead(classes=["positive", "negative", "neutral"], coef=np.array([[10.0, 0], [0, 10.0], [0, 0]]), intercept=np.zeros(3))
    path = head.save(tmp_path / "h.npz")
    stub_encode = lambda texts: np.tile([0.6, 0.8], (len(texts), 1)).astype(np.float32)  # noqa: E731  (prototypes only)
    task = EmbeddingSentiment(SentimentConfig(method="head", head=str(path)), encode=stub_encode)  # no anchors: the head decides
    probs = task.probabilities(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert probs[0].argmax() == 2 and probs[1].argmax() == 0

    from newsnlp.documents import Document
    from newsnlp.tasks.base import DocView

    doc = Document.from_parts("d", "Good news here and more words for weight. Bad.")
    view = DocView(doc, ["Good news here and more words for weight.", "Bad."], np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), np.zeros((0, 2)))
    record = task([view])[0]
    assert record["article"]["sentiment"]["label"] == "positive"  # the long sentence weighs more
    assert record["teasers"] == []


def test_unfamiliar_text_falls_back_to_the_prototypes():
    # anchors along x[0]: text along x[1] is unfamiliar, so the zero-shot prototypes decide it
    head = LinearHead(
        classes=["negative", "neutral", "positive"],
        coef=np.array([[0, 0], [0, 0], [10.0, 10.0]]),
        intercept=np.zeros(3),
        anchors=np.array([[1.0, 0.0]], dtype=np.float16),
        familiarity_ramp=(0.3, 0.4, 1),
    )
    config = SentimentConfig(method="head")
    encode = lambda texts: np.array([[0.0, 1.0] if "bad" in t or "loss" in t else [0.0, -1.0] for t in texts], dtype=np.float32)  # noqa: E731
    task = EmbeddingSentiment(config, encode=encode, head=head)
    familiar, unfamiliar = task.probabilities(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert familiar.argmax() == 2  # the head: positive
    assert unfamiliar.argmax() == 0  # the prototypes: like the negative examples


def test_a_teaser_of_several_sentences_is_scored_by_sentence():
    from newsnlp.documents import Document
    from newsnlp.tasks.base import DocView
    from newsnlp.tasks.sentiment import sentiment_partials, sentiment_texts

    doc = Document.from_parts("d", "", ["Good. Very bad news here today...", "Fine..."])
    parts = [["Good.", "Very bad news here today..."], ["Fine..."]]
    view = DocView(doc, [], np.zeros((0, 2)), np.zeros(2), np.zeros((2, 2)), parts, np.zeros((3, 2)))
    assert sentiment_texts([view]) == ["Good.", "Very bad news here today...", "Fine..."]
    probs = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    first, second = (t["sentiment"] for t in sentiment_partials([view], probs)[0]["teasers"])
    assert first["scores"] == {"negative": 0.8333, "neutral": 0.0, "positive": 0.1667}  # weighted by words: 1 and 5
    assert second["label"] == "neutral"


def test_teasers_whole_scores_a_teaser_as_one_text_and_splits_none(tiny_bert):
    from newsnlp import Pipeline, load_config
    from newsnlp.documents import Document
    from newsnlp.tasks.sentiment import sentiment_record

    teaser = "Shares fell sharply on Monday. The minister praised the peace deal. Oil was flat."
    doc = Document.from_parts("d", "", [teaser])
    keys = {
        "encoder.model": str(tiny_bert),
        "encoder.max_length": 64,
        "tasks.sentiment.method": "embedding",
        "tasks.topics.enabled": False,
        "tasks.summarize.enabled": False,
    }
    whole = Pipeline(load_config(None, {**keys, "tasks.sentiment.teasers": "whole"})).load()
    assert not whole.tasks.reads("teaser_sentences")
    (record,) = list(whole.process([doc]))
    expected = sentiment_record(whole.sentiment_task.probabilities([teaser], whole.encoder.encode([teaser]))[0])
    assert record["teasers"][0]["sentiment"]["scores"] == expected["scores"]
    by_sentence = Pipeline(load_config(None, keys)).load()
    assert by_sentence.tasks.reads("teaser_sentences")
    (split,) = list(by_sentence.process([doc]))
    assert split["teasers"][0]["sentiment"]["scores"] != expected["scores"]
