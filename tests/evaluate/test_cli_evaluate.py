"""`nlp evaluate` and `nlp calibrate` end to end on small JSONL files with the tiny model."""

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import ROOT

runner = CliRunner()
TOPIC_ROWS = [
    ("oil prices fell", "energy"),
    ("shares rose on the market", "markets"),
    ("peace talks began", "diplomacy"),
    ("the team won the game", "other"),
] * 5


@pytest.fixture()
def eval_config(tmp_path, tiny_bert):
    def make(data: dict, **tasks) -> str:
        cfg = {
            "encoder": {"model": str(tiny_bert), "max_length": 64},
            "batch_size": 4,
            "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}, **tasks},
            "data": data,
        }
        path = tmp_path / "eval.yaml"
        path.write_text(yaml.safe_dump(cfg))
        return str(path)

    return make


def jsonl(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


def test_topics_json_and_report(tmp_path, eval_config):
    data = jsonl(tmp_path, "t.jsonl", [{"title": t, "body": "news", "y": y.upper()} for t, y in TOPIC_ROWS])
    config = eval_config(
        {
            "path": data,
            "text_fields": ["title", "body"],
            "label_field": "y",
            "label_map": {"ENERGY": "energy", "MARKETS": "markets", "DIPLOMACY": "diplomacy", "OTHER": "other"},
        }
    )
    result = runner.invoke(app, ["evaluate", "topics", "--config", config, "--json", "--report", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)  # stdout holds the JSON object and nothing else
    assert metrics["n"] == 20 and set(metrics["per_class"]) == {"energy", "markets", "diplomacy", "other"}
    assert metrics["baseline"]["name"] == "majority" and 0 <= metrics["macro_f1"] <= 1
    files = {p.name for p in (tmp_path / "rep").iterdir()}
    assert files == {
        "metrics.json",
        "report.md",
        "report.html",
        "confusion.png",
        "confusion.svg",
        "reliability.png",
        "reliability.svg",
        "predictions.jsonl",
    }
    predictions = [json.loads(line) for line in (tmp_path / "rep" / "predictions.jsonl").read_text().splitlines()]
    correct = [p["gold"] == p["predicted"] for p in predictions]
    assert correct == sorted(correct)  # every wrong prediction first
    assert "| ours |" in (tmp_path / "rep" / "report.md").read_text()
    page = (tmp_path / "rep" / "report.html").read_text()
    assert page.count("<svg") == 2 and "Worst predictions" in page and "<td>ours</td>" in page  # plots inline, nothing fetched
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)


def test_set_overrides_data_path_and_threshold(tmp_path, eval_config):
    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": str(tmp_path / "missing.jsonl"), "label_field": "label"})
    result = runner.invoke(app, ["evaluate", "topics", "-c", config, "--set", f"data.path={data}", "--set", "tasks.topics.threshold=1.0", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["per_class"]["other"]["recall"] == 1.0  # threshold 1: everything abstains


def test_sentiment_and_summaries(tmp_path, eval_config):
    data = jsonl(tmp_path, "s.jsonl", [{"sentence": "shares rose", "label": "pos"}, {"sentence": "oil prices fell", "label": "neg"}] * 4)
    config = eval_config({"path": data, "text_fields": ["sentence"], "label_field": "label", "label_map": {"pos": "positive", "neg": "negative"}})
    result = runner.invoke(app, ["evaluate", "sentiment", "-c", config, "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["per_class"]) == {"positive", "negative"}

    article = "The bank said shares rose. Oil prices fell on the market. Peace talks began. The team won the game."
    data = jsonl(
        tmp_path,
        "sum.jsonl",
        [
            {"id": "a", "article": article, "highlights": "Shares rose. Oil fell."},
            {"id": "b", "article": article, "references": ["Peace talks began.", "Shares rose."]},
        ],
    )
    config = eval_config(
        {"path": data, "text_fields": ["article"], "reference_fields": ["references", "highlights"], "id_field": "id"}, summarize={"sentences": 2}
    )
    result = runner.invoke(app, ["evaluate", "summarize", "-c", config, "--json", "--report", str(tmp_path / "srep")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 2 and metrics["baseline"]["name"] == "lead-2"
    assert {"rouge1", "rouge2", "rougeL", "rougeLsum"} <= set(metrics) and len(metrics["delta_rouge1_ci95"]) == 2
    assert (tmp_path / "srep" / "predictions.jsonl").read_text().count("\n") == 2


def test_calibrate_prints_sets(tmp_path, eval_config):
    """Writing is tested below on a calibration whose held-out figures are set (the tiny random
    model's calibration is noise, refused or not by chance)."""
    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": data, "label_field": "label"})
    result = runner.invoke(app, ["calibrate", "topics", "-c", config])
    assert result.exit_code == 0, result.output
    assert "--set tasks.topics.threshold=" in result.stdout and "--set tasks.topics.temperature=" in result.stdout
    result = runner.invoke(app, ["calibrate", "topics", "-c", config, "--json"])
    payload = json.loads(result.stdout)
    assert payload["after"]["macro_f1"] >= payload["before"]["macro_f1"]


def test_evaluate_and_calibrate_nli_topics(tmp_path, eval_config, tiny_nli):
    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": data, "label_field": "label"}, topics={"method": "nli", "model": str(tiny_nli)})
    result = runner.invoke(app, ["evaluate", "topics", "-c", config, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 20
    result = runner.invoke(app, ["calibrate", "topics", "-c", config, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["after"]["temperature"] == payload["before"]["temperature"]  # nli: the threshold alone is tuned
    assert payload["after"]["macro_f1"] >= payload["before"]["macro_f1"]


@pytest.mark.parametrize(
    "task, data, message",
    [
        ("topics", {"text_fields": ["title"], "label_field": "label"}, "field 'title' is not in"),
        ("topics", {"label_field": "label", "label_map": {"energy": "energy"}}, "no entry for label 'markets'"),
        ("summarize", {"reference_fields": ["summary"]}, "none of the reference fields"),
        ("entities", {"label_field": "label"}, "expected one of summarize, topics, sentiment"),
        ("sentiment", {"label_field": "label"}, "is not one of the task's labels"),
    ],
)
def test_errors_are_one_line_exit_2(tmp_path, eval_config, task, data, message):
    path = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": path, **data})
    result = runner.invoke(app, ["evaluate", task, "-c", config])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_run_config_without_data_section(tmp_path):
    result = runner.invoke(app, ["evaluate", "topics", "-c", str(ROOT / "configs" / "fast.yaml")])
    assert result.exit_code == 2 and "no 'data:' section" in result.output


def test_in_sample_head_is_flagged(tmp_path, eval_config):
    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": data, "label_field": "label"})
    head = tmp_path / "h.npz"
    assert runner.invoke(app, ["train", "topics", "-c", config, "--out", str(head), "--set", "tasks.topics.train.folds=2"]).exit_code == 0
    result = runner.invoke(
        app, ["evaluate", "topics", "-c", config, "--set", "tasks.topics.method=head", "--set", f"tasks.topics.head={head}", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warning"].startswith("in-sample: the topics head was trained on t.jsonl")
    sets = ["--set", "tasks.topics.method=head", "--set", f"tasks.topics.head={head}", "--set", "tasks.topics.train.folds=2"]
    result = runner.invoke(app, ["calibrate", "topics", "-c", config, *sets, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # Step 3: 1.000 -> 1.000 and threshold 0.0 (abstention off), no warning
    assert payload["warning"].startswith("in-sample: the topics head was trained on t.jsonl; calibrated on out-of-fold head scores")
    unseen = jsonl(tmp_path, "u.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])  # a file the card does not name
    result = runner.invoke(app, ["calibrate", "topics", "-c", config, *sets, "--set", f"data.path={unseen}", "--json"])
    assert result.exit_code == 0 and "warning" not in json.loads(result.stdout)
    assert "in-sample" in runner.invoke(app, ["calibrate", "topics", "-c", config, *sets]).output


def test_topics_multi_label_gold_from_files_read_as_one_source(tmp_path, eval_config):
    rows = [{"text": t, "topic": y, "also": ["markets"] if y == "energy" else []} for t, y in TOPIC_ROWS]
    a, b = jsonl(tmp_path, "a.jsonl", rows[:10]), jsonl(tmp_path, "b.jsonl", rows[10:])
    config = eval_config({"path": [a, b], "label_field": "topic", "also_field": "also"})
    result = runner.invoke(app, ["evaluate", "topics", "--config", config, "--json", "--report", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 20 and metrics["data"] == f"{a}, {b}"
    assert set(metrics["lenient"]) == {"accuracy", "macro_f1"} and metrics["lenient"]["accuracy"] >= metrics["accuracy"]
    multi = metrics["multi_label"]
    assert 0 <= multi["sample_f1"] <= 1 and multi["per_label"]["markets"]["support"] == 10  # 5 markets + 5 energy rows that are also markets
    assert "Multi-label" in (tmp_path / "rep" / "report.md").read_text()
    bad = eval_config(
        {"path": a, "label_field": "topic", "also_field": "also", "label_map": {"energy": "energy", "other": "other", "diplomacy": "diplomacy"}}
    )
    result = runner.invoke(app, ["evaluate", "topics", "--config", bad])
    assert result.exit_code == 2 and "data.label_map" in result.output  # 'markets' is unmapped


def test_a_coarse_sources_lenient_gold_from_also_map(tmp_path, eval_config):
    data = jsonl(
        tmp_path,
        "ag.jsonl",
        [{"text": t, "label": {"energy": "Business", "markets": "Business", "diplomacy": "World", "other": "Sports"}[y]} for t, y in TOPIC_ROWS],
    )
    config = eval_config(
        {
            "path": data,
            "label_field": "label",
            "label_map": {"Business": "markets", "World": "diplomacy", "Sports": "other"},
            "also_map": {"Business": ["energy"]},
        }
    )
    result = runner.invoke(app, ["evaluate", "topics", "--config", config, "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["multi_label"]["per_label"]["energy"]["support"] == 10 and metrics["lenient"]["accuracy"] >= metrics["accuracy"]


@pytest.mark.parametrize("command", ["evaluate", "calibrate"])
def test_a_repeated_or_missing_config_is_refused(tmp_path, eval_config, command):
    """Step 2 (news-input round): `-c a -c b` silently kept b, and a missing first file was not reported."""
    path = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    a = eval_config({"path": path, "label_field": "label"})
    repeated = runner.invoke(app, [command, "topics", "-c", a, "-c", a])
    assert repeated.exit_code == 2 and "--config given 2 times" in repeated.output and "reads one config" in repeated.output
    missing = runner.invoke(app, [command, "topics", "-c", str(tmp_path / "nope.yaml"), "-c", a])
    assert missing.exit_code == 2 and "config file not found" in missing.output and "nope.yaml" in missing.output


def test_data_paths_start_from_data_or_nlp_data_dir(tmp_path, eval_config, monkeypatch):
    """Step 2 (news-input round): eval configs hard-coded ../shared/data relative to the working directory."""
    folder = tmp_path / "mydata"
    folder.mkdir()
    jsonl(folder, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": "{data}/t.jsonl", "label_field": "label"})
    lost = runner.invoke(app, ["evaluate", "topics", "-c", config, "--json"])
    assert lost.exit_code == 2 and "--data DIR or NLP_DATA_DIR" in lost.output
    found = runner.invoke(app, ["evaluate", "topics", "-c", config, "--json", "--data", str(folder)])
    assert found.exit_code == 0, found.output
    monkeypatch.setenv("NLP_DATA_DIR", str(folder))
    assert runner.invoke(app, ["evaluate", "topics", "-c", config, "--json"]).exit_code == 0


def test_calibrate_writes_the_set_keys_it_used_and_never_a_worse_calibration(tmp_path, eval_config, monkeypatch):
    """Step 2 (news-input round): --write dropped the --set overrides it calibrated with (MiniLM
    values into a config that resolves to MPNet), and wrote a calibration that raised ECE."""
    from newsnlp.training import calibrate as calibration

    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": data, "label_field": "label"})
    knobs = {"temperature": 0.1, "threshold": 0.3, "macro_f1": 0.9, "accuracy": 0.9}
    better = calibration.Calibration(
        {**knobs, "ece": 0.2}, {**knobs, "ece": 0.1}, 20, held_out={"before": {**knobs, "ece": 0.2}, "after": {**knobs, "ece": 0.15}}
    )
    worse = calibration.Calibration(
        {**knobs, "ece": 0.2}, {**knobs, "ece": 0.1}, 20, held_out={"before": {**knobs, "ece": 0.2}, "after": {**knobs, "ece": 0.26}}
    )
    target = tmp_path / "calibrated.yaml"
    monkeypatch.setattr(calibration, "calibrate_topics", lambda cfg, **kw: better)
    written = runner.invoke(app, ["calibrate", "topics", "-c", config, "--set", "tasks.topics.label_scale=0.03", "--write", str(target)])
    assert written.exit_code == 0, written.output
    assert yaml.safe_load(target.read_text())["data"]["label_field"] == "label"
    topics = yaml.safe_load(target.read_text())["tasks"]["topics"]
    assert topics["label_scale"] == 0.03 and topics["threshold"] == 0.3 and topics["temperature"] == 0.1
    target.unlink()
    monkeypatch.setattr(calibration, "calibrate_topics", lambda cfg, **kw: worse)
    refused = runner.invoke(app, ["calibrate", "topics", "-c", config, "--write", str(target)])
    assert refused.exit_code == 2 and "not written" in refused.output and "0.200 -> 0.260" in refused.output and not target.exists()


def test_calibration_reports_figures_on_held_out_folds(tmp_path, eval_config):
    data = jsonl(tmp_path, "t.jsonl", [{"text": t, "label": y} for t, y in TOPIC_ROWS])
    config = eval_config({"path": data, "label_field": "label"})
    payload = json.loads(runner.invoke(app, ["calibrate", "topics", "-c", config, "--json", "--set", "tasks.topics.train.folds=2"]).stdout)
    assert set(payload["held_out"]) == {"before", "after"} and 0 <= payload["held_out"]["after"]["ece"] <= 1
