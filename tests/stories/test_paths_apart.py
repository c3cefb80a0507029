"""The story index is never the output, a file a run keeps beside it, or an input (Step 3): `nlp run
-o X --stories X` replaced an index with one record and exited 0, and `nlp watch -o W --stories W`
appended JSON into the SQLite file. Each is one line, exit 2, and every file as it was."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import FAST
from tests.stories.test_runs import WIRE, feed

runner = CliRunner()


def an_index(path):
    """A file where an index would be: some SQLite database with a row (its bytes are compared)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE stories (id TEXT)")
        db.execute("INSERT INTO stories VALUES ('st-1')")
    return path.read_bytes()


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("command", ["run", "watch"])
@pytest.mark.parametrize("exists", [True, False])
def test_the_output_and_the_index_are_never_one_file(tmp_path, command, exists):
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE))
    target = tmp_path / "both.jsonl"
    if exists:
        an_index(target)
    before = files(tmp_path)
    if command == "run":
        args = ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-o", str(target), "--stories", str(target), "-q"]
    else:
        args = ["watch", str(tmp_path / "wire.xml"), "-o", str(target), "--once", "-c", str(FAST), "--stories", str(target)]
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    assert "are one file" in done.output and len(done.output.strip().splitlines()) == 1 and "Traceback" not in done.output
    assert files(tmp_path) == before  # nothing touched: no journal, lock, run.json, nor an index


def test_the_index_is_not_a_file_kept_beside_the_output(tmp_path):
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE))
    out = tmp_path / "r.jsonl"
    done = runner.invoke(
        app, ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-o", str(out), "--stories", str(tmp_path / "r.jsonl.partial"), "-q"]
    )
    assert done.exit_code == 2 and "r.jsonl.partial" in done.output and not out.exists() and not (tmp_path / "r.jsonl.partial").exists()


@pytest.mark.parametrize("command", ["run", "watch"])
def test_the_index_is_never_an_input(tmp_path, command):
    source = tmp_path / "wire.xml"
    source.write_text(feed("wire", WIRE))
    before = files(tmp_path)
    out = tmp_path / "r.jsonl"
    if command == "run":
        args = ["run", str(FAST), "-i", str(source), "-o", str(out), "--stories", str(source), "-q"]
    else:
        args = ["watch", str(source), "-o", str(out), "--once", "-c", str(FAST), "--stories", str(source)]
    done = runner.invoke(app, args)
    assert done.exit_code == 2 and "is an input" in done.output, done.output
    assert files(tmp_path) == before  # the feed was not moved aside as a foreign index
