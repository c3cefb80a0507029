"""`nlp run`: the main job (newsnlp.jobs.run.run_job, or run_ray with --engine ray)."""

from __future__ import annotations

import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn, Optional

import typer

from newsnlp.cli.common import EXIT_SOME_FAILED, SetOpt, config_from_cli, err, friendly_errors, out
from newsnlp.cli.display import record_view
from newsnlp.config import OUTPUT_FORMATS
from newsnlp.errors import ConfigError
from newsnlp.jobs.ray import run_ray
from newsnlp.jobs.run import run_job
from newsnlp.jobs.session import RunInterrupted
from newsnlp.jobs.signals import stop_on_signals
from newsnlp.records import plural

OutputChoice = Enum("OutputChoice", {name: name for name in OUTPUT_FORMATS}, type=str)  # type: ignore[misc]  # Typer needs an Enum; the names come from the schema


def run_cli(
    config: Path = typer.Argument(..., help="Run config YAML, e.g. configs/default.yaml.", dir_okay=False),
    input: Optional[list[str]] = typer.Option(
        None, "--input", "-i", help="A page (.txt, .html), a feed, a .jsonl file, a folder, an http(s) URL or a file of URLs; repeatable."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write records."),
    format: Optional[OutputChoice] = typer.Option(
        None,
        "--format",
        "-f",
        help="Output format; wins over the --output suffix and the config's output.format. Alone, it changes the config path's suffix.",
        case_sensitive=False,
    ),
    sets: Optional[list[str]] = SetOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table, only the closing line."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: skip the documents its <output>.partial holds."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of the input (default utf-8), e.g. latin-1."),
    on_duplicate: Optional[str] = typer.Option(None, "--on-duplicate", help="A repeated document id: error (default) | suffix (id#2)."),
    stories: Optional[Path] = typer.Option(None, "--stories", help="Group items reporting the same event into stories kept in this index (SQLite)."),
    engine: str = typer.Option(
        "local", "--engine", help="local | ray (Ray Data over the cluster in ray.address; pip install 'newsnlp\\[ray]')."
    ),  # escaped: Typer reads help as rich markup
) -> None:
    """Summarize, classify and score every document of the configured input. Exit 3: written,
    but some documents failed (each record's `error`, and a line on stderr)."""
    with friendly_errors():
        cfg = config_from_cli(config, sets, {"input": input, "input_encoding": encoding, "on_duplicate": on_duplicate, "stories.path": stories})
        cfg.output = cfg.output.chosen(output, format.value if format else None)  # --format, then the --output suffix, then the config
        if engine not in ("local", "ray"):
            raise ConfigError(f"--engine {engine}: expected local or ray")
        try:
            with stop_on_signals():
                result = run_ray(cfg, quiet=quiet, resume=resume) if engine == "ray" else run_job(cfg, resume=resume)
        except RunInterrupted as stop:
            say_interrupted(stop)
    if not quiet:
        for record in result.preview:
            out.print(record_view(record))
        if result.documents > len(result.preview):
            out.print(f"… and {result.documents - len(result.preview)} more documents")
    notes = [f"{result.resumed:,} from the interrupted run"] if result.resumed else []
    notes += [f"{plural(result.errors, 'error')}"] if result.errors else []
    extra = f" ({', '.join(notes)})" if notes else ""
    if result.not_read():
        err.print(f"note: {result.not_read()}", highlight=False)
    err.print(
        f"wrote {plural(result.documents + result.resumed, 'record')}{extra} to {result.output} ({result.format}) in {result.seconds:.1f}s",
        highlight=False,
    )
    if cfg.stories.path is not None:
        err.print(f"{plural(result.stories, 'story')} in {cfg.stories.path} (grouping took {result.stories_seconds:.1f}s)", highlight=False)
    if result.errors:
        raise typer.Exit(EXIT_SOME_FAILED)  # written, but some documents failed: each record's `error`


def say_interrupted(stop: RunInterrupted) -> NoReturn:
    """The line a stopped run ends with: the `--resume` command that continues it (or, before
    its first record, that there is nothing to resume); exit 130 (128 + the signal's number)."""
    if not stop.journal.exists():  # stopped before its first record: nothing to resume
        err.print("interrupted before any record was written; nothing to resume: run the same command again", highlight=False, soft_wrap=True)
        raise typer.Exit(stop.exit_code) from None
    again = " ".join(shlex.quote(a) for a in ["nlp", *sys.argv[1:]] + ([] if "--resume" in sys.argv else ["--resume"]))
    err.print(f"interrupted: {plural(stop.written, 'document')} in {stop.journal}; continue with: {again}", highlight=False, soft_wrap=True)
    raise typer.Exit(stop.exit_code) from None
