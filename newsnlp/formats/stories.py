"""The report's Stories view: the stories a run's records carry (`story` on documents and
teasers), each a row (name, sources, first seen, topic, sentiment spread) that opens to its
members with their links. Names come from the story index when the run's is still there (the most
central member), else from the story's first member."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from newsnlp.records import Record


def stories_view(records: list[Record], index: Path | None = None) -> list[dict[str, Any]]:
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
    from newsnlp.errors import NlpError
    from newsnlp.stories.index import StoryIndex

    try:
        opened = StoryIndex.reading(index)
    except NlpError:
        return {}
    try:
        return dict(opened.db.execute("SELECT id, name FROM stories").fetchall())
    finally:
        opened.close()
