"""The run as a page a person opens: one self-contained HTML file (inline CSS, JS and SVG, nothing
fetched), an overview of the run, then every document with its summary, topics and sentiment,
filters, and pages of 50 documents so 10,000 documents open in seconds.

Texts are untrusted: the page shell is rendered by Jinja2 with autoescape, and the records travel
as JSON inside a `<script type="application/json">` (with `<`, `>` and `&` escaped) that the
page's script renders with `textContent`, never as markup.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from newsnlp.documents import Inputs, unique_ids
from newsnlp.documents.fetch import is_url
from newsnlp.formats.jinja import template
from newsnlp.formats.stories import stories_view
from newsnlp.records import Record
from newsnlp.run_info import RunInfo, readable_time

SIGNS = ("negative", "neutral", "positive")


def render_html(
    records: Iterable[Record],
    *,
    run: RunInfo | None = None,
    leads: Mapping[str, list[str]] | None = None,
    title: str | None = None,
    stories_index: Path | None = None,
) -> str:
    """The page for `records`; `run`: the run's description (`<output>.run.json`, or the run's
    own `describe_run`), shown in the overview; `leads`: each document's lead sentences by id
    (the summary's sentences are highlighted in them). Parts without their source say so."""
    items = list(records)
    rows = [_compact(record, leads) for record in items]
    return template("report.html.j2").render(
        title=title or (run.title if run else None) or "nlp run",
        run=run,
        when=readable_time(run.started) if run else "",
        overview=overview(items),
        stories=stories_view(items, stories_index),
        has_leads=leads is not None,
        data=Markup(_script_json({"records": rows, "labels": _labels(items, run)})),
    )


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


def _labels(records: list[Record], run: RunInfo | None) -> list[str]:
    topics = run.tasks.get("topics") if run else None
    labels = list(topics.labels or []) if topics else []
    for r in records:
        for item in [r.get("article", {}), *r.get("teasers", [])]:
            for name in item.get("topic", {}).get("scores", {}) if isinstance(item, dict) else []:
                if name not in labels:
                    labels.append(name)
    return labels


def _script_json(data: Any) -> str:
    """JSON that cannot end its <script> element or open markup: <, > and & escaped."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def lead_sentences(inputs: Inputs) -> dict[str, list[str]]:
    """Each input document's lead sentences by id (ids made unique as `nlp run --on-duplicate
    suffix` does, which equals `error`'s ids where there are no duplicates)."""
    return {doc.id: doc.sentences() for doc in unique_ids(inputs.documents(), "suffix") if not doc.error}
