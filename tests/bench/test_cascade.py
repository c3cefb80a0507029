"""The cascade bench's pieces that need no model: its texts and its escalation curve."""

from __future__ import annotations

import json

from newsnlp.bench.cascade import agreement_with, curve, escalated_shares, teaser_documents
from newsnlp.config import load_config


def record(topic: str, topic_scores: dict, sentiment: str, sentiment_scores: dict) -> dict:
    return {"teasers": [{"topic": {"label": topic, "scores": topic_scores}, "sentiment": {"label": sentiment, "scores": sentiment_scores}}]}


def test_teaser_documents_are_teasers_no_head_was_fitted_on_one_per_document(tmp_path):
    (tmp_path / "news").mkdir()  # the heads' own teasers: never benched
    (tmp_path / "news" / "a.jsonl").write_text(json.dumps({"text": "fitted teaser"}) + "\n", encoding="utf-8")
    (tmp_path / "topics").mkdir()
    ag = [{"title": f"Title {i}", "description": f"Said {i}."} for i in range(2)]
    (tmp_path / "topics" / "ag_news_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ag), encoding="utf-8")
    (tmp_path / "topics" / "reuters_r8_test.jsonl").write_text(json.dumps({"title": "OIL PRICES RISE "}) + "\n", encoding="utf-8")
    docs, source = teaser_documents(7, tmp_path)
    texts = ["Title 0. Said 0.", "Title 1. Said 1.", "OIL PRICES RISE"]
    assert [d.teasers for d in docs] == [[texts[i % 3]] for i in range(7)] and all(not d.lead for d in docs)
    assert "3 news teasers" in source and "repeated" in source
    generated, source = teaser_documents(5, None)
    assert len(generated) == 5 and "generated" in source


def test_the_curve_mixes_tiers_by_margin_and_predicts_speed():
    config = load_config(None, {"cascade.topic_margin": 0.2, "cascade.sentiment_margin": 0.1})
    sure = record("energy", {"energy": 0.9, "other": 0.1}, "positive", {"negative": 0.1, "neutral": 0.1, "positive": 0.8})
    unsure = record("energy", {"energy": 0.55, "other": 0.45}, "positive", {"negative": 0.1, "neutral": 0.1, "positive": 0.8})
    tier = record("other", {"energy": 0.3, "other": 0.7}, "neutral", {"negative": 0.1, "neutral": 0.8, "positive": 0.1})
    static, transformer = [sure, unsure], [tier, tier]
    points = {p["factor"]: p for p in curve(static, transformer, config, static_s=1.0, tier_rate=1.0, default=[tier, tier])}
    assert points[0.0]["escalated"] == 0.0 and points[0.0]["topic_agreement"] == 0.0 and points[0.0]["predicted_texts_per_s"] == 2.0
    assert points[1.0]["escalated"] == 0.5 and points[1.0]["topic_agreement"] == 0.5
    # unsure of its topic alone: escalated for its topic alone, its sentiment stays the static tier's
    assert points[1.0]["topic_escalated"] == 0.5 and points[1.0]["sentiment_escalated"] == 0.0 and points[1.0]["sentiment_agreement"] == 0.0
    assert points[1.0]["predicted_texts_per_s"] == 1.0  # 1 s static + one text at 1 text/s
    assert points[2.0]["escalated"] == 0.5  # the sure one stays sure (margin 0.8 > 0.4)
    assert agreement_with([tier], [unsure]) == {"topic_agreement": 0.0, "sentiment_agreement": 0.0}


def test_escalated_shares_count_each_task_and_any():
    def teaser(topic_tier: str, sentiment_tier: str) -> dict:
        return {"topic": {"label": "a", "scores": {}, "tier": topic_tier}, "sentiment": {"label": "b", "scores": {}, "tier": sentiment_tier}}

    records = [{"teasers": [teaser("s", "s"), teaser("m", "s")]}, {"teasers": [teaser("s", "m"), teaser("m", "m")]}]
    assert escalated_shares(records, "s") == {"turbo_escalated": 0.75, "turbo_topic_escalated": 0.5, "turbo_sentiment_escalated": 0.5}
