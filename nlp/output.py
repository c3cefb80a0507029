"""Record writers (jsonl, json, csv, md), all atomic: they write `<output>.partial` and rename it
to `<output>` only when the run completes, so a failed run never leaves a half-written output."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


class RecordWriter:
    """Context manager: `write(record)` per record; renamed into place on a clean exit."""

    def __init__(self, path: str | Path, fmt: str) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.tmp = partial_path(self.path)
        self.count = 0
        self._handle: TextIO | None = None
        self._csv: csv.DictWriter | None = None

    def __enter__(self) -> "RecordWriter":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.tmp.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(f"cannot write output {self.path}: {exc.strerror}; choose another --output") from exc
        if self.fmt == "json":
            self._handle.write("[")
        return self

    def write(self, record: dict[str, Any]) -> None:
        handle = self._handle
        assert handle is not None
        if self.fmt == "jsonl":
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.fmt == "json":
            handle.write(("," if self.count else "") + "\n" + json.dumps(record, ensure_ascii=False, indent=2))
        elif self.fmt == "csv":
            rows = csv_rows(record)
            if self._csv is None:
                self._csv = csv.DictWriter(handle, fieldnames=list(rows[0]), extrasaction="ignore")
                self._csv.writeheader()
            self._csv.writerows(rows)
        else:
            handle.write(markdown_page(record))
        handle.flush()
        self.count += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        handle = self._handle
        assert handle is not None
        if exc_type is None and self.fmt == "json":
            handle.write("\n]\n")
        handle.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def csv_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per teaser (one row with empty teaser fields for a page without teasers)."""
    article = record.get("article", {})
    base = {
        "id": record["id"],
        "source": record.get("source") or "",
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


def markdown_page(record: dict[str, Any]) -> str:
    """A readable report of one page: summary, article topic and sentiment, a teaser table."""
    out = io.StringIO()
    source = f" ({record['source']})" if record.get("source") else ""
    out.write(f"## {record['id']}{source}\n\n")
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
        facts.append(f"sentiment **{article['sentiment']['label']}** ({article['sentiment']['score']:+.2f})")
    if facts:
        out.write("Article: " + ", ".join(facts) + "\n\n")
    if record.get("teasers"):
        out.write("| # | teaser | topic | sentiment |\n|---|---|---|---|\n")
        for t in record["teasers"]:
            text = t["text"].replace("|", "\\|")
            topic = f"{t['topic']['label']} ({max(t['topic']['scores'].values()):.2f})" if "topic" in t else ""
            sentiment = f"{t['sentiment']['label']} ({t['sentiment']['score']:+.2f})" if "sentiment" in t else ""
            out.write(f"| {t['index']} | {text} | {topic} | {sentiment} |\n")
        out.write("\n")
    return out.getvalue()
