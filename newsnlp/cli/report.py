"""`nlp report`: a records file as one self-contained HTML page (newsnlp.report.write_report)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import err, friendly_errors


def report_cli(
    records: Path = typer.Argument(..., help="A records file nlp run wrote (.jsonl or .json).", dir_okay=False),
    input: Optional[Path] = typer.Option(
        None, "--input", "-i", help="The run's input, to show each lead (default: the input named in <records>.run.json, if it is still there)."
    ),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The page to write (default: <records> with .html)."),
    title: Optional[str] = typer.Option(None, "--title", help="The page's title."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of the input (default: the run's, from <records>.run.json)."),
) -> None:
    """Render a run's records as one HTML page: overview, filters, every document."""
    from newsnlp.report import write_report

    with friendly_errors():
        written = write_report(records, out or records.with_suffix(".html"), input_path=input, title=title, encoding=encoding)
    err.print(f"wrote {written}", highlight=False)
