"""`nlp train` end to end on small JSONL files with the tiny model."""

import json
from pathlib import Path

import numpy as np
import yaml
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.config import load_config
from newsnlp.engine.pipeline import Pipeline
from newsnlp.heads.predict import LinearHead
from newsnlp.run_info import RunInfo
from newsnlp.version import VERSION

runner = CliRunner()
ROWS = [
    ("oil prices fell", "energy"),
    ("shares rose on the market", "markets"),
    ("peace talks began", "diplomacy"),
    ("the team won the game", "other"),
] * 5


def write_config(tmp_path, tiny_bert, name, rows, **data):
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "label": y}) for t, y in rows) + "\n")
    cfg = {
        "encoder": {"model": str(tiny_bert), "max_length": 64},
        "batch_size": 8,
        "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
        "data": {"path": str(path), "label_field": "label", "license": "CC0", **data},
    }
    config = tmp_path / f"{name}.yaml"
    config.write_text(yaml.safe_dump(cfg))
    return str(config)


def test_train_topics_on_two_sources_and_use_the_head(tmp_path, tiny_bert):
    a = write_config(tmp_path, tiny_bert, "a", ROWS)
    b = write_config(tmp_path, tiny_bert, "b", [(t.upper(), y) for t, y in ROWS])
    out = tmp_path / "heads" / "topics.npz"
    result = runner.invoke(
        app,
        [
            "train",
            "topics",
            "-c",
            a,
            "-c",
            b,
            "--out",
            str(out),
            "--set",
            "tasks.topics.train.folds=2",
            "--set",
            "tasks.topics.train.data_labels=true",
            "--set",
            "tasks.topics.train.familiarity=true",  # the gate is an option (the packaged heads fit without it)
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2-fold CV: macro-F1" in result.stdout and "held out a" in result.stdout
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["data_files"] == ["a.jsonl", "b.jsonl"] and card["license"] == "CC0"
    about = RunInfo.read(card["run"], "the card")  # the RunInfo run.json holds, embedded as it is
    assert about.encoder == Path(tiny_bert).name and about.version == VERSION and "topics" in about.tasks
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
    assert "logistic regression over embedding;" in result.stdout and out.exists()
    card = json.loads(out.with_suffix(".json").read_text())
    assert "head_weight 0.7" in card["cv"]["scored_as"]  # scored as it runs: blended with the prototypes
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
    cuts = ["--set", "tasks.topics.train.teaser_chars=200", "--set", "tasks.topics.train.anchor_clusters=0"]
    result = runner.invoke(
        app,
        [
            "train",
            "topics",
            "-c",
            a,
            "-c",
            b,
            "--out",
            str(out),
            "--set",
            "tasks.topics.train.folds=2",
            "--set",
            "tasks.topics.train.familiarity=true",
            *cuts,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "on teaser cuts (200 characters): macro-F1" in result.stdout and "its teaser cuts" in result.stdout
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["cv"]["teasers"]["chars"] == 200 and set(card["cv_teasers_by_source"]) == {"a", "b"}
    assert "teaser cuts (200 characters)" in card["method"]
    assert len(LinearHead.load(out).anchors) == 2 * len(ROWS)  # the texts, not their cuts
    scored = tmp_path / "scored.npz"  # cuts scored, not fitted
    result = runner.invoke(
        app,
        [
            "train",
            "topics",
            "-c",
            a,
            "--out",
            str(scored),
            "--set",
            "tasks.topics.train.folds=2",
            "--set",
            "tasks.topics.train.fit_teasers=false",
            *cuts,
        ],
    )
    card = json.loads(scored.with_suffix(".json").read_text())
    assert result.exit_code == 0 and "teasers" in card["cv"] and "teaser cuts" not in card["method"]
    off = tmp_path / "off.npz"
    result = runner.invoke(
        app, ["train", "topics", "-c", a, "--out", str(off), "--set", "tasks.topics.train.folds=2", "--set", "tasks.topics.train.teaser_chars=0"]
    )
    assert result.exit_code == 0 and "teasers" not in json.loads(off.with_suffix(".json").read_text())["cv"]


def test_a_text_that_is_its_own_teaser_is_not_fitted_twice(monkeypatch):
    import numpy as np

    from newsnlp.config import TopicsTrainConfig
    from newsnlp.training import data as train  # Labelled and the fit_head it calls

    texts = [
        "oil prices\nfell sharply",
        "shares rose on the market",
        "Oil Prices. " + "oil prices fell sharply " * 12,
        "Shares. " + "shares rose " * 30,
    ]
    teasers = ["oil prices fell sharply", "shares rose on the market", "oil prices fell " * 14, "shares rose " * 20]
    vectors = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    labels = np.array(["energy", "markets", "energy", "markets"])
    data = train.Labelled(texts, labels, np.array(["a"] * 4), vectors, labels, None, teasers, vectors.copy())
    fitted = []
    monkeypatch.setattr(train, "fit_head", lambda vectors, texts, *args, **kwargs: fitted.append((list(texts), kwargs["originals"])))
    data.fit(np.arange(4), TopicsTrainConfig())
    assert fitted == [(texts + teasers[2:], 4)]  # the two short texts are their own teasers


def test_one_source_over_files_fit_only_rows_weights_and_multi_label(tmp_path, tiny_bert):
    """News as nlp train reads it: train files always in the fit (fit_only), the dev file scored out
    of fold, one source over several files; a second source weighed down; one-vs-rest label
    scores from the `also` gold; a head that stores no text (no vocabulary, centroid anchors)."""

    def write(name, rows):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(json.dumps({"text": t, "topic": y, "also": also}) for t, y, also in rows) + "\n")
        return str(path)

    rows = [
        ("oil prices fell", "energy", ["markets"]),
        ("shares rose on the market", "markets", []),
        ("peace talks began", "diplomacy", []),
        ("the team won the game", "other", []),
    ] * 5
    train_files = [write("train_a", rows), write("train_b", rows)]
    base = {"encoder": {"model": str(tiny_bert), "max_length": 64}, "batch_size": 8, "tasks": {"sentiment": {"method": "embedding"}}}
    configs = []
    for name, data in (
        ("train", {"path": train_files, "fit_only": True}),
        ("dev", {"path": write("dev", rows)}),
        ("other", {"path": write("other_source", rows), "weight": 0.1}),
    ):
        config = tmp_path / f"{name}.yaml"
        data = {"name": "news" if name != "other" else None, "label_field": "topic", "also_field": "also", **data}
        config.write_text(yaml.safe_dump({**base, "data": {k: v for k, v in data.items() if v is not None}}))
        configs += ["-c", str(config)]
    out = tmp_path / "news.npz"
    result = runner.invoke(
        app,
        [
            "train",
            "topics",
            *configs,
            "--out",
            str(out),
            "--set",
            "tasks.topics.train.folds=2",
            "--set",
            "tasks.topics.train.anchor_clusters=3",
            "--set",
            "tasks.topics.train.familiarity=true",
        ],
    )
    assert result.exit_code == 0, result.output
    card = json.loads(out.with_suffix(".json").read_text())
    assert set(card["cv_by_file"]) == {"dev.jsonl", "other_source.jsonl"}  # the fit-only files are never scored
    assert "multi_label" in card["cv_by_file"]["dev.jsonl"] and "lenient" in card["cv_by_file"]["dev.jsonl"]
    assert set(card["source_held_out"]) == {"news", "other_source"}
    assert [(d["file"], d["source"], d["weight"]) for d in card["data"]] == [
        ("train_a.jsonl", "news", 1.0),
        ("train_b.jsonl", "news", 1.0),
        ("dev.jsonl", "news", 1.0),
        ("other_source.jsonl", "other_source", 0.1),
    ]
    assert "out-of-fold on dev.jsonl" in result.stdout
    head = LinearHead.load(out)
    assert head.vocabulary is None and head.char_vocabulary is None and 1 <= len(head.anchors) <= 3  # at most as many centroids as distinct texts
    assert head.multi_labels == ["diplomacy", "energy", "markets", "other"]
    scores = head.label_scores(Pipeline(load_config(configs[1], {})).encoder.encode(["oil prices fell"]), None, ["energy", "markets", "war"])
    assert 0 <= scores[0, 0] <= 1 and 0 <= scores[0, 1] <= 1 and np.isnan(scores[0, 2])


def test_fit_only_rows_are_in_every_fold_and_never_scored():
    import numpy as np

    from newsnlp.config import HeadTrainConfig
    from newsnlp.training.data import Labelled

    labels = np.array(["a", "b"] * 10)
    data = Labelled([str(i) for i in range(20)], labels, np.array(["s"] * 20), np.zeros((20, 2)), labels, fit_only=np.arange(20) < 8)
    folds = list(data.folds(HeadTrainConfig(folds=3)))
    assert len(folds) == 3 and sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(8, 20))
    assert all(set(range(8)) <= set(train.tolist()) and not set(train) & set(test) for train, test in folds)


def test_what_a_fit_cannot_use_is_one_line_and_exit_2(tmp_path, tiny_bert):
    """Step 2 (news-input round): every row fit_only, or one --set data.path over two --configs,
    ended in a scikit-learn traceback (exit 1); so did one row, three rows, one class, an empty file."""
    a = write_config(tmp_path, tiny_bert, "a", ROWS, fit_only=True)
    b = write_config(tmp_path, tiny_bert, "b", ROWS)
    one_class = write_config(tmp_path, tiny_bert, "one", [("oil prices fell", "energy")] * 8)
    three = write_config(tmp_path, tiny_bert, "three", ROWS[:3])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    cases = [
        (["-c", a], "every row is fit_only"),
        (["-c", a, "-c", b, "--set", f"data.path={tmp_path / 'b.jsonl'}"], "is the data of more than one --config"),
        (["-c", one_class], "one label (energy)"),
        (["-c", three], "3 rows to score out of fold"),
        (["-c", b, "--set", f"data.path={empty}"], "has no rows"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["train", "topics", *args, "--out", str(tmp_path / "h.npz")])
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and message in lines[0], (args, result.output)
