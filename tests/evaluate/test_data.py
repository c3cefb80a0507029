import json

import pytest

from newsnlp.config import DataConfig
from newsnlp.documents.labelled import gold_labels, join_fields, load_rows, references
from newsnlp.errors import ConfigError, InputError

LABELS = ["markets", "diplomacy", "energy", "other"]


def write(tmp_path, rows):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_join_fields():
    assert join_fields({"t": "Oil up", "d": "Prices rose."}, ["t", "d"]) == "Oil up. Prices rose."
    assert join_fields({"t": "Oil up?", "d": None}, ["t", "d"]) == "Oil up?"


def test_labels_mapped_and_errors(tmp_path):
    path = write(tmp_path, [{"text": "x", "label": "World"}, {"text": "y", "label": "Sports"}])
    data = DataConfig(path=path, label_field="label", label_map={"World": "diplomacy", "Sports": "other"})
    assert gold_labels(load_rows(data, ["text", "label"]), data, LABELS) == ["diplomacy", "other"]
    with pytest.raises(ConfigError, match="no entry for label 'Sports' \\(row 2\\)"):
        gold_labels(load_rows(data, ["label"]), DataConfig(path=path, label_field="label", label_map={"World": "diplomacy"}), LABELS)
    with pytest.raises(ConfigError, match="label 'World' \\(row 1\\) is not one of the task's labels"):
        gold_labels(load_rows(data, ["label"]), DataConfig(path=path, label_field="label"), LABELS)
    with pytest.raises(ConfigError, match="field 'title' is not in"):
        load_rows(data, ["title"])


def test_references_first_field_and_lists(tmp_path):
    path = write(tmp_path, [{"a": "t", "highlights": "h1"}, {"a": "t", "references": ["r1", "r2"], "highlights": "h2"}])
    data = DataConfig(path=path, text_fields=["a"], reference_fields=["references", "highlights"])
    assert references(load_rows(data, ["a"]), data) == [["h1"], ["r1", "r2"]]
    with pytest.raises(InputError, match="row 1 has none of the reference fields"):
        references(load_rows(data, ["a"]), DataConfig(path=path, reference_fields=["summary"]))


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_rows(DataConfig(path=tmp_path / "none.jsonl"), [])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a"}\n{oops\n')
    with pytest.raises(InputError, match="cannot read"):
        load_rows(DataConfig(path=bad), ["text"])
