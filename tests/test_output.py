import csv
import io
import json

import pytest

from newsnlp.formats.write import csv_rows, markdown_page, write_records
from newsnlp.jobs.files import RunFiles
from newsnlp.jobs.journal import RecordWriter, journal_ids, line_sum
from newsnlp.run_info import RunInfo, TaskInfo

RECORD = {
    "id": "p1",
    "source": "S",
    "summary": {"method": "extractive", "text": "A. B.", "sentences": []},
    "article": {
        "topic": {"label": "markets", "scores": {"markets": 0.9, "other": 0.1}},
        "sentiment": {"label": "neutral", "score": 0.0, "scores": {}},
    },
    "teasers": [
        {
            "index": 0,
            "text": "T | x...",
            "topic": {"label": "markets", "scores": {"markets": 0.8, "other": 0.2}},
            "sentiment": {"label": "positive", "score": 0.5, "scores": {}},
        }
    ],
}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "md"])
def test_writers_are_atomic_and_complete(tmp_path, fmt):
    path = tmp_path / "sub" / f"out.{fmt}"
    with RecordWriter(path, fmt) as writer:
        writer.write(RECORD)
        writer.write({**RECORD, "id": "p2"})
        assert not path.exists() and writer.tmp.exists()  # only the .partial exists while writing
    assert path.exists() and not writer.tmp.exists()
    text = path.read_text()
    if fmt == "jsonl":
        assert [json.loads(line)["id"] for line in text.splitlines()] == ["p1", "p2"]
    elif fmt == "json":
        assert [r["id"] for r in json.loads(text)] == ["p1", "p2"]
    elif fmt == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        assert len(rows) == 2 and rows[0]["topic"] == "markets" and rows[0]["topic_other"] == "0.2"
    else:
        assert text.startswith("# News records\n\n## p1\n\n`p1` · S\n") and "T \\| x..." in text


def test_failed_run_leaves_no_output_but_keeps_its_journal(tmp_path):
    path = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        with RecordWriter(path, "jsonl") as writer:
            raise RuntimeError("before any record")
    assert not path.exists() and not writer.tmp.exists()  # nothing to resume from: nothing left
    with pytest.raises(RuntimeError):
        with RecordWriter(path, "csv") as writer:
            writer.write(RECORD)
            raise RuntimeError("boom")
    assert not path.exists() and writer.tmp.exists()  # the journal stays for --resume
    assert journal_ids(writer.tmp) == [RECORD["id"]]


def test_a_stop_after_a_checked_record_but_before_it_is_counted_keeps_it(tmp_path):
    """CI: a SIGTERM landing after the record's checksum was written, before `count` went up,
    deleted a journal holding one checked record, so the run said 'nothing to resume'."""
    path = tmp_path / "out.jsonl"

    class Stop(KeyboardInterrupt):
        pass

    with pytest.raises(Stop):
        with RecordWriter(path, "jsonl") as writer:
            real_flush = writer._sums.flush

            def flush_then_stop():
                real_flush()
                del writer._sums.flush  # once: closing the file flushes again
                raise Stop

            writer._sums.flush = flush_then_stop
            writer.write(RECORD)
    assert writer.count == 0 and journal_ids(writer.tmp) == [RECORD["id"]]


def test_a_stop_between_a_line_and_its_checksum_leaves_nothing(tmp_path):
    path = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        with RecordWriter(path, "jsonl") as writer:

            def stop(text):
                del writer._sums.write
                raise KeyboardInterrupt

            writer._sums.write = stop
            writer.write(RECORD)
    assert not writer.tmp.exists() and not writer.files.sums.exists()


def test_journal_ids_cut_a_torn_last_line(tmp_path):
    journal = tmp_path / "out.jsonl.partial"
    lines = [json.dumps({"id": "a"}) + "\n", json.dumps({"id": "b"}) + "\n"]
    journal.write_text("".join(lines) + '{"id": "c", "summ')
    RunFiles.of_journal(journal).sums.write_text("".join(line_sum(line.encode()) + "\n" for line in lines) + "0123")  # the third sum torn too
    assert journal_ids(journal) == ["a", "b"]
    assert journal.read_text().endswith("}\n")  # appending continues on a clean line
    assert RunFiles.of_journal(journal).sums.read_text().count("\n") == 2 and RunFiles.of_journal(journal).sums.read_text().endswith("\n")


def test_journal_lines_without_their_checksum_are_not_trusted(tmp_path):
    journal = tmp_path / "out.jsonl.partial"
    lines = [json.dumps({"id": i}) + "\n" for i in "abc"]
    journal.write_text("".join(lines))
    RunFiles.of_journal(journal).sums.write_text(line_sum(lines[0].encode()) + "\n" + "f" * 16 + "\n")  # b was edited after its sum; c has none
    assert journal_ids(journal) == ["a"] and journal.read_text() == lines[0]


def test_csv_row_for_page_without_teasers():
    rows = csv_rows({**RECORD, "teasers": []})
    assert len(rows) == 1 and rows[0]["teaser"] == "" and rows[0]["article_topic"] == "markets"


def test_markdown_error_record():
    assert "**Error:** empty" in markdown_page({"id": "x", "error": "empty"})


def test_csv_text_cells_never_start_a_formula():
    """Step 2: scraped teasers like =HYPERLINK(...) went into cells as they were (formula injection)."""
    record = {
        "id": "=1+1",
        "source": "@SUM(A1:A9)",
        "title": "-2+3",
        "summary": {"text": "+cmd|' /C calc'!A0"},
        "article": {"sentiment": {"label": "negative", "score": -0.5}},
        "teasers": [
            {
                "index": 0,
                "text": '=HYPERLINK("http://x","click")',
                "topic": {"label": "other", "scores": {"other": 1.0}},
                "sentiment": {"label": "negative", "score": -0.25},
            },
            {"index": 1, "text": "\tplain", "sentiment": {"score": 0.5}},
        ],
    }
    out = io.StringIO()
    write_records(iter([record]), out, "csv")
    rows = list(csv.DictReader(out.getvalue().splitlines()))
    assert rows[0]["id"] == "'=1+1" and rows[0]["source"] == "'@SUM(A1:A9)" and rows[0]["title"] == "'-2+3"
    assert rows[0]["summary"] == "'+cmd|' /C calc'!A0" and rows[0]["teaser"] == '\'=HYPERLINK("http://x","click")'
    assert rows[1]["teaser"] == "'\tplain"
    assert rows[0]["sentiment_score"] == "-0.25" and rows[0]["article_sentiment_score"] == "-0.5"  # numbers stay numbers


def test_a_full_disk_is_one_line_and_the_journal_is_kept(tmp_path, monkeypatch):
    """Step 2: disk full kept the journal (resume worked) but ended in a traceback."""
    import errno

    from newsnlp.errors import InputError

    writer = RecordWriter(tmp_path / "out.jsonl", "jsonl")
    with pytest.raises(InputError, match="No space left on device.*1 records are kept.*--resume"):
        with writer:
            writer.write({"id": "a"})

            def full(*args):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(writer._handle, "write", full)
            writer.write({"id": "b"})
    assert journal_ids(tmp_path / "out.jsonl.partial") == ["a"]


def test_markdown_headings_and_rows_survive_newlines_in_the_text():
    """Step 2: a newline in an id or a teaser broke Markdown headings and tables."""
    page = markdown_page({"id": "a\nb", "source": "Wire\n# not a heading", "teasers": [{"index": 0, "text": "line one\nline two"}]})
    lines = page.splitlines()
    assert lines[0] == "## a b" and lines[2] == "`a b` · Wire # not a heading" and "| 0 | line one line two |  |  |" in lines


ABOUT = RunInfo(
    title="Morning wires",
    started="2026-11-30T12:00:00Z",
    version="0.2.0",
    encoder="mpnet",
    tasks={
        "summarize": TaskInfo(method="extractive", sentences=3),
        "sentiment": TaskInfo(method="head"),
        "topics": TaskInfo(method="head", labels=["markets", "diplomacy", "energy", "other"], other="other", threshold=0.4),
    },
)
ABSTAINED = {
    "label": "other",
    "scores": {"markets": 0.389, "diplomacy": 0.3, "energy": 0.284, "other": 0.027},
    "labels": ["other"],
    "abstained": {"best": "markets", "score": 0.389, "threshold": 0.4},
}


def test_the_markdown_page_has_a_title_date_config_and_each_records_title():
    """Step 3: the Markdown report had no title, date or config summary and dropped `title`."""
    out = io.StringIO()
    record = {**RECORD, "title": "Oil slides as talks stall", "teasers": [{"index": 0, "text": "Shares drift...", "topic": ABSTAINED}]}
    write_records(iter([record]), out, "md", ABOUT)
    page = out.getvalue()
    assert page.startswith("# Morning wires\n\nWritten 2026-11-30 12:00 UTC by nlp 0.2.0; encoder mpnet.\n\nConfig: ")
    assert "topics: head over markets, diplomacy, energy, other; `other` when the best label scores under 0.4" in page
    assert "## Oil slides as talks stall" in page
    assert "| other (best markets 0.39 < 0.4) |" in page  # was `other (0.39)`: max of scores, no threshold


def test_an_abstention_shows_the_best_label_and_the_threshold():
    """Step 3: an abstention printed `other 0.027`, hiding that markets (0.389) fell under 0.4."""
    from newsnlp.records import topic_text

    assert topic_text(ABSTAINED) == "other (best markets 0.39 < 0.4)"
    won = {"label": "other", "scores": {"markets": 0.2, "other": 0.7}, "labels": ["other"]}
    assert topic_text(won) == "other 0.70"  # other won outright: its own score
    assert topic_text({"label": "energy", "scores": {"energy": 0.8, "markets": 0.6}, "labels": ["energy", "markets"]}) == "energy 0.80 +markets"


def test_the_record_says_why_it_abstained_and_only_then():
    """Step 6: every renderer was handed the threshold again to work out why a text was `other`;
    the topic record now says it (`abstained`), absent when `other` won outright or a label won."""
    import numpy as np

    from newsnlp.config import TopicsConfig
    from newsnlp.tasks.topics import topic_records

    labels, config = ["markets", "energy", "other"], TopicsConfig(threshold=0.4)
    probs = np.array([[0.38, 0.33, 0.29], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1]])
    under, won, labelled = topic_records(probs, labels, 2, config, np.zeros((3, 3)))
    assert under["label"] == "other" and under["abstained"] == {"reason": "threshold", "best": "markets", "score": 0.38, "threshold": 0.4}
    assert won["label"] == "other" and "abstained" not in won
    assert labelled["label"] == "markets" and "abstained" not in labelled


def test_nan_is_never_written(tmp_path):
    """Step 2: NaN scores were written as bare NaN, which strict JSON parsers reject."""
    from newsnlp.errors import InputError

    writer = RecordWriter(tmp_path / "out.jsonl", "jsonl")
    with pytest.raises(InputError, match="NaN or infinite"):
        with writer:
            writer.write({"id": "a", "article": {"sentiment": {"score": float("nan")}}})
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out.jsonl.partial").exists()


def test_csv_rows_carry_each_links_date_and_story():
    """Step 4: only JSONL had the page's and each teaser's url, published and story."""
    record = {
        **RECORD,
        "url": "https://wire.example/a",
        "published": "2024-01-02T08:00:00Z",
        "story": "st-aaa",
        "teasers": [{**RECORD["teasers"][0], "url": "https://wire.example/t", "published": "2024-01-01T07:00:00Z", "story": "st-bbb"}],
    }
    out = io.StringIO()
    write_records(iter([record, {**RECORD, "id": "p2"}]), out, "csv", ABOUT)
    first, second = csv.DictReader(out.getvalue().splitlines())
    assert (first["url"], first["published"], first["story"]) == ("https://wire.example/a", "2024-01-02T08:00:00Z", "st-aaa")
    assert (first["teaser_url"], first["teaser_published"], first["teaser_story"]) == ("https://wire.example/t", "2024-01-01T07:00:00Z", "st-bbb")
    assert (second["url"], second["teaser_url"], second["teaser_story"]) == ("", "", "")


def test_csv_keeps_every_records_scores_when_the_first_record_has_none():
    """Step 4: the header came from the first record's first row, so a first record that failed
    (no teasers, no scores) left every later record's topic_<label> scores out of the file."""
    out = io.StringIO()
    write_records(iter([{"id": "bad", "error": "empty page"}, RECORD]), out, "csv", ABOUT)
    rows = list(csv.DictReader(out.getvalue().splitlines()))
    assert [f"topic_{label}" for label in ("markets", "diplomacy", "energy", "other")] == [k for k in rows[0] if k.startswith("topic_")]
    assert rows[1]["topic_markets"] == "0.8" and rows[1]["topic_other"] == "0.2" and rows[0]["error"] == "empty page"


def test_a_backslash_before_a_pipe_does_not_open_a_markdown_cell():
    """Step 4: `\\|` in a teaser became `\\\\|`, an escaped backslash and then a live pipe."""
    page = markdown_page({"id": "p", "teasers": [{"index": 0, "text": "path C:\\| not a cell"}]})
    row = next(line for line in page.splitlines() if line.startswith("| 0 |"))
    assert row == "| 0 | path C:\\\\\\| not a cell |  |  |"
