"""End-to-end: hub-model methods (tiny random models saved to folders) through `nlp run` and
`nlp evaluate`, and the one-line offline error for a hub id that is not cached."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import ROOT, SEED

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_sentiment(tmp_path_factory):
    from tests.tiny_models import build_tiny_classifier

    return build_tiny_classifier(tmp_path_factory.mktemp("tiny-sst"), ["NEGATIVE", "POSITIVE"])


def hub_sets(bart, nli, sentiment):
    return [
        "--set",
        "tasks.summarize.method=abstractive",
        "--set",
        f"tasks.summarize.model={bart}",
        "--set",
        "tasks.topics.method=nli",
        "--set",
        f"tasks.topics.model={nli}",
        "--set",
        "tasks.sentiment.method=classifier",
        "--set",
        f"tasks.sentiment.model={sentiment}",
        "--set",
        "batch_size=8",
        "--set",
        "device=cpu",
    ]


def test_run_with_every_hub_method(tmp_path, tiny_bart, tiny_nli, tiny_sentiment):
    out = tmp_path / "records.jsonl"
    result = runner.invoke(
        app, ["run", str(ROOT / "configs" / "fast.yaml"), "-i", str(SEED), "-o", str(out), "--quiet", *hub_sets(tiny_bart, tiny_nli, tiny_sentiment)]
    )
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    summary = record["summary"]
    assert summary["method"] == "abstractive" and summary["chunks"] > 1  # the seed lead is longer than 64 tokens
    assert isinstance(summary["text"], str)
    for teaser in record["teasers"]:
        assert set(teaser["topic"]["scores"]) == {"markets", "diplomacy", "energy", "other"}
        assert abs(sum(teaser["topic"]["scores"].values()) - 1) < 1e-3
        assert teaser["sentiment"]["label"] in ("negative", "positive")  # a 2-class model is never neutral
    assert -1 <= record["article"]["sentiment"]["score"] <= 1


def test_evaluate_abstractive_summaries(tmp_path, tiny_bart):
    data = tmp_path / "sums.jsonl"
    rows = [{"id": i, "article": "The oil prices rose. The talks fell. The team won the game.", "highlights": "oil prices rose"} for i in range(3)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = tmp_path / "eval.yaml"
    cfg.write_text(f"data:\n  path: {data}\n  text_fields: [article]\n  reference_fields: [highlights]\n  id_field: id\n")
    result = runner.invoke(
        app,
        [
            "evaluate",
            "summarize",
            "--config",
            str(cfg),
            "--json",
            "--set",
            "tasks.summarize.method=abstractive",
            "--set",
            f"tasks.summarize.model={tiny_bart}",
        ],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output[result.output.index("{") :])
    assert metrics["n"] == 3 and "rouge1" in metrics


@pytest.mark.parametrize("key", ["tasks.summarize", "tasks.topics", "tasks.sentiment"])
def test_unknown_hub_id_is_one_line_exit_2_and_no_output(tmp_path, key):
    method = {"tasks.summarize": "abstractive", "tasks.topics": "nli", "tasks.sentiment": "classifier"}[key]
    out = tmp_path / "r.jsonl"
    result = runner.invoke(
        app,
        [
            "run",
            str(ROOT / "configs" / "fast.yaml"),
            "-i",
            str(SEED),
            "-o",
            str(out),
            "--set",
            f"{key}.method={method}",
            "--set",
            f"{key}.model=nobody-here/no-such-model",
        ],
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "nobody-here/no-such-model" in lines[0] and "not available offline" in lines[0] and f"{key}.model" in lines[0]
    assert not out.exists()


def test_method_without_a_model_says_which_key(tmp_path):
    result = runner.invoke(
        app, ["run", str(ROOT / "configs" / "fast.yaml"), "-i", str(SEED), "-o", str(tmp_path / "r.jsonl"), "--set", "tasks.topics.method=nli"]
    )
    assert result.exit_code == 2 and "tasks.topics.model" in result.output


@pytest.mark.parametrize("name", ["hub-distilbart", "hub-nli", "hub-finbert", "hub-all"])
def test_hub_configs_validate_and_fail_offline_in_one_line(tmp_path, name):
    from newsnlp.config import load_config

    path = ROOT / "configs" / f"{name}.yaml"
    config = load_config(path)
    assert config.input == ["seeds"]
    methods = {"summarize": "abstractive", "topics": "nli", "sentiment": "classifier"}
    hub = [task for task, method in methods.items() if getattr(config.tasks, task).method == method]
    assert hub and all(getattr(config.tasks, task).model for task in hub)
    assert not config.tasks.sentiment.label_map  # no model-specific map: another classifier works as is
    out = tmp_path / "r.jsonl"
    result = runner.invoke(app, ["run", str(path), "-i", str(SEED), "-o", str(out)])
    if result.exit_code == 0:  # the models are cached on this machine
        assert out.exists()
    else:
        assert result.exit_code == 2 and "not available offline" in result.output and not out.exists()
