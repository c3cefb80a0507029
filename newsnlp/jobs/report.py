"""`nlp report`: a records file (and its run's description and inputs) as the HTML page of
`newsnlp.formats.html`."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from newsnlp.documents import Inputs
from newsnlp.documents.fetch import is_url
from newsnlp.errors import InputError
from newsnlp.formats.html import lead_sentences, render_html
from newsnlp.jobs.files import RunFiles, check_output
from newsnlp.records import Record
from newsnlp.resources.disk import write_atomically
from newsnlp.run_info import RunInfo


def read_records(path: Path) -> list[Record]:
    """Records from a file `nlp run` wrote as JSONL or JSON, each checked for the fields the page
    reads; anything else (another format, a JSON object, a record without an id, a topic without
    a label, text that is not UTF-8) is a one-line error naming where."""
    if not path.is_file():
        raise InputError(f"{path} not found; pass the records file nlp run wrote (.jsonl or .json)")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (invalid byte at offset {exc.start}); nlp run writes records in UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        whole = _whole_json(text) if text.lstrip().startswith(("[", "{")) or path.suffix.lower() == ".json" else None
        if isinstance(whole, dict) and "id" not in whole:
            raise InputError(f"{path}: a JSON object, not records (nlp run writes a JSON array or JSON lines)")
        if isinstance(whole, list):
            rows = [(f"{path}: record {i}", row) for i, row in enumerate(whole)]
        elif whole is not None:
            rows = [(f"{path}:1", whole)]  # JSON lines of one record
        else:  # JSON lines: split on newlines alone (U+2028 and U+2029 are text inside a record)
            rows = [(f"{path}:{n}", json.loads(line)) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not records as nlp run writes them (JSONL or JSON): {exc.msg} at line {exc.lineno}") from exc
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be records") from None
    for where, row in rows:
        check_record(row, where)
    return [row for _, row in rows]


def _whole_json(text: str) -> Any:
    """The text as one JSON value, or None where it is several (JSON lines)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            return None
        raise


def check_record(row: Any, where: str) -> None:
    """The fields the page reads, of the types nlp run writes them."""

    def bad(reason: str) -> InputError:
        return InputError(f"{where}: not a record as nlp run writes it ({reason})")

    if not isinstance(row, dict):
        raise bad(f"a JSON {type(row).__name__}, not an object")
    if not isinstance(row.get("id"), str):
        raise bad("no string 'id'")
    for key in ("summary", "article"):
        if key in row and not isinstance(row[key], dict):
            raise bad(f"'{key}' is not an object")
    teasers = row.get("teasers", [])
    if not isinstance(teasers, list) or not all(isinstance(t, dict) and isinstance(t.get("text", ""), str) for t in teasers):
        raise bad("'teasers' is not a list of objects with a text")
    for item in [row.get("article", {}), *teasers]:
        topic, sentiment = item.get("topic"), item.get("sentiment")
        if topic is not None and not (isinstance(topic, dict) and isinstance(topic.get("label"), str) and isinstance(topic.get("scores", {}), dict)):
            raise bad("a topic without a label")
        if sentiment is not None and not (
            isinstance(sentiment, dict) and isinstance(sentiment.get("label"), str) and isinstance(sentiment.get("score"), (int, float))
        ):
            raise bad("a sentiment without a label and a score")


def _run_description(path: Path) -> RunInfo | None:
    """`<records>.run.json`, if there and readable (this version's RunInfo or an earlier run.json):
    the page's overview of the run (a damaged one is left out, with a note, rather than stopping
    the page)."""
    if not path.is_file():
        return None
    try:
        return RunInfo.read(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, InputError) as exc:
        print(f"nlp: note: {path} is not readable ({str(exc)[:80]}); the page leaves the run's description out", file=sys.stderr)
        return None


def _run_inputs(run: RunInfo | None) -> list[str] | None:
    """The run's inputs when every one is a local path still on disk (a URL would be fetched
    again: the page then leaves the leads out)."""
    refs = (run.input if run else None) or []
    if refs and all(not is_url(r) and Path(r).exists() for r in refs):
        return refs
    return None


def write_report(records_path: Path, out: Path, *, input_path: Path | None = None, title: str | None = None, encoding: str | None = None) -> Path:
    """`nlp report`: the page for a records file, with its run's description when
    `<records>.run.json` is there and its leads when `input_path` is given (or the run's input
    still is)."""
    records = read_records(records_path)
    described = RunFiles(records_path).description
    run = _run_description(described)
    settings = (run.config if run else None) or {}
    source = [str(input_path)] if input_path else _run_inputs(run)
    check_output(out, [records_path, described, *(source or [])], what="nlp report", records_too=True)
    leads = None
    if source:
        encoding = encoding or str(settings.get("input_encoding") or "utf-8")  # the run's own
        with closing(Inputs(source, encoding)) as inputs:
            leads = lead_sentences(inputs)
    index = (settings.get("stories") or {}).get("path")
    page = render_html(records, run=run, leads=leads, title=title, stories_index=Path(index) if index else None)
    try:
        write_atomically(out, page)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from exc
    return out
