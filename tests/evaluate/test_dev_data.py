"""Quality on the development sets in ../shared/data (skipped where that folder is absent).
The full figures come from scripts/evaluate_dev.sh; the quick tests run the fast preset (MiniLM),
the slow ones (-m slow) check the default's (MPNet) targets."""

import pytest

from newsnlp.config import load_config
from newsnlp.evaluate.evaluator import evaluate
from tests.helpers import ROOT, shared_data

FAST = ["encoder.model=minilm", "tasks.topics.label_center=0.225", "tasks.topics.label_scale=0.032"]


def eval_config(name: str, *overrides: str):
    return load_config(ROOT / "configs" / f"{name}.yaml" if name.startswith("train-") else ROOT / "configs" / f"eval-{name}.yaml", list(overrides))


def test_topics_zero_shot_on_an_ag_news_sample():
    shared_data("topics/ag_news_dev.jsonl")
    m = evaluate("topics", eval_config("ag-news", "data.limit=400", "tasks.topics.method=embedding", *FAST)).metrics
    assert m["n"] == 400 and m["macro_f1"] >= 0.70 and m["macro_f1"] > m["baseline"]["macro_f1"]
    assert m["lenient"]["macro_f1"] >= m["macro_f1"]  # AG's World and Business also hold other and energy news


def test_summaries_on_a_cnndm_sample():
    shared_data("summarization/realsumm_cnndm_test100.jsonl")
    m = evaluate("summarize", eval_config("cnndm", "data.limit=20", *FAST)).metrics
    assert m["n"] == 20 and m["rouge1"] > 30 and m["baseline"]["rouge1"] > 30


def news_heads(task: str, tmp_path, *overrides: str):
    shared_data("news/teasers_dev.jsonl")
    from newsnlp.training import train_head

    configs = [eval_config(f"train-news-{task}", *overrides), eval_config(f"train-news-dev-{task}", *overrides)]
    if task == "sentiment":
        configs.append(eval_config("train-fpb-weighted", *overrides))
    return train_head(task, configs, tmp_path / "h.npz").card


def test_fast_preset_topics_head_on_news_dev_out_of_fold(tmp_path):
    """The fast preset's recipe, fitted as scripts/train_default_heads.sh fits it."""
    card = news_heads("topics", tmp_path, *FAST, "tasks.topics.train.familiarity_low=0.21", "tasks.topics.train.familiarity_high=0.36")
    dev = card["cv_by_file"]["teasers_dev.jsonl"]
    assert dev["macro_f1"] >= 0.92 and dev["per_class"]["energy"]["recall"] >= 0.92 and dev["multi_label"]["sample_f1"] >= 0.9


@pytest.mark.slow
def test_dev_target_topics_head_out_of_fold(tmp_path):
    dev = news_heads("topics", tmp_path)["cv_by_file"]["teasers_dev.jsonl"]
    assert dev["macro_f1"] >= 0.95 and dev["per_class"]["energy"]["recall"] >= 0.92


@pytest.mark.slow
def test_dev_target_sentiment_head_out_of_fold_and_out_of_source(tmp_path):
    card = news_heads("sentiment", tmp_path)
    assert card["cv_by_file"]["teasers_dev.jsonl"]["accuracy"] >= 0.78
    held, zero = card["source_held_out"]["fpb_majority_only"], card["zero_shot_by_source"]["fpb_majority_only"]
    assert held["macro_f1"] >= zero  # fitted on news alone, not below the prototypes on Financial PhraseBank


@pytest.mark.slow
def test_dev_target_finance_head_on_fpb(tmp_path):
    shared_data("sentiment/fpb_majority_only.jsonl")
    from newsnlp.training import train_head

    config = eval_config("fpb", "tasks.sentiment.head_weight=1.0", "tasks.sentiment.train.lexicon=true", "tasks.sentiment.train.ngrams=true")
    assert train_head("sentiment", [config], tmp_path / "f.npz").card["cv"]["macro_f1"] >= 0.70


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cnndm", "newsroom", "xsum"])
def test_dev_summaries_never_lose_to_the_lead_with_confidence(name):
    shared_data("summarization")  # the folder's files are named in each eval config
    m = evaluate("summarize", eval_config(name)).metrics
    assert m["delta_rouge1_ci95"][1] >= 0 and m["rouge1"] >= m["baseline"]["rouge1"] - 0.3
