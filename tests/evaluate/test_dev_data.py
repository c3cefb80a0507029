"""Quality on the development sets in ../shared/data (skipped where that folder is absent)."""

import json

import pytest

from nlp.config import load_config
from nlp.evaluate.dev import score_summaries, score_topics

from ..conftest import shared_data

AG_NEWS = {"World": "diplomacy", "Business": "markets", "Sports": "other", "Sci/Tech": "other"}


def test_topics_on_an_ag_news_sample(tmp_path):
    rows = shared_data("topics/ag_news_dev.jsonl").read_text().splitlines()[::10]  # 380 rows, all four classes
    sample = tmp_path / "ag.jsonl"
    sample.write_text("\n".join(rows) + "\n")
    m = score_topics(load_config(), sample, ("title", "description"), "label_name", AG_NEWS)
    assert m["n"] == 380 and m["macro_f1"] >= 0.72


@pytest.mark.slow
def test_dev_targets_topics():
    m = score_topics(load_config(), shared_data("topics/ag_news_dev.jsonl"), ("title", "description"), "label_name", AG_NEWS)
    assert m["macro_f1"] >= 0.78


@pytest.mark.slow
@pytest.mark.parametrize("name", ["realsumm_cnndm_test100", "newsroom_60"])
def test_dev_targets_summaries_not_below_lead3(name):
    s = score_summaries(load_config(), shared_data(f"summarization/{name}.jsonl"))
    assert s["ours"]["rouge1"] >= s["lead3"]["rouge1"]


def test_summaries_on_a_cnndm_sample(tmp_path):
    rows = [json.loads(line) for line in shared_data("summarization/realsumm_cnndm_test100.jsonl").read_text().splitlines()[:20]]
    sample = tmp_path / "cnndm.jsonl"
    sample.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    s = score_summaries(load_config(), sample)
    assert s["n"] == 20 and s["ours"]["rouge1"] > 30 and s["lead3"]["rouge1"] > 30
