"""`nlp read`: parse inputs into documents, no model loaded (newsnlp.jobs.read.read_job)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import EXIT_SOME_FAILED, ConfigOpt, SetOpt, config_from_cli, err, friendly_errors
from newsnlp.records import plural


def read_cli(
    inputs: list[str] = typer.Argument(..., help="Pages (.txt, .html), feeds, .jsonl files, folders, http(s) URLs or files of URLs."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The JSONL file to write (default: stdout)."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of text pages and JSONL (default utf-8), e.g. latin-1."),
) -> None:
    """Read pages, feeds and URLs into documents (id, url, title, published, source, author,
    lead, teasers with their urls) as JSONL, without loading a model. Exit 3: written, but some
    documents failed (each line's `error`)."""
    from newsnlp.jobs.read import read_job

    with friendly_errors():
        cfg = config_from_cli(config, sets, {"input": inputs, "input_encoding": encoding})
        result = read_job(cfg, output, say=lambda line: err.print(line, highlight=False, soft_wrap=True))
    errors = f" ({plural(result.errors, 'error')})" if result.errors else ""
    err.print(f"read {plural(result.documents, 'document')}{errors}" + (f" to {output}" if output else ""), highlight=False)
    if result.errors:
        raise typer.Exit(EXIT_SOME_FAILED)
