"""Stories as a person reads them. `nlp stories`: an index's listing (`list_stories`) as JSONL,
JSON, CSV, Markdown or one HTML page (`render_stories`). The report's Stories view: the stories a run's
records carry (`story` on documents and teasers), each a row (name, sources, first seen, topic,
sentiment spread) that opens to its members with their links; names come from the story index
when the run's is still there (the most central member), else from the story's first member."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from newsnlp.errors import NlpError
from newsnlp.formats.cells import csv_cell, md_cell, one_line
from newsnlp.formats.jinja import template
from newsnlp.records import Record
from newsnlp.stories.index import StoryIndex

STORY_FORMATS = ("jsonl", "json", "csv", "md", "html")
STORY_COLUMNS = ("story", "name", "size", "sources", "first_seen", "last_seen", "topic", "sentiment_min", "sentiment_mean", "sentiment_max")


def list_stories(index_path: Path) -> list[dict[str, Any]]:
    """An index's stories, largest and newest first, with their members (`StoryIndex.listing`)."""
    index = StoryIndex.reading(index_path)
    try:
        return index.listing()
    finally:
        index.close()


def render_stories(stories: list[dict[str, Any]], fmt: str, title: str = "Stories") -> str:
    """`StoryIndex.listing()` in one of STORY_FORMATS (a CSV or Markdown row per story; JSON,
    JSONL and the page keep the members)."""
    if fmt == "jsonl":
        return "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in stories)
    if fmt == "json":
        return json.dumps(stories, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        return stories_csv(stories)
    if fmt == "md":
        return stories_markdown(stories, title)
    return template("stories.html.j2").render(title=title, stories=stories)


def stories_csv(stories: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STORY_COLUMNS)
    for s in stories:
        spread = s.get("sentiment") or {}
        row = [s["story"], s["name"], s["size"], s["sources"], s["first_seen"], s["last_seen"], s["topic"] or ""]
        writer.writerow([csv_cell(cell) for cell in [*row, spread.get("min", ""), spread.get("mean", ""), spread.get("max", "")]])
    return buffer.getvalue()


def stories_markdown(stories: list[dict[str, Any]], title: str) -> str:
    lines = [
        f"# {one_line(title)}",
        "",
        "| story | name | size | sources | first seen | topic | sentiment (min / mean / max) |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in stories:
        spread = s.get("sentiment") or {}
        cells = [s["story"], s["name"], s["size"], s["sources"], s["first_seen"], s["topic"] or ""]
        cells.append(f"{spread['min']:+.2f} / {spread['mean']:+.2f} / {spread['max']:+.2f}" if spread else "")
        lines.append("| " + " | ".join(md_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def stories_view(records: list[Record], index: Path | None = None) -> list[dict[str, Any]]:
    """The Stories view's rows, largest first, from the records' `story` keys."""
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        seen = record.get("published") or record.get("fetched") or ""
        if record.get("story"):
            article = record.get("article", {})
            members[record["story"]].append(_member(record.get("title") or record["id"], record.get("url"), record.get("source"), seen, article))
        for teaser in record.get("teasers", []):
            if teaser.get("story"):
                members[teaser["story"]].append(
                    _member(teaser["text"], teaser.get("url"), record.get("source"), teaser.get("published") or seen, teaser)
                )
    names = _index_names(index) if index is not None else {}
    rows: list[dict[str, Any]] = []
    for story, items in members.items():
        scores = [m["sentiment"] for m in items if m["sentiment"] is not None]
        topics = Counter(m["topic"] for m in items if m["topic"])
        dates = sorted(m["seen"] for m in items if m["seen"])
        rows.append(
            {
                "story": story,
                "name": names.get(story) or items[0]["text"],
                "size": len(items),
                "sources": len({m["source"] for m in items if m["source"]}),
                "first_seen": dates[0] if dates else "",
                "topic": topics.most_common(1)[0][0] if topics else "",
                "sentiment": (min(scores), sum(scores) / len(scores), max(scores)) if scores else None,
                "members": items,
            }
        )
    rows.sort(key=lambda row: (-int(row["size"]), str(row["first_seen"]), str(row["story"])))
    return rows


def _member(text: str, url: str | None, source: str | None, seen: str, result: Any) -> dict[str, Any]:
    return {
        "text": text,
        "url": url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None,
        "source": source,
        "seen": seen,
        "topic": result.get("topic", {}).get("label"),
        "sentiment": result.get("sentiment", {}).get("score"),
    }


def _index_names(index: Path) -> dict[str, str]:
    """Each story's name in the run's index; none when it is gone or unreadable (the page says
    each story by its first member then)."""
    try:
        opened = StoryIndex.reading(index)
    except NlpError:
        return {}
    try:
        return opened.names()
    except NlpError:
        return {}
    finally:
        opened.close()
