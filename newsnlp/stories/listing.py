"""`nlp stories`' listing: the stories of an index, largest and newest first, as JSONL, JSON, CSV,
Markdown or one HTML page (each story a row: name, sources, first seen, topic, sentiment spread,
its members with links); `newsnlp.jobs.stories` writes it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from newsnlp.stories.index import StoryIndex

FORMATS = ("jsonl", "json", "csv", "md", "html")


def list_stories(index_path: Path) -> list[dict[str, Any]]:
    index = StoryIndex.reading(index_path)
    try:
        return index.listing()
    finally:
        index.close()


def render(stories: list[dict[str, Any]], fmt: str, title: str = "Stories") -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in stories)
    if fmt == "json":
        return json.dumps(stories, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["story", "name", "size", "sources", "first_seen", "last_seen", "topic", "sentiment_min", "sentiment_mean", "sentiment_max"])
        for s in stories:
            spread = s.get("sentiment") or {}
            name = "'" + s["name"] if s["name"].startswith(("=", "+", "-", "@")) else s["name"]  # no spreadsheet formula
            writer.writerow(
                [
                    s["story"],
                    name,
                    s["size"],
                    s["sources"],
                    s["first_seen"],
                    s["last_seen"],
                    s["topic"] or "",
                    spread.get("min", ""),
                    spread.get("mean", ""),
                    spread.get("max", ""),
                ]
            )
        return buffer.getvalue()
    if fmt == "md":
        lines = [
            f"# {title}",
            "",
            "| story | name | size | sources | first seen | topic | sentiment (min / mean / max) |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in stories:
            spread = s.get("sentiment") or {}
            cells = [
                s["story"],
                " ".join(s["name"].split()).replace("|", "\\\\|"),
                str(s["size"]),
                str(s["sources"]),
                s["first_seen"],
                s["topic"] or "",
            ]
            cells.append(f"{spread['min']:+.2f} / {spread['mean']:+.2f} / {spread['max']:+.2f}" if spread else "")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    from newsnlp.formats.html import template

    return template("stories.html.j2").render(title=title, stories=stories)
