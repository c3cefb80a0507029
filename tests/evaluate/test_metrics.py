import pytest

from nlp.evaluate import classification_metrics, rouge


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
