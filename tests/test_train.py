"""`nlp train` end to end on small JSONL files with the tiny model."""

import json

import yaml
from typer.testing import CliRunner

from nlp.cli import app
from nlp.config import load_config
from nlp.heads import LinearHead
from nlp.pipeline import Pipeline

runner = CliRunner()
ROWS = [("oil prices fell", "energy"), ("shares rose on the market", "markets"), ("peace talks began", "diplomacy"), ("the team won the game", "other")] * 5


def write_config(tmp_path, tiny_bert, name, rows, **data):
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "label": y}) for t, y in rows) + "\n")
    cfg = {"encoder": {"model": str(tiny_bert), "max_length": 64}, "batch_size": 8, "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
           "data": {"path": str(path), "label_field": "label", "license": "CC0", **data}}
    config = tmp_path / f"{name}.yaml"
    config.write_text(yaml.safe_dump(cfg))
    return str(config)


def test_train_topics_on_two_sources_and_use_the_head(tmp_path, tiny_bert):
    a = write_config(tmp_path, tiny_bert, "a", ROWS)
    b = write_config(tmp_path, tiny_bert, "b", [(t.upper(), y) for t, y in ROWS])
    out = tmp_path / "heads" / "topics.npz"
    result = runner.invoke(app, ["train", "topics", "-c", a, "-c", b, "--out", str(out), "--set", "tasks.topics.train.folds=2"])
    assert result.exit_code == 0, result.output
    assert "2-fold CV: macro-F1" in result.stdout and "held out a" in result.stdout
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["data_files"] == ["a.jsonl", "b.jsonl"] and card["license"] == "CC0"
    assert set(card["source_held_out"]) == {"a", "b"} and "familiarity gate" in card["method"]
    head = LinearHead.load(out)  # fitted on each source's own labels, each counting for its task label
    assert "a:energy" in head.classes and "b:energy" in head.classes and "the sources' own labels" in card["method"]
    assert all(c.split(":")[1] == label for c, label in zip(head.classes, head.task_labels))
    cfg = load_config(a, {"tasks.topics.method": "head", "tasks.topics.head": str(out)})
    topics = Pipeline(cfg).classify(["oil prices fell"])
    assert set(topics[0]["scores"]) == {"markets", "diplomacy", "energy", "other"}


def test_train_sentiment_and_errors(tmp_path, tiny_bert):
    config = write_config(tmp_path, tiny_bert, "s", [("shares rose", "positive"), ("oil fell", "negative"), ("the team", "neutral")] * 6)
    out = tmp_path / "s.npz"
    result = runner.invoke(app, ["train", "sentiment", "-c", config, "--out", str(out), "--set", "tasks.sentiment.train.folds=3"])
    assert result.exit_code == 0, result.output
    assert "embedding + lexicon + ngrams" in result.stdout and out.exists()
    result = runner.invoke(app, ["train", "summarize", "-c", config, "--out", str(out)])
    assert result.exit_code == 2 and "heads can be trained for topics, sentiment" in result.output
    bad = write_config(tmp_path, tiny_bert, "bad", [("x", "POS")] * 4)
    result = runner.invoke(app, ["train", "sentiment", "-c", bad, "--out", str(out)])
    assert result.exit_code == 2 and "is not one of the task's labels" in result.output


def test_topics_head_also_fits_and_scores_teaser_cuts(tmp_path, tiny_bert):
    filler = " The report gave more details later in the day, officials and analysts said." * 4
    a = write_config(tmp_path, tiny_bert, "a", [(t + filler, y) for t, y in ROWS])
    b = write_config(tmp_path, tiny_bert, "b", [(t.upper() + filler, y) for t, y in ROWS])
    out = tmp_path / "topics.npz"
    result = runner.invoke(app, ["train", "topics", "-c", a, "-c", b, "--out", str(out), "--set", "tasks.topics.train.folds=2"])
    assert result.exit_code == 0, result.output
    assert "on teaser cuts (200 characters): macro-F1" in result.stdout and "its teaser cuts" in result.stdout
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["cv"]["teasers"]["chars"] == 200 and set(card["cv_teasers_by_source"]) == {"a", "b"}
    assert "teaser cuts (200 characters)" in card["method"]
    assert len(LinearHead.load(out).anchors) == 2 * len(ROWS)  # the texts, not their cuts
    scored = tmp_path / "scored.npz"  # cuts scored, not fitted
    result = runner.invoke(app, ["train", "topics", "-c", a, "--out", str(scored), "--set", "tasks.topics.train.folds=2", "--set", "tasks.topics.train.fit_teasers=false"])
    card = json.loads(scored.with_suffix(".json").read_text())
    assert result.exit_code == 0 and "teasers" in card["cv"] and "teaser cuts" not in card["method"]
    off = tmp_path / "off.npz"
    result = runner.invoke(app, ["train", "topics", "-c", a, "--out", str(off), "--set", "tasks.topics.train.folds=2", "--set", "tasks.topics.train.teaser_chars=0"])
    assert result.exit_code == 0 and "teasers" not in json.loads(off.with_suffix(".json").read_text())["cv"]


def test_a_text_that_is_its_own_teaser_is_not_fitted_twice(monkeypatch):
    import numpy as np

    import nlp.train as train
    from nlp.config import TopicsTrainConfig

    texts = ["oil prices\nfell sharply", "shares rose on the market", "Oil Prices. " + "oil prices fell sharply " * 12, "Shares. " + "shares rose " * 30]
    teasers = ["oil prices fell sharply", "shares rose on the market", "oil prices fell " * 14, "shares rose " * 20]
    vectors = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    labels = np.array(["energy", "markets", "energy", "markets"])
    data = train.Labelled(texts, labels, np.array(["a"] * 4), vectors, labels, None, teasers, vectors.copy())
    fitted = []
    monkeypatch.setattr(train, "fit_head", lambda vectors, texts, *args, **kwargs: fitted.append((list(texts), kwargs["originals"])))
    data.fit(np.arange(4), TopicsTrainConfig())
    assert fitted == [(texts + teasers[2:], 4)]  # the two short texts are their own teasers
