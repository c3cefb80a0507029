"""Rich renderings of records for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text


def _sentiment(s: dict[str, Any] | None) -> Text:
    if not s:
        return Text("")
    style = {"positive": "green", "negative": "red"}.get(s["label"], "yellow")
    return Text(f"{s['label']} {s['score']:+.2f}", style=style)


def record_view(record: dict[str, Any]) -> Panel:
    """A panel: the summary, the article's topic and sentiment, and a table of teasers."""
    title = f"{record['id']}" + (f" · {record['source']}" if record.get("source") else "")
    if record.get("error"):
        return Panel(Text(record["error"], style="red"), title=title)
    parts: list[Any] = []
    if "summary" in record:
        parts.append(Text("Summary: ", style="bold") + Text(record["summary"]["text"]))
    article = record.get("article", {})
    line = Text("Article: ", style="bold")
    if "topic" in article:
        line += Text(f"topic {article['topic']['label']}  ")
    line += _sentiment(article.get("sentiment"))
    parts.append(line)
    if record.get("teasers"):
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("teaser", no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column("topic", no_wrap=True)
        table.add_column("sentiment", no_wrap=True)
        for t in record["teasers"]:
            topic = t.get("topic")
            topic_text = f"{topic['label']} {topic['scores'][topic['label']]:.2f}" if topic else ""
            table.add_row(str(t["index"]), t["text"], topic_text, _sentiment(t.get("sentiment")))
        parts.append(table)
    return Panel(Group(*parts), title=title)
