import pytest
import yaml

from newsnlp.config import (
    OutputConfig,
    RunConfig,
    config_to_yaml,
    load_config,
    packaged_default,
    parse_overrides,
)
from newsnlp.errors import ConfigError
from tests.helpers import ROOT


def test_configs_default_is_the_packaged_default():
    assert yaml.safe_load((ROOT / "configs" / "default.yaml").read_text()) == packaged_default()
    assert load_config(ROOT / "configs" / "default.yaml") == load_config()


def test_scripted_keys_exist():
    cfg = load_config()
    for key in [
        "input",
        "output.path",
        "output.format",
        "device",
        "dtype",
        "batch_size",
        "encoder.model",
        "tasks.summarize.method",
        "tasks.summarize.sentences",
        "tasks.topics.method",
        "tasks.topics.labels",
        "tasks.topics.threshold",
        "tasks.sentiment.method",
    ]:
        node = cfg
        for part in key.split("."):
            assert hasattr(node, part), f"{key}: no '{part}' (README and scripts set this key)"
            node = getattr(node, part)


def test_default_labels_have_descriptions():
    labels = load_config().tasks.topics.labels
    assert list(labels) == ["markets", "diplomacy", "energy", "other"]
    assert all(spec.description and spec.examples for spec in labels.values())


@pytest.mark.parametrize(
    "pairs, expected",
    [
        (["tasks.topics.threshold=0.3"], {"tasks.topics.threshold": 0.3}),
        (["batch_size=16", "device=cpu"], {"batch_size": 16, "device": "cpu"}),
        (["tasks.topics.multi_label=true"], {"tasks.topics.multi_label": True}),
        (["output.path=out/x=y.jsonl"], {"output.path": "out/x=y.jsonl"}),
        (["encoder.model=[oops"], {"encoder.model": "[oops"}),  # not YAML: kept as a string
        (["output.format="], {"output.format": ""}),
    ],
)
def test_parse_overrides(pairs, expected):
    assert parse_overrides(pairs) == expected


@pytest.mark.parametrize("pair", ["novalue", "=3"])
def test_parse_overrides_rejects(pair):
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_overrides([pair])


def test_overrides_apply():
    cfg = load_config(None, ["tasks.topics.threshold=0.3", "batch_size=16", "tasks.topics.labels.markets.description=money"])
    assert cfg.tasks.topics.threshold == 0.3 and cfg.batch_size == 16
    assert cfg.tasks.topics.labels["markets"].description == "money"
    assert cfg.tasks.topics.labels["markets"].examples  # the rest of the label is kept


@pytest.mark.parametrize(
    "pairs, message",
    [
        (["tasks.topics.treshold=0.3"], "unknown key 'tasks.topics.treshold'; did you mean 'tasks.topics.threshold'?"),
        (["batch_sise=3"], "did you mean 'batch_size'?"),
        (["batch_size=abc"], "batch_size: expected a valid integer"),
        (["tasks.topics.threshold=2"], "tasks.topics.threshold: expected less than or equal to 1"),
        (["device=gpu"], "device: expected one of auto, cpu, cuda, cuda:N, mps, got 'gpu'"),
        (["output.format=xml"], "output.format: expected 'jsonl', 'json', 'csv', 'md' or 'html'"),
        (["batch_size.x=1"], "'batch_size' takes a single value"),
        (["tasks.summarize.method=bogus"], "tasks.summarize.method: expected 'extractive' or 'abstractive'"),
    ],
)
def test_bad_overrides_name_the_key(pairs, message):
    with pytest.raises(ConfigError) as info:
        load_config(None, pairs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_key_in_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("tasks:\n  topics:\n    treshold: 0.3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'tasks.topics.treshold'; did you mean 'tasks.topics.threshold'\?"):
        load_config(path)


def test_malformed_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("device: cpu\ntasks: [unclosed\n")
    with pytest.raises(ConfigError, match=r"malformed YAML at line \d+, column \d+"):
        load_config(path)


def test_yaml_never_executes_code(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("device: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_config(path)


def test_missing_and_non_mapping_config(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "none.yaml")
    path = tmp_path / "c.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_config(path)


def test_partial_config_gets_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("batch_size: 8\n")
    cfg = load_config(path)
    assert cfg.batch_size == 8 and list(cfg.tasks.topics.labels) == ["markets", "diplomacy", "energy", "other"]
    assert cfg.tasks.topics.labels == load_config().tasks.topics.labels  # validated LabelSpecs, not raw dicts
    assert cfg.tasks.sentiment.labels == load_config().tasks.sentiment.labels


def test_config_round_trips_through_yaml():
    cfg = load_config(None, ["batch_size=7"])
    assert RunConfig.model_validate(yaml.safe_load(config_to_yaml(cfg))) == cfg


def test_output_format_from_suffix():
    assert load_config(None, {"output.path": "x.csv", "output.format": None}).output.resolved_format() == "csv"
    with pytest.raises(ConfigError, match=r"output.path x.out: its suffix '.out' names no output format.*set output.format"):
        load_config(None, {"output.path": "x.out", "output.format": None}).output.resolved_format()  # was JSONL in x.out


def test_output_precedence_is_format_then_output_suffix_then_config():
    """Step 3: `--format md` wrote Markdown into out/records.jsonl, and `-o r.md` JSONL into r.md."""
    from pathlib import Path

    config = load_config(None, {"output.path": "out/records.jsonl", "output.format": "jsonl"}).output
    assert config.chosen(None, "md") == OutputConfig(path=Path("out/records.md"), format="md")
    assert config.chosen(Path("r.md"), None) == OutputConfig(path=Path("r.md"), format="md")
    assert config.chosen(Path("r.xlsx"), "csv") == OutputConfig(path=Path("r.xlsx"), format="csv")
    assert config.chosen(None, None) == OutputConfig(path=Path("out/records.jsonl"), format="jsonl")
    assert load_config(None, {"output.path": "r.txt", "output.format": "md"}).output.chosen() == OutputConfig(path=Path("r.txt"), format="md")
    with pytest.raises(ConfigError, match=r"--output r.xlsx: its suffix '.xlsx' names no output format.*add --format"):
        config.chosen(Path("r.xlsx"), None)
    assert load_config().output.format is None  # the packaged default: the suffix decides


def test_a_key_with_a_newline_is_one_line():
    """Found by the fuzz test: a key holding a newline was echoed into a two-line error."""
    with pytest.raises(ConfigError) as info:
        load_config(None, ["0\n0="])
    assert "\n" not in str(info.value) and "without spaces" in str(info.value)


def test_schema_defaults_are_the_packaged_defaults():
    """Eval configs name only their data: every other key comes from the schema, which must equal
    the packaged default config (the MPNet encoder, its thresholds and label constants)."""
    from newsnlp.config import RunConfig

    assert RunConfig().model_dump() == load_config().model_dump()


def test_a_key_repeated_in_a_yaml_mapping_is_refused_with_both_lines(tmp_path):
    """Step 2: YAML let the last duplicate win silently (markets became 'Sports and football')."""
    path = tmp_path / "dup.yaml"
    path.write_text("tasks:\n  topics:\n    labels:\n      markets: {description: money}\n      markets: {description: Sports and football}\n")
    with pytest.raises(ConfigError, match=r"key 'markets' appears twice in one mapping \(lines 4 and 5\)"):
        load_config(path)
    path.write_text("tasks:\n  topics: {threshold: 0.3}\n  sentiment: {enabled: true}\n")  # the same key in different mappings is fine
    assert load_config(path).tasks.topics.threshold == 0.3


@pytest.mark.parametrize(
    "pair, message",
    [
        ("tasks.topics.temperature=1.0e-320", "tasks.topics.temperature"),
        ("tasks.topics.prototype_smoothing=.inf", "finite"),
        ("tasks.topics.threshold=.nan", "finite"),
        ("tasks.topics.train.familiarity_low=0.5", "familiarity_high above familiarity_low"),
        ("tasks.sentiment.labels={negative: {}, positive: {}}", "exactly negative, neutral and positive"),
    ],
)
def test_knobs_that_would_make_nan_scores_are_refused(pair, message):
    """Step 2: a tiny temperature, an infinite smoothing or a flat familiarity ramp gave NaN scores, exit 0."""
    with pytest.raises(ConfigError, match=message) as info:
        load_config(None, [pair])
    assert "\n" not in str(info.value)


def test_a_label_given_by_name_alone_is_its_own_prototype():
    """Step 2: a label with neither description nor examples scored -inf (NaN after the softmax)."""
    import numpy as np

    from newsnlp.config import LabelSpec, TopicsConfig
    from newsnlp.tasks.topics import EmbeddingTopics

    seen = []

    def encode(texts):
        seen.extend(texts)
        return np.eye(len(texts), 4, dtype=np.float32)

    topics = EmbeddingTopics(
        TopicsConfig(method="embedding", labels={"markets": LabelSpec(), "war": LabelSpec(description="war")}, labels_mode="replace"), encode
    )
    assert seen[:2] == ["markets", "war"]  # the abstain label 'other' keeps none (then 'war' is probed: tests/tasks/test_custom_labels.py)
    record = topics.classify(["x"], np.eye(1, 4, dtype=np.float32))[0]
    assert all(np.isfinite(v) for v in record["scores"].values()) and record["label"] == "markets"


def test_set_adds_a_label_to_the_four_whatever_the_file_names(tmp_path):
    """Step 3: `--set tasks.topics.labels.technology.description=...` on a config without a
    labels section (configs/fast.yaml) replaced the four labels with that one."""
    path = tmp_path / "c.yaml"
    path.write_text("encoder: {model: minilm}\n")
    for source in (path, None):
        labels = load_config(source, ["tasks.topics.labels.technology.description=gadgets"]).tasks.topics.labels
        assert list(labels) == ["markets", "diplomacy", "energy", "other", "technology"] and labels["markets"].examples


def test_a_bad_set_value_is_blamed_on_set_not_the_file(tmp_path):
    """Step 2 (news-input round): a bad --set value read 'configs/fast.yaml: tasks.topics.threshold: ...'."""
    from tests.helpers import FAST

    with pytest.raises(ConfigError) as info:
        load_config(FAST, ["tasks.topics.threshold=2"])
    assert str(info.value).startswith("--set: tasks.topics.threshold: expected less than or equal to 1") and "fast.yaml" not in str(info.value)
    broken = tmp_path / "broken.yaml"
    broken.write_text("tasks:\n  topics:\n    threshold: 5\n")
    with pytest.raises(ConfigError, match=f"^{broken}: tasks.topics.threshold"):
        load_config(broken, ["batch_size=4"])  # the file's own mistake stays the file's
