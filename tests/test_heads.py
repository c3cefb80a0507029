import json

import numpy as np
import pytest

from nlp.errors import ModelError
from nlp.heads import LinearHead, load_head, packaged_head_path
from nlp.train import cross_validate, fit_linear_head


def test_packaged_head_has_a_card():
    head = load_head("default", "sentiment")
    assert sorted(head.classes) == ["negative", "neutral", "positive"]
    assert head.coef.shape == (3, 384)
    card = json.loads(packaged_head_path("sentiment").with_suffix(".json").read_text())
    assert "CC BY-NC-SA" in card["data_license"] and card["cv"]["folds"] == 5


def test_arrays_only_no_pickle(tmp_path):
    head = LinearHead(["a", "b"], np.ones((2, 3)), np.zeros(2), card={"x": 1})
    path = head.save(tmp_path / "h.npz")
    with np.load(path, allow_pickle=False) as arrays:
        assert set(arrays.files) == {"coef", "intercept", "classes"}
    again = LinearHead.load(path)
    assert again.classes == ["a", "b"] and again.card == {"x": 1}
    with pytest.raises(ModelError, match="expects 3-dim"):
        again.predict_proba(np.ones((1, 4)))
    with pytest.raises(ModelError, match="head file not found"):
        LinearHead.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("classes", [["neg", "pos"], ["negative", "neutral", "positive"]])
def test_fit_matches_sklearn_and_cv(classes):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(len(classes), 6)) * 3
    y = [classes[i % len(classes)] for i in range(90)]
    x = np.array([centers[classes.index(c)] + rng.normal(size=6) for c in y])
    head = fit_linear_head(x, y)
    predicted = [head.classes[i] for i in head.predict_proba(x).argmax(axis=1)]
    assert np.mean(np.array(predicted) == np.array(y)) > 0.9
    cv = cross_validate(x, y)
    assert cv["folds"] == 5 and cv["macro_f1"] > 0.8
