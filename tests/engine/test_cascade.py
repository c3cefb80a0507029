"""The cascade's routing on tiny local models: the static tier (a table distilled from the tiny
BERT) decides what it is sure of, the transformer tier (the tiny BERT) the rest, and every
decision says its tier."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from newsnlp import Pipeline, load_config
from newsnlp.config import CascadeConfig
from newsnlp.documents import Document
from newsnlp.engine.cascade import decision_margins, escalated, escalation, margin, tier_config
from newsnlp.errors import ConfigError
from newsnlp.models.distill import distill

TEASERS = [
    "oil prices rose",
    "the team won the game",
    "peace talks said the minister",
    "shares fell on the market",
    "gas prices fell",
    "the president said war",
    "bank shares rose",
]
DOCS = [
    Document.from_parts("a", "Oil prices rose. The minister said peace talks.", TEASERS[:4]),
    Document.from_parts("b", "", TEASERS[4:]),
]


@pytest.fixture(scope="module")
def static_npz(tiny_bert, tmp_path_factory):
    model, _ = distill(tiny_bert, dims=8, source="tiny")
    path = tmp_path_factory.mktemp("static") / "tiny_static.npz"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def tier_yaml(tiny_bert, tmp_path_factory):
    path = tmp_path_factory.mktemp("tier") / "tier.yaml"
    keys = {
        "encoder": {"model": str(tiny_bert), "max_length": 64},
        "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
    }
    path.write_text(yaml.safe_dump(keys), encoding="utf-8")
    return path


def cascade(static_npz, tier_yaml, topic_margin: float, sentiment_margin: float):
    return load_config(
        None,
        {
            "encoder.model": str(static_npz),
            "tasks.topics.method": "embedding",
            "tasks.sentiment.method": "embedding",
            "cascade.enabled": True,
            "cascade.config": str(tier_yaml),
            "cascade.topic_margin": topic_margin,
            "cascade.sentiment_margin": sentiment_margin,
        },
    )


def decisions(records):
    return [(part, key) for r in records for part in [r.get("article") or {}, *r["teasers"]] for key in ("topic", "sentiment") if key in part]


def without_tier(result):
    return {k: v for k, v in result.items() if k != "tier"}


def test_margin_zero_keeps_every_decision_in_the_static_tier(static_npz, tier_yaml):
    config = cascade(static_npz, tier_yaml, 0.0, 0.0)
    records = list(Pipeline(config).load().process(DOCS))
    assert {part[key]["tier"] for part, key in decisions(records)} == {str(static_npz)}
    alone = config.model_copy(update={"cascade": config.cascade.model_copy(update={"enabled": False})})
    static_records = list(Pipeline(alone).load().process(DOCS))
    assert [without_tier(p[k]) for p, k in decisions(records)] == [p[k] for p, k in decisions(static_records)]


def test_margin_one_gives_every_decision_the_transformer_tier_answer(static_npz, tier_yaml, tiny_bert):
    config = cascade(static_npz, tier_yaml, 1.0, 1.0)
    records = list(Pipeline(config).load().process(DOCS))
    assert {part[key]["tier"] for part, key in decisions(records)} == {str(tiny_bert)}
    tier_records = list(Pipeline(tier_config(config)).load().process(DOCS))
    assert [without_tier(p[k]) for p, k in decisions(records)] == [p[k] for p, k in decisions(tier_records)]
    assert records[0]["summary"]["text"]  # the static tier's summary stands


def test_an_unsure_decision_escalates_that_task_alone(static_npz, tier_yaml, tiny_bert):
    probe = list(Pipeline(cascade(static_npz, tier_yaml, 0.0, 0.0)).load().process(DOCS))
    margins = sorted(margin(t["topic"]["scores"]) for r in probe for t in r["teasers"])
    cut = float(np.mean(margins[2:4]))  # some teasers above, some below
    records = list(Pipeline(cascade(static_npz, tier_yaml, cut, 0.0)).load().process(DOCS))
    tier_records = list(Pipeline(tier_config(cascade(static_npz, tier_yaml, cut, 0.0))).load().process(DOCS))
    tiers = []
    for mine, static, theirs in zip(records, probe, tier_records):
        for t, s, o in zip(mine["teasers"], static["teasers"], theirs["teasers"]):
            up = margin(s["topic"]["scores"]) < cut
            tiers.append(up)
            assert t["topic"]["tier"] == (str(tiny_bert) if up else str(static_npz))
            assert without_tier(t["topic"]) == without_tier((o if up else s)["topic"])
            assert t["sentiment"]["tier"] == str(static_npz) and without_tier(t["sentiment"]) == without_tier(s["sentiment"])
    assert any(tiers) and not all(tiers)


def test_a_text_escalated_for_one_task_is_read_for_that_task_alone(static_npz, tier_yaml, tiny_bert):
    teaser = "Oil prices rose on Monday. Shares fell in Tokyo. The minister spoke of peace talks."
    docs = [Document.from_parts("c", "", [teaser])]

    def read_by_the_tier(topic_margin: float, sentiment_margin: float) -> tuple[dict, int]:
        pipeline = Pipeline(cascade(static_npz, tier_yaml, topic_margin, sentiment_margin)).load()
        for tasks in (("topic",), ("sentiment",)):
            _ = pipeline.tier_for(tasks).tasks  # label prototypes encoded before the count
        before = pipeline.tier.texts_encoded
        (record,) = list(pipeline.process(docs))
        return record["teasers"][0], pipeline.tier.texts_encoded - before

    teaser_result, read = read_by_the_tier(1.0, 0.0)
    assert teaser_result["topic"]["tier"] == str(tiny_bert) and teaser_result["sentiment"]["tier"] == str(static_npz)
    assert read == 1  # the teaser, not its three sentences: the topic-only tier has no sentiment task
    assert read_by_the_tier(1.0, 1.0)[1] == 4
    teaser_result, read = read_by_the_tier(0.0, 1.0)
    assert teaser_result["sentiment"]["tier"] == str(tiny_bert) and teaser_result["topic"]["tier"] == str(static_npz)
    assert read == 3  # its sentences, not the whole teaser: the sentiment-only tier reads by sentence


def test_classify_and_sentiment_calls_cascade_too(static_npz, tier_yaml, tiny_bert):
    pipeline = Pipeline(cascade(static_npz, tier_yaml, 1.0, 1.0)).load()
    tier = Pipeline(tier_config(pipeline.config)).load()
    assert [without_tier(r) for r in pipeline.classify(TEASERS)] == tier.classify(TEASERS)
    assert {r["tier"] for r in pipeline.sentiment(TEASERS)} == {str(tiny_bert)}
    kept = Pipeline(cascade(static_npz, tier_yaml, 0.0, 0.0)).load().classify(TEASERS)
    assert {r["tier"] for r in kept} == {str(static_npz)}


def test_a_missing_tier_config_is_one_config_error(static_npz, tmp_path):
    config = load_config(None, {"encoder.model": str(static_npz), "cascade.enabled": True, "cascade.config": str(tmp_path / "none.yaml")})
    with pytest.raises(ConfigError, match="cascade.config: .* does not exist"):
        Pipeline(config).load()


def test_a_cascade_tier_that_is_static_is_refused(static_npz, tmp_path):
    tier = tmp_path / "tier.yaml"
    tier.write_text(yaml.safe_dump({"encoder": {"model": str(static_npz)}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="transformer encoder"):
        tier_config(load_config(None, {"cascade.enabled": True, "cascade.config": str(tier)}))


def test_evaluate_reports_the_share_escalated_and_the_curve(static_npz, tier_yaml, tmp_path):
    import json

    from newsnlp.evaluate.evaluator import evaluate

    rows = tmp_path / "rows.jsonl"
    labels = ["energy", "other", "diplomacy", "markets", "energy", "diplomacy", "markets"]
    rows.write_text("".join(json.dumps({"text": t, "label": g}) + "\n" for t, g in zip(TEASERS, labels)), encoding="utf-8")
    config = cascade(static_npz, tier_yaml, 1.0, 0.0).model_copy(deep=True)
    data = load_config(None, {"data": {"path": str(rows), "text_fields": ["text"], "label_field": "label"}}).data
    config = config.model_copy(update={"data": data})
    figures = evaluate("topics", config).metrics["cascade"]
    curve = {p["factor"]: p for p in figures["escalation_curve"]}
    assert figures["escalated"] == curve[1.0]["escalated"] > 0.5  # the run's own routing is the curve's factor 1
    assert curve[0.0]["escalated"] == 0.0
    assert curve[1.0]["macro_f1"] == evaluate("topics", config).metrics["macro_f1"]


def test_the_rule_escalates_each_task_alone():
    rule = CascadeConfig(topic_margin=0.2, sentiment_margin=0.1)
    topic = decision_margins([{"scores": {"a": 0.5, "b": 0.4}}, {"scores": {"a": 0.9, "b": 0.1}}, {"scores": {"a": 0.9, "b": 0.1}}, None])
    sentiment = decision_margins([{"scores": {"x": 0.9, "y": 0.1}}, {"scores": {"x": 0.5, "y": 0.45}}, {"scores": {"x": 0.9, "y": 0.0}}, None])
    per_task = escalation(topic, sentiment, rule)
    assert set(per_task) == {"topic", "sentiment"}
    assert [list(per_task[key]) for key in ("topic", "sentiment")] == [[True, False, False, False], [False, True, False, False]]
    assert list(escalated(per_task)) == [True, True, False, False]
    assert not escalation(topic, sentiment, rule, factor=0.0)["topic"].any()
    always = escalation(topic, sentiment, CascadeConfig(topic_margin=1.0, sentiment_margin=1.0))
    assert list(always["topic"]) == list(always["sentiment"]) == [True, True, True, False]  # a certain decision too; no decision, never


def test_a_decision_withheld_for_language_is_never_unsure():
    withheld = {"scores": {"a": 0.0, "b": 0.0}, "abstained": {"reason": "language", "lang": "xx"}}
    margins = decision_margins([withheld, {"scores": {"a": 0.0, "b": 0.0}}])
    assert list(escalated(escalation(margins, margins, CascadeConfig(topic_margin=0.5, sentiment_margin=0.5)))) == [False, True]


def test_cascade_quantize_int8_runs_the_tier_encoder_as_onnx_int8(static_npz, tier_yaml):
    config = cascade(static_npz, tier_yaml, 0.1, 0.1)
    assert tier_config(config).encoder.quantize == "none"
    int8 = config.model_copy(update={"cascade": config.cascade.model_copy(update={"quantize": "int8"})})
    assert (tier_config(int8).encoder.backend, tier_config(int8).encoder.quantize) == ("onnx", "int8")


def test_the_tier_reads_a_teaser_as_the_run_says(static_npz, tier_yaml):
    config = cascade(static_npz, tier_yaml, 0.1, 0.1)
    assert tier_config(config).tasks.sentiment.teasers == "sentences"
    whole = config.model_copy(
        update={"tasks": config.tasks.model_copy(update={"sentiment": config.tasks.sentiment.model_copy(update={"teasers": "whole"})})}
    )
    assert tier_config(whole).tasks.sentiment.teasers == "whole"
