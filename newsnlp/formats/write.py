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
from newsnlp.records import Record, sentiment_text, topic_text


def write_records(records: Iterator[Record], out: TextIO, fmt: str, about: dict[str, Any] | None = None, leads_from: Inputs | None = None) -> None:
    """Records as a JSON array, CSV (one row per teaser) or Markdown (headed by `about`, the
    run's title, date and config), streaming; or the HTML page (newsnlp.report), with the leads of
    `leads_from`, the run's input."""
    if fmt == "html":
        from newsnlp.formats.html import lead_sentences, render_html  # Jinja2, when a page is asked for

        out.write(render_html(records, run=about, leads=lead_sentences(leads_from) if leads_from else None))
        return
    writer: csv.DictWriter | None = None
    if fmt == "json":
        out.write("[")
    elif fmt == "md":
        out.write(markdown_header(about or {}))
    for i, record in enumerate(records):
        if fmt == "json":
            out.write(("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False, indent=2))
        elif fmt == "csv":
            rows = csv_rows(record)
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore")
                writer.writeheader()
            writer.writerows(rows)
        else:
            out.write(markdown_page(record))
    if fmt == "json":
        out.write("\n]\n")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A text cell a spreadsheet will not run: scraped text starting like a formula (`=`, `+`,
    `-`, `@`, tab, CR) gets a leading `'`, as OWASP recommends. Numbers stay numbers."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_rows(record: Record) -> list[dict[str, Any]]:
    """One row per teaser (one row with empty teaser fields for a page without teasers); text
    cells neutralised against formula injection (`csv_text`)."""
    rows = [{key: csv_text(value) if key in CSV_TEXT_COLUMNS else value for key, value in row.items()} for row in _csv_rows(record)]
    return rows


CSV_TEXT_COLUMNS = ("id", "source", "title", "summary", "teaser", "error")


def _csv_rows(record: Record) -> list[dict[str, Any]]:
    article = record.get("article", {})
    base = {
        "id": record["id"],
        "source": record.get("source") or "",
        "title": record.get("title") or "",
        "summary": record.get("summary", {}).get("text", ""),
        "article_topic": article.get("topic", {}).get("label", ""),
        "article_sentiment": article.get("sentiment", {}).get("label", ""),
        "article_sentiment_score": article.get("sentiment", {}).get("score", ""),
        "error": record.get("error", ""),
    }
    rows = []
    for teaser in record.get("teasers") or [{}]:
        row = dict(base, teaser_index=teaser.get("index", ""), teaser=teaser.get("text", ""))
        topic = teaser.get("topic", {})
        row["topic"] = topic.get("label", "")
        for label, score in topic.get("scores", {}).items():
            row[f"topic_{label}"] = score
        row["sentiment"] = teaser.get("sentiment", {}).get("label", "")
        row["sentiment_score"] = teaser.get("sentiment", {}).get("score", "")
        rows.append(row)
    return rows


def _one_line(text: Any) -> str:
    """Text for a Markdown heading or table cell: a newline in it would end the heading or row."""
    return " ".join(str(text).split())


def markdown_header(about: dict[str, Any]) -> str:
    """The page's title, when and by what it was written, and the config essentials."""
    lines = [f"# {_one_line(about.get('title') or 'News records')}"]
    if about.get("written"):
        lines.append(f"Written {about['written']} by nlp {about.get('version', '')}; encoder {about.get('encoder', '?')}.")
    tasks = []
    if "summarize" in about:
        s = about["summarize"]
        tasks.append(f"summaries: {s['method']}" + (f", {s['sentences']} sentences" if s.get("sentences") else ""))
    if "topics" in about:
        t = about["topics"]
        tasks.append(f"topics: {t['method']} over {', '.join(t['labels'])}; `{t['other']}` when the best label scores under {t['threshold']:g}")
    if "sentiment" in about:
        tasks.append(f"sentiment: {about['sentiment']['method']}")
    if tasks:
        lines.append("Config: " + "; ".join(tasks) + ".")
    return "\n\n".join(lines) + "\n\n"


def markdown_page(record: Record) -> str:
    """A readable report of one page: its title, id and source, the summary, the article's topic
    and sentiment, and a teaser table (an abstention shows the best label and the threshold)."""
    out = io.StringIO()
    out.write(f"## {_one_line(record.get('title') or record['id'])}\n\n")
    out.write(
        " · ".join(f"`{_one_line(v)}`" if k == "id" else _one_line(v) for k, v in (("id", record["id"]), ("source", record.get("source"))) if v)
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
            text = _one_line(t["text"]).replace("|", "\\|")
            topic = topic_text(t["topic"]) if "topic" in t else ""
            sentiment = sentiment_text(t["sentiment"]) if "sentiment" in t else ""
            out.write(f"| {t['index']} | {text} | {topic} | {sentiment} |\n")
        out.write("\n")
    return out.getvalue()
