"""`nlp summarize`: one page's summary (Pipeline.process with the other tasks off)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import ConfigOpt, SetOpt, config_from_cli, friendly_errors
from newsnlp.documents import iter_documents
from newsnlp.engine.pipeline import Pipeline


def summarize_cli(
    file: Path = typer.Argument(..., help="A news page .txt (or .jsonl: its first document)."),
    config: Optional[Path] = ConfigOpt,
    sentences: Optional[int] = typer.Option(None, "--sentences", "-n", help="How many sentences."),
    sets: Optional[list[str]] = SetOpt,
) -> None:
    """Summarize the lead article of one page."""
    with friendly_errors():
        cfg = config_from_cli(config, sets, {"tasks.summarize.sentences": sentences, "tasks.topics.enabled": False, "tasks.sentiment.enabled": False})
        record = next(Pipeline(cfg).process(iter_documents(file)))
    summary = record.get("summary", {})
    for line in [s["text"] for s in summary.get("sentences", [])] or [summary.get("text", "")]:  # extractive: a sentence a line
        typer.echo(line)
