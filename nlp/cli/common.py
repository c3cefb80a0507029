"""Shared CLI plumbing: the Typer app, option aliases, config loading with overrides, the one
place where library errors become a one-line message and exit code 2, and the rows that
`nlp classify` and `nlp sentiment` print."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.text import Text

from nlp.config import RunConfig, load_config, parse_overrides
from nlp.engine.job import print_notes
from nlp.engine.pipeline import Pipeline
from nlp.errors import NlpError
from nlp.records import SentimentResult, TopicResult, abstained_under, topic_score

app = typer.Typer(
    name="nlp",
    help="Summarize news pages, classify teasers by topic and score sentiment, offline-first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# No markup: messages quote user text (paths, ids, teasers) and brackets (`newsnlp[ray]`), which
# rich markup ate; styles are given as Text instead.
out = Console(markup=False)
err = Console(stderr=True, markup=False)
state = {"debug": False}

SET_HELP = "Override a config key, e.g. --set tasks.topics.threshold=0.3 (repeatable; values are YAML scalars)."
SetOpt = typer.Option(None, "--set", "-s", help=SET_HELP, metavar="KEY=VALUE")
ConfigOpt = typer.Option(None, "--config", "-c", help="Run config YAML (default: the packaged default).", dir_okay=False)
EXIT_USAGE = 2


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Library errors -> one line on stderr and exit 2; Ctrl-C -> exit 130. --debug shows tracebacks."""
    try:
        yield
    except NlpError as exc:
        if state["debug"]:
            raise
        err.print(Text.assemble(("error:", "bold red"), f" {exc}"), highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        raise typer.Exit(130) from None


def plural(count: int, noun: str) -> str:
    """'1 record', '2 records'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def config_from_cli(path: Optional[Path], sets: list[str] | None, extra: dict[str, Any] | None = None) -> RunConfig:
    """Load a config and apply `--set` pairs, then command options (which win)."""
    overrides = parse_overrides(sets or [])
    overrides.update({k: v for k, v in (extra or {}).items() if v is not None})
    return load_config(path, overrides)


def loaded_pipeline(cfg: RunConfig) -> Pipeline:
    """The loaded pipeline, its start-up notes said on stderr."""
    pipeline = Pipeline(cfg).load()
    print_notes(pipeline, err)
    return pipeline


def print_topics(texts: list[str], rows: Sequence[TopicResult], as_json: bool, threshold: float) -> None:
    """label, score, text per line; an abstention's score column names the best label and the
    threshold it fell under; --json: the whole row (every label's score)."""
    for text, row in zip(texts, rows):
        under = abstained_under(row, threshold)
        _echo(text, row, as_json, f"{under[0]} {under[1]:.3f} < {threshold:g}" if under else f"{topic_score(row):.3f}")


def print_sentiment(texts: list[str], rows: Sequence[SentimentResult], as_json: bool) -> None:
    """label, signed score, text per line; --json: the whole row (every label's probability)."""
    for text, row in zip(texts, rows):
        _echo(text, row, as_json, f"{row['score']:+.3f}")


def _echo(text: str, row: TopicResult | SentimentResult, as_json: bool, score: str) -> None:
    typer.echo(json.dumps({"text": text, **row}, ensure_ascii=False) if as_json else f"{row['label']}\t{score}\t{text}")
