"""Quality on the development sets in ../shared/data (skipped where that folder is absent).
The full figures come from scripts/evaluate_dev.sh; these are quick samples and slow targets."""

import pytest

from nlp.config import load_config
from nlp.evaluate.evaluator import evaluate

from ..conftest import ROOT, shared_data


def eval_config(name: str, *overrides: str):
    return load_config(ROOT / "configs" / f"eval-{name}.yaml", list(overrides))


def test_topics_on_an_ag_news_sample():
    shared_data("topics/ag_news_dev.jsonl")  # zero-shot: the packaged head was trained on this file
    m = evaluate("topics", eval_config("ag-news", "data.limit=400", "tasks.topics.method=embedding")).metrics
    assert m["n"] == 400 and m["macro_f1"] >= 0.70 and m["macro_f1"] > m["baseline"]["macro_f1"]


def test_summaries_on_a_cnndm_sample():
    shared_data("summarization/realsumm_cnndm_test100.jsonl")
    m = evaluate("summarize", eval_config("cnndm", "data.limit=20")).metrics
    assert m["n"] == 20 and m["rouge1"] > 30 and m["baseline"]["rouge1"] > 30


@pytest.mark.slow
def test_dev_target_topics_zero_shot():
    shared_data("topics/ag_news_dev.jsonl")
    assert evaluate("topics", eval_config("ag-news", "tasks.topics.method=embedding")).metrics["macro_f1"] >= 0.78


@pytest.mark.slow
def test_dev_target_topics_head_out_of_fold(tmp_path):
    shared_data("topics")
    from nlp.train import train_head

    head = train_head("topics", [eval_config("ag-news"), eval_config("reuters-r8")], tmp_path / "h.npz")
    by_file = head.card["cv_by_source"]
    assert by_file["ag_news_dev"]["macro_f1"] >= 0.88 and by_file["reuters_r8_test"]["macro_f1"] >= 0.94
    teasers = head.card["cv_teasers_by_source"]  # their bodies cut as a page's teasers
    assert teasers["ag_news_dev"]["macro_f1"] >= 0.85 and teasers["reuters_r8_test"]["macro_f1"] >= 0.92
    held_out = head.card["source_held_out"]  # far better than a head without the gate (0.21 / 0.31)
    assert held_out["ag_news_dev"]["macro_f1"] >= 0.6 and held_out["reuters_r8_test"]["macro_f1"] >= 0.33


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cnndm", "newsroom"])
def test_dev_target_summaries_not_below_lead3(name):
    shared_data("summarization")  # the folder's files are named in each eval config
    m = evaluate("summarize", eval_config(name)).metrics
    assert m["rouge1"] >= m["baseline"]["rouge1"]


@pytest.mark.slow
def test_dev_target_xsum_beats_lead1():
    shared_data("summarization/xsum_dev100.jsonl")
    m = evaluate("summarize", eval_config("xsum")).metrics
    assert m["rouge1"] >= m["baseline"]["rouge1"] + 1.5
