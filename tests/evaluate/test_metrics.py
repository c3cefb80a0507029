import pytest

from newsnlp.evaluate import classification_metrics, rouge
from newsnlp.evaluate.metrics import (
    expected_calibration_error,
    majority_baseline,
    paired_bootstrap_ci,
    reliability_bins,
)


def test_rouge_takes_the_best_reference():
    single = rouge(["the cat sat on the mat"], ["a dog ran"])["rouge1"][0]
    best = rouge(["the cat sat on the mat"], [["a dog ran", "the cat sat on the mat"]])["rouge1"][0]
    assert single < 20 and best == pytest.approx(100.0)


def test_macro_f1_counts_only_gold_labels():
    gold = ["markets", "markets", "other", "other"]
    pred = ["markets", "energy", "other", "other"]  # energy is absent from gold: an error on markets only
    m = classification_metrics(gold, pred)
    assert set(m["per_class"]) == {"markets", "other"}
    assert m["per_class"]["markets"]["recall"] == 0.5 and m["per_class"]["markets"]["precision"] == 1.0
    assert m["accuracy"] == 0.75
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2, abs=1e-4)  # other: P = R = 1


def test_rouge_lsum_splits_one_line_references_into_sentences():
    one_line = rouge(["Shares rose today. Oil fell sharply."], ["Oil fell sharply . Shares rose today ."])["rougeLsum"][0]
    split = rouge(["Shares rose today.\nOil fell sharply."], ["Oil fell sharply .\nShares rose today ."])["rougeLsum"][0]
    assert one_line == pytest.approx(split) and one_line > 90


def test_majority_baseline_by_hand():
    b = majority_baseline(["a", "a", "a", "b"])
    assert b["label"] == "a" and b["accuracy"] == 0.75
    assert b["macro_f1"] == pytest.approx((2 * 0.75 / 1.75 + 0) / 2, abs=1e-4)  # a: P=.75 R=1; b: 0


def test_ece_and_reliability_by_hand():
    confidence = [0.95, 0.95, 0.55, 0.55]
    correct = [True, False, True, True]
    bins = reliability_bins(confidence, correct)
    assert [(b["count"], b["accuracy"]) for b in bins] == [(2, 1.0), (2, 0.5)]
    # |1.0 - 0.55| * 2/4 + |0.5 - 0.95| * 2/4
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.45)
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0


def test_paired_bootstrap_ci():
    assert paired_bootstrap_ci([2.0] * 30) == [2.0, 2.0]
    lo, hi = paired_bootstrap_ci(list(range(-10, 11)))
    assert lo < 0 < hi and paired_bootstrap_ci(list(range(-10, 11))) == [lo, hi]  # seeded


def test_rouge_known_pair():
    # unigrams: 2 of 3 shared both ways -> P = R = F1 = 2/3; bigrams: 1 of 2 ("the cat")
    scores = rouge(["the cat sat"], ["the cat ran"])
    assert scores["rouge1"][0] == pytest.approx(200 / 3, abs=1e-6)
    assert scores["rouge2"][0] == pytest.approx(50.0)
