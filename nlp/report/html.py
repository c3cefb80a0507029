"""The run as a page a person opens: one self-contained HTML file (inline CSS, JS and SVG, nothing
fetched), an overview of the run, then every document with its summary, topics and sentiment,
filters, and pages of 50 documents so 10,000 documents open in seconds.

Texts are untrusted: the page shell is rendered by Jinja2 with autoescape, and the records travel
as JSON inside a `<script type="application/json">` (with `<`, `>` and `&` escaped) that the
page's script renders with `textContent`, never as markup.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup

from nlp.documents import Inputs, unique_ids
from nlp.documents.fetch import is_url
from nlp.engine.job import run_path
from nlp.engine.output import check_output
from nlp.errors import InputError
from nlp.records import Record

SIGNS = ("negative", "neutral", "positive")


def render_html(
    records: Iterable[Record], *, run: Mapping[str, Any] | None = None, leads: Mapping[str, list[str]] | None = None, title: str | None = None
) -> str:
    """The page for `records`; `run`: the run's description (`<output>.run.json`, or the run's
    own `describe_run`), shown in the overview; `leads`: each document's lead sentences by id
    (the summary's sentences are highlighted in them). Parts without their source say so."""
    items = list(records)
    rows = [_compact(record, leads) for record in items]
    about = dict(run or {})
    return template("report.html.j2").render(
        title=title or about.get("title") or "nlp run",
        run=about,
        overview=overview(items),
        has_leads=leads is not None,
        data=Markup(_script_json({"records": rows, "labels": _labels(items, about)})),
    )


@cache
def template(name: str) -> Template:
    """A page template of `nlp/report/templates`, autoescaped (every page this package writes)."""
    env = Environment(
        loader=PackageLoader("nlp.report", "templates"), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template(name)


def overview(records: list[Record]) -> dict[str, Any]:
    """Counts for the top of the page: documents, teasers, errors, warnings; teasers per topic;
    the sentiment of each topic's teasers."""
    teasers = [t for r in records for t in r.get("teasers", [])]
    per_topic: Counter[str] = Counter(t["topic"]["label"] for t in teasers if "topic" in t)
    sentiment: dict[str, Counter[str]] = {label: Counter() for label in per_topic}
    for t in teasers:
        if "topic" in t and "sentiment" in t:
            sentiment[t["topic"]["label"]][t["sentiment"]["label"]] += 1
    bars = []
    widest = max((sum(c.values()) for c in sentiment.values()), default=0) or 1
    for label, count in per_topic.most_common():
        x = 0.0
        parts = []
        for sign in SIGNS:
            width = 300 * sentiment[label][sign] / widest
            parts.append({"sign": sign, "x": round(x, 1), "width": round(width, 1), "n": sentiment[label][sign]})
            x += width
        bars.append({"label": label, "teasers": count, "parts": parts})
    return {
        "documents": len(records),
        "teasers": len(teasers),
        "errors": sum("error" in r for r in records),
        "warnings": sum(len(r.get("warnings", [])) for r in records),
        "bars": bars,
    }


def _compact(record: Record, leads: Mapping[str, list[str]] | None) -> dict[str, Any]:
    """What the page's script reads of a record (and its lead's sentences, when known)."""
    fields: dict[str, Any] = dict(record)
    out: dict[str, Any] = {k: fields[k] for k in ("id", "source", "title", "published", "error", "warnings") if k in fields}
    if is_url(str(fields.get("url", ""))):  # http(s) only: the page links it
        out["url"] = fields["url"]
    if "summary" in record:
        out["summary"] = {"text": record["summary"].get("text", ""), "chosen": [s["index"] for s in record["summary"].get("sentences", [])]}
    out["article"] = record.get("article", {})
    out["teasers"] = [{k: v for k, v in t.items() if k != "url" or is_url(str(v))} for t in record.get("teasers", [])]
    if leads is not None and record.get("id") in leads:
        out["lead"] = leads[record["id"]]
    return out


def _labels(records: list[Record], run: Mapping[str, Any]) -> list[str]:
    labels = list(run.get("topics", {}).get("labels", []))
    for r in records:
        for item in [r.get("article", {}), *r.get("teasers", [])]:
            for name in item.get("topic", {}).get("scores", {}) if isinstance(item, dict) else []:
                if name not in labels:
                    labels.append(name)
    return labels


def _script_json(data: Any) -> str:
    """JSON that cannot end its <script> element or open markup: <, > and & escaped."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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


def lead_sentences(inputs: Inputs) -> dict[str, list[str]]:
    """Each input document's lead sentences by id (ids made unique as `nlp run --on-duplicate
    suffix` does, which equals `error`'s ids where there are no duplicates)."""
    return {doc.id: doc.sentences() for doc in unique_ids(inputs.documents(), "suffix") if not doc.error}


def _run_description(path: Path) -> dict[str, Any] | None:
    """`<records>.run.json`, if there and readable: the page's overview of the run (a damaged
    one is left out, with a note, rather than stopping the page)."""
    if not path.is_file():
        return None
    try:
        described = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        print(f"nlp: note: {path} is not readable ({str(exc)[:80]}); the page leaves the run's description out", file=sys.stderr)
        return None
    return described if isinstance(described, dict) else None


def _run_inputs(run: dict[str, Any] | None) -> list[str] | None:
    """The run's inputs when every one is a local path still on disk (a URL would be fetched
    again: the page then leaves the leads out)."""
    given = (run or {}).get("input")
    refs = [given] if isinstance(given, str) else given if isinstance(given, list) else []
    if refs and all(isinstance(r, str) and not is_url(r) and Path(r).exists() for r in refs):
        return refs
    return None


def write_report(records_path: Path, out: Path, *, input_path: Path | None = None, title: str | None = None, encoding: str | None = None) -> Path:
    """`nlp report`: the page for a records file, with its run's description when
    `<records>.run.json` is there and its leads when `input_path` is given (or the run's input
    still is)."""
    records = read_records(records_path)
    described = run_path(records_path)
    run = _run_description(described)
    source = [str(input_path)] if input_path else _run_inputs(run)
    check_output(out, [records_path, described, *(source or [])], what="nlp report", records_too=True)
    leads = None
    if source:
        encoding = encoding or str(((run or {}).get("config") or {}).get("input_encoding") or "utf-8")  # the run's own
        with closing(Inputs(source, encoding)) as inputs:
            leads = lead_sentences(inputs)
    page = render_html(records, run=(run or {}).get("about", run), leads=leads, title=title)
    staging = out.with_name(out.name + ".writing")
    try:
        staging.write_text(page, encoding="utf-8")
        staging.replace(out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from exc
    finally:
        staging.unlink(missing_ok=True)
    return out
