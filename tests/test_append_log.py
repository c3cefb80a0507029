"""The watch output's last line, damaged by hand or by a kill, is never appended onto (Step 3): a
hand-cut last line had the next record appended onto it (two items lost), and the restart refused
the file until it was fixed by hand. Now it is cut away with a warning naming it and its item is
read again; a damaged line further up is skipped with a warning; a file that is not a watch
output is still refused, untouched."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.config import load_config
from newsnlp.errors import InputError
from newsnlp.jobs.append_log import AppendLog
from newsnlp.jobs.watch import Watch
from tests.helpers import FAST
from tests.stories.test_runs import DAILY, WIRE, feed

runner = CliRunner()


def ids(path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]  # every line a whole record


def cut_last_line(path, keep: int, newline: bool) -> None:
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[: start + keep] + (b"\n" if newline else b""))


@pytest.mark.parametrize("newline", [True, False])
def test_a_restart_cuts_a_hand_cut_last_line_away_and_reads_its_item_again(tmp_path, newline):
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE + DAILY))
    out = tmp_path / "w.jsonl"
    args = ["watch", str(tmp_path / "wire.xml"), "-o", str(out), "--once", "-c", str(FAST)]
    assert runner.invoke(app, args).exit_code == 0
    assert ids(out) == ["wire-0", "wire-1", "wire-2", "wire-3"]
    cut_last_line(out, 30, newline)  # an editor keeps a newline; a cut with `truncate` does not
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "the last line (line 4" in again.output and "'wire-3'" in again.output and "Traceback" not in again.output
    assert ids(out) == ["wire-0", "wire-1", "wire-2", "wire-3"]  # read again, once


def test_a_last_line_cut_between_cycles_is_never_appended_onto(tmp_path):
    source = tmp_path / "wire.xml"
    source.write_text(feed("wire", WIRE))
    out = tmp_path / "w.jsonl"
    config = load_config(FAST, {"input": [str(source)]})
    sleeps = []

    def between_cycles(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            cut_last_line(out, 25, newline=False)  # someone cuts the file while watch waits
            source.write_text(feed("wire", WIRE + DAILY))  # and the feed gains two items
        else:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Watch(config, out, say=lambda line: None).run(0.0, once=False, sleep=between_cycles)
    assert sorted(ids(out)) == ["wire-0", "wire-1", "wire-2", "wire-3"]


def test_a_damaged_line_further_up_is_skipped_with_a_warning(tmp_path, capsys):
    out = tmp_path / "w.jsonl"
    out.write_text('{"id": "a", "teasers": []}\n{"id": "b", "tea\n{"id": "c", "teasers": []}\n')
    assert [r["id"] for r in AppendLog(out).records()] == ["a", "c"]
    assert "w.jsonl:2: not a record (record 'b')" in capsys.readouterr().err
    assert out.read_text().count("\n") == 3  # kept as it was


def test_a_file_that_is_not_a_watch_output_is_refused_untouched(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nsecond line, no newline")
    with pytest.raises(InputError, match="not an output nlp watch wrote"):
        list(AppendLog(notes).records())
    assert notes.read_text() == "my notes\nsecond line, no newline"


def test_an_output_removed_between_cycles_is_begun_again_not_written_into_the_void(tmp_path, capsys):
    source = tmp_path / "wire.xml"
    source.write_text(feed("wire", WIRE))
    out = tmp_path / "w.jsonl"
    config = load_config(FAST, {"input": [str(source)]})
    sleeps = []

    def between_cycles(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            out.rename(tmp_path / "w.1.jsonl")  # rotated away while watch waits
        else:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Watch(config, out, say=lambda line: None).run(0.0, once=False, sleep=between_cycles)
    assert ids(tmp_path / "w.1.jsonl") == ["wire-0", "wire-1"] and ids(out) == ["wire-0", "wire-1"]  # read again into the new file
    assert "removed or replaced while watch ran" in capsys.readouterr().err
