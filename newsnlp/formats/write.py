"""Records in the formats a person opens: a JSON array, CSV (one row per teaser, text cells that a
spreadsheet will not run), Markdown (headed by the run's title, date and config), and the HTML
page; streaming, written by the engine when a run's journal is finalised."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, TextIO

from newsnlp.documents import Inputs
from newsnlp.formats.cells import csv_cell, md_cell, one_line
from newsnlp.records import Record, sentiment_text, topic_text
from newsnlp.run_info import RunInfo, readable_time


def write_records(records: Iterator[Record], out: TextIO, fmt: str, about: RunInfo | None = None, leads_from: Inputs | None = None) -> None:
    """Records as a JSON array, CSV (one row per teaser) or Markdown (headed by `about`, the
    run's title, date and config), streaming; or the HTML page (newsnlp.report), with the leads of
    `leads_from`, the run's input."""
    if fmt == "html":
        from newsnlp.formats.html import lead_sentences, render_html  # Jinja2, when a page is asked for

        out.write(render_html(records, run=about, leads=lead_sentences(leads_from) if leads_from else None))
    elif fmt == "json":
        out.write("[")
        for i, record in enumerate(records):
            out.write(("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False, indent=2))
        out.write("\n]\n")
    elif fmt == "csv":
        write_csv(records, out, about)
    else:
        out.write(markdown_header(about))
        out.writelines(markdown_page(record) for record in records)


def write_csv(records: Iterator[Record], out: TextIO, about: RunInfo | None = None) -> None:
    """One row per teaser; a `topic_<label>` column per label of the run (`about`), else per
    label the first record scored."""
    writer: csv.DictWriter | None = None
    for record in records:
        rows = csv_rows(record)
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=csv_fields(rows[0], about), extrasaction="ignore", restval="")
            writer.writeheader()
        writer.writerows(rows)


DOCUMENT_COLUMNS = (
    "id",
    "url",
    "source",
    "title",
    "published",
    "story",
    "summary",
    "article_topic",
    "article_sentiment",
    "article_sentiment_score",
    "error",
)
TEASER_COLUMNS = ("teaser_index", "teaser", "teaser_url", "teaser_published", "teaser_story", "topic")


def csv_fields(first: dict[str, Any], about: RunInfo | None) -> list[str]:
    """The header: the document's and teaser's columns, each topic label's score, the sentiment.
    The labels are the run's where known: a first record without scores (an error, no teasers)
    would otherwise leave every later record's scores out."""
    topics = about.tasks.get("topics") if about else None
    if topics is not None and topics.labels:
        scored = [f"topic_{label}" for label in topics.labels]
    else:
        scored = [key for key in first if key.startswith("topic_")]
    return [*DOCUMENT_COLUMNS, *TEASER_COLUMNS, *scored, "sentiment", "sentiment_score"]


def csv_rows(record: Record) -> list[dict[str, Any]]:
    """One row per teaser (one row with empty teaser fields for a page without teasers); every
    cell through `csv_cell`, so no text starts a formula."""
    article = record.get("article", {})
    base = {
        "id": record["id"],
        "url": record.get("url", ""),
        "source": record.get("source") or "",
        "title": record.get("title") or "",
        "published": record.get("published", ""),
        "story": record.get("story", ""),
        "summary": record.get("summary", {}).get("text", ""),
        "article_topic": article.get("topic", {}).get("label", ""),
        "article_sentiment": article.get("sentiment", {}).get("label", ""),
        "article_sentiment_score": article.get("sentiment", {}).get("score", ""),
        "error": record.get("error", ""),
    }
    rows = []
    for teaser in record.get("teasers") or [{}]:
        row = dict(base, teaser_index=teaser.get("index", ""), teaser=teaser.get("text", ""))
        row.update(teaser_url=teaser.get("url", ""), teaser_published=teaser.get("published", ""), teaser_story=teaser.get("story", ""))
        topic = teaser.get("topic", {})
        row["topic"] = topic.get("label", "")
        for label, score in topic.get("scores", {}).items():
            row[f"topic_{label}"] = score
        row["sentiment"] = teaser.get("sentiment", {}).get("label", "")
        row["sentiment_score"] = teaser.get("sentiment", {}).get("score", "")
        rows.append({key: csv_cell(value) for key, value in row.items()})
    return rows


def markdown_header(about: RunInfo | None) -> str:
    """The page's title, when and by what it was written, and the config essentials."""
    lines = [f"# {one_line((about.title if about else None) or 'News records')}"]
    if about is None:
        return lines[0] + "\n\n"
    if about.started:
        lines.append(f"Written {readable_time(about.started)} by nlp {about.version}; encoder {about.encoder}.")
    tasks = []
    if "summarize" in about.tasks:
        s = about.tasks["summarize"]
        tasks.append(f"summaries: {s.method}" + (f", {s.sentences} sentences" if s.sentences else ""))
    if "topics" in about.tasks:
        t = about.tasks["topics"]
        tasks.append(f"topics: {t.method} over {', '.join(t.labels or [])}; `{t.other}` when the best label scores under {t.threshold or 0:g}")
    if "sentiment" in about.tasks:
        tasks.append(f"sentiment: {about.tasks['sentiment'].method}")
    if tasks:
        lines.append("Config: " + "; ".join(tasks) + ".")
    return "\n\n".join(lines) + "\n\n"


def markdown_page(record: Record) -> str:
    """A readable report of one page: its title, id and source, the summary, the article's topic
    and sentiment, and a teaser table (an abstention shows the best label and the threshold)."""
    out = io.StringIO()
    out.write(f"## {one_line(record.get('title') or record['id'])}\n\n")
    out.write(
        " · ".join(f"`{one_line(v)}`" if k == "id" else one_line(v) for k, v in (("id", record["id"]), ("source", record.get("source"))) if v)
        + "\n\n"
    )
    if record.get("error"):
        out.write(f"**Error:** {record['error']}\n\n")
        return out.getvalue()
    if "summary" in record:
        out.write("**Summary.** " + record["summary"]["text"] + "\n\n")
    article = record.get("article", {})
    facts = []
    if "topic" in article:
        facts.append(f"topic **{article['topic']['label']}**")
    if "sentiment" in article:
        facts.append(f"sentiment **{sentiment_text(article['sentiment'])}**")
    if facts:
        out.write("Article: " + ", ".join(facts) + "\n\n")
    if record.get("teasers"):
        out.write("| # | teaser | topic | sentiment |\n|---|---|---|---|\n")
        for t in record["teasers"]:
            topic = topic_text(t["topic"]) if "topic" in t else ""
            sentiment = sentiment_text(t["sentiment"]) if "sentiment" in t else ""
            out.write(f"| {t.get('index', '')} | {md_cell(t['text'])} | {md_cell(topic)} | {md_cell(sentiment)} |\n")
        out.write("\n")
    return out.getvalue()
