"""`nlp stories`: list the stories of an index (newsnlp.report.stories.write_stories)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import err, friendly_errors
from newsnlp.records import plural


def stories_cli(
    index: Path = typer.Argument(..., help="A story index nlp run --stories (or nlp watch, or nlp serve) built.", dir_okay=False),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the listing (default: stdout)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="jsonl | json | csv | md | html (default: the --output suffix, else jsonl)."),
) -> None:
    """List the stories of an index, largest and newest first: name, size, sources, first and last seen, topic, sentiment spread, members."""
    from newsnlp.report.stories import write_stories

    with friendly_errors():
        chosen = fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else "jsonl")
        count = write_stories(index, output, chosen)
    if output:
        err.print(f"wrote {plural(count, 'story')} to {output} ({chosen})", highlight=False)
