import json

import numpy as np
import pytest

from newsnlp.config import HeadTrainConfig
from newsnlp.errors import ModelError
from newsnlp.heads.features import LEXICON_FEATURES, direction_features, lexicon_features
from newsnlp.heads.predict import LinearHead, load_head, packaged_head_path
from newsnlp.training.fit import fit_head


@pytest.mark.parametrize("encoder, dim", [("mpnet", 768), ("minilm", 384)])
@pytest.mark.parametrize("task, name, lexicon", [("sentiment", "default", False), ("topics", "default", False), ("sentiment", "finance", True)])
def test_packaged_heads_have_cards(task, name, lexicon, encoder, dim):
    head = load_head(name, task, encoder)
    card = json.loads(packaged_head_path(task, name, encoder).with_suffix(".json").read_text())
    assert card["cv"]["folds"] == 5 and card["data_files"] and card["license"] and card["encoder"] == encoder
    assert head.coef.shape[0] == len(head.classes) and head.dim == dim
    assert head.lexicon is lexicon
    if name == "default":  # fitted on news teasers: no vocabulary, no per-text anchors (their text may not ship)
        assert "teasers_dev.jsonl" in card["data_files"] and head.vocabulary is None and head.char_vocabulary is None
        assert head.anchors is None or len(head.anchors) == card["train"]["anchor_clusters"]


def test_packaged_head_for_another_encoder_is_one_clear_error():
    with pytest.raises(ModelError, match="packaged encoder"):
        load_head("default", "topics", "/some/model/folder")
    with pytest.raises(ModelError, match="no packaged 'finance' topics head"):
        load_head("finance", "topics", "mpnet")


def test_arrays_only_no_pickle(tmp_path):
    head = LinearHead(["a", "b"], np.ones((2, 3)), np.zeros(2), card={"x": 1})
    path = head.save(tmp_path / "h.npz")
    with np.load(path, allow_pickle=False) as arrays:
        assert set(arrays.files) == {"coef", "intercept", "classes", "lexicon"}
    again = LinearHead.load(path)
    assert again.classes == ["a", "b"] and again.card == {"x": 1}
    with pytest.raises(ModelError, match="expects 3-dim"):
        again.predict_proba(np.ones((1, 4)))
    with pytest.raises(ModelError, match="head file not found"):
        LinearHead.load(tmp_path / "missing.npz")


def data(classes, n=90, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(len(classes), 6)) * 3
    y = [classes[i % len(classes)] for i in range(n)]
    x = np.array([centers[classes.index(c)] + rng.normal(size=6) for c in y])
    texts = [f"{c} profit rose" if i % 2 else f"{c} costs rose" for i, c in enumerate(y)]
    return x, texts, y


@pytest.mark.parametrize("classes", [["neg", "pos"], ["negative", "neutral", "positive"]])
def test_fit_predicts_and_round_trips_with_every_feature_block(tmp_path, classes):
    x, texts, y = data(classes)
    head = fit_head(x, texts, y, HeadTrainConfig(lexicon=True, ngrams=True, familiarity=True))
    probs = head.predict_proba(x, texts)
    assert np.mean(np.array(head.classes)[probs.argmax(axis=1)] == np.array(y)) > 0.9
    again = LinearHead.load(head.save(tmp_path / "h.npz"))
    assert np.allclose(again.predict_proba(x, texts), probs, atol=1e-3)  # float16 anchors, float32 weights
    with pytest.raises(ValueError, match="needs the texts"):
        head.predict_proba(x)


def test_familiarity_ramp():
    anchors = np.eye(3, dtype=np.float32)
    head = LinearHead(["a"], np.zeros((1, 3)), np.zeros(1), anchors=anchors, familiarity_ramp=(0.4, 0.6, 1))
    familiar = head.familiarity(np.array([[1.0, 0, 0], [0.5, 0.5, 0.0], [-1.0, 0, 0]], dtype=np.float32))  # nearest cosines 1, 0.5, 0
    assert familiar[0] == 1.0 and familiar[1] == pytest.approx(0.5) and familiar[2] == 0.0


@pytest.mark.parametrize(
    "text, sign",
    [
        ("Net loss narrowed to EUR 2 mn", 1),
        ("Operating profit rose 20 %", 1),
        ("Costs rose sharply", -1),
        ("Sales fell 5 %", -1),
        ("The firm is based in Oslo", 0),
    ],
)
def test_direction_of_change_by_figure_kind(text, sign):
    assert np.sign(direction_features(text)[0]) == sign


def test_lexicon_features_shape():
    f = lexicon_features(["great results", "terrible losses"])
    assert f.shape == (2, len(LEXICON_FEATURES)) and f[0, 3] > 0 > f[1, 3]  # VADER compound
    assert lexicon_features([]).shape == (0, len(LEXICON_FEATURES))


@pytest.mark.parametrize("chars", [False, True])
def test_ngram_tfidf_matches_scikit_learn(chars):
    from newsnlp.heads.predict import NgramTfidf
    from newsnlp.training.fit import ngram_vectorizer

    train = [
        "Shares rose 5% on Wall Street.",
        "Oil prices fell; oil fell again!",
        "Net loss narrowed from a year ago",
        "shares ROSE and rose",
        "Zürich bank's profit rose",
        "the profit fell",
        "a b c d e",
        "I  O\tU\n ok",
    ] * 2
    fitted = ngram_vectorizer(chars=chars).fit(train)
    ours = NgramTfidf(list(fitted.get_feature_names_out()), fitted.idf_, chars=chars)
    texts = [
        "Shares rose, shares rose!",
        "unknown words only",
        "",
        "Oil prices fell on Wall Street; net loss narrowed",
        "ZÜRICH bank's profit",
        "a  b\t\tc \n d",
        "x",
    ]
    np.testing.assert_allclose(ours.transform(texts).toarray(), fitted.transform(texts).toarray(), atol=1e-12)


def test_finer_classes_add_up_to_their_task_labels(tmp_path):
    head = LinearHead(
        ["ag:Sports", "ag:Sci/Tech", "ag:World"], np.array([[1.0, 0], [1.0, 0], [0, 1.0]]), np.zeros(3), class_labels=["other", "other", "diplomacy"]
    )
    head = LinearHead.load(head.save(tmp_path / "h.npz"))
    x = np.array([[3.0, 0.0]])
    raw = head.predict_proba(x)
    probs = head.task_proba(x, None, ["markets", "diplomacy", "other"])
    assert probs[0, 0] == 0 and probs[0, 1] == pytest.approx(raw[0, 2]) and probs[0, 2] == pytest.approx(raw[0, 0] + raw[0, 1])


def test_fit_on_cuts_takes_vocabulary_and_anchors_from_the_original_texts():
    """Cuts of a text repeat its n-grams: counted against min_df, a word seen in one text would
    enter the vocabulary; the familiarity anchors are the original texts alone."""
    x, texts, y = data(["neg", "pos"], n=20)
    texts = [f"{t} case{i}" for i, t in enumerate(texts)]  # 'caseN' appears in one text each
    cuts = [t.rsplit(" ", 1)[0] + " " + t.rsplit(" ", 1)[1] for t in texts]  # a cut repeats the word
    train = HeadTrainConfig(ngrams=True, familiarity=True)
    head = fit_head(np.vstack([x, x]), texts + cuts, y + y, train, originals=len(texts))
    assert not any(term.startswith("case") for term in head.vocabulary) and len(head.anchors) == len(texts)
    doubled = fit_head(np.vstack([x, x]), texts + cuts, y + y, train)
    assert any(term.startswith("case") for term in doubled.vocabulary) and len(doubled.anchors) == 2 * len(texts)


def bad_heads(tmp_path):
    """Damaged or foreign head files, each named by what is wrong with it."""
    good = LinearHead(
        ["a", "b", "c"],
        np.ones((3, 4), dtype=np.float32),
        np.zeros(3, dtype=np.float32),
        anchors=np.eye(4, dtype=np.float32)[:2],
        familiarity_ramp=(0.3, 0.4, 1),
    )
    path = good.save(tmp_path / "good.npz")
    arrays = dict(np.load(path, allow_pickle=False))
    out = {}

    def variant(name, **changes):
        file = tmp_path / f"{name}.npz"
        np.savez(file, **{k: v for k, v in {**arrays, **changes}.items() if v is not None})
        out[name] = file

    variant("four_rows_three_classes", coef=np.ones((4, 4), dtype=np.float16))
    variant("nan_weight", coef=np.full((3, 4), np.nan, dtype=np.float16))
    variant("flat_ramp", familiarity_ramp=np.array([0.4, 0.4, 1], dtype=np.float32))
    variant("no_coef", coef=None)
    variant("short_intercept", intercept=np.zeros(2, dtype=np.float32))
    variant("object_array", classes=np.array([{"x": 1}, 2, 3], dtype=object))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:100])
    out["truncated"] = truncated
    pickled = tmp_path / "pickled.npz"
    import pickle

    pickled.write_bytes(pickle.dumps({"coef": 1}))
    out["pickled"] = pickled
    card = tmp_path / "bad_card.npz"
    card.write_bytes(path.read_bytes())
    card.with_suffix(".json").write_text("{not json")
    out["bad_card"] = card
    return good, out


def test_a_damaged_or_foreign_head_is_one_line_not_nan_or_a_traceback(tmp_path):
    """Step 2: 4 weight rows for 3 classes dropped a class, a NaN weight gave NaN scores, an object
    array, a truncated npz, a pickle renamed .npz and a malformed card gave tracebacks."""
    good, bad = bad_heads(tmp_path)
    assert LinearHead.load(tmp_path / "good.npz").problem() is None
    for name, file in bad.items():
        with pytest.raises(ModelError) as info:
            LinearHead.load(file)
        assert "\n" not in str(info.value) and str(file.with_suffix("")) in str(info.value), name
