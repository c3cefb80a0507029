"""Shared CLI plumbing: the Typer app, option aliases, config loading with overrides, the one
place where library errors become a one-line message and exit code 2, and the rows that
`nlp classify` and `nlp sentiment` print."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.text import Text

from newsnlp.config import RunConfig, load_config, parse_overrides
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError, NlpError
from newsnlp.jobs.run import print_notes
from newsnlp.records import SentimentResult, TopicResult, abstention_text, topic_score

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
err = Console(stderr=True, markup=False, soft_wrap=True)  # one-line messages stay one line when piped
state = {"debug": False}

SET_HELP = "Override a config key, e.g. --set tasks.topics.threshold=0.3 (repeatable; values are YAML scalars)."
SetOpt = typer.Option(None, "--set", "-s", help=SET_HELP, metavar="KEY=VALUE")
ConfigOpt = typer.Option(None, "--config", "-c", help="Run config YAML (default: the packaged default).", dir_okay=False)
EXIT_USAGE = 2
EXIT_SOME_FAILED = 3  # read, run, watch --once: finished and wrote the rest, but some sources or documents failed (their records' `error`)


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


DataOpt = typer.Option(
    None, "--data", help="The data folder '{data}' in data paths stands for (default: $NLP_DATA_DIR, else ../shared/data).", file_okay=False
)


def eval_configs(paths: list[Path], sets: list[str] | None, data: Optional[Path], *, command: str, several: bool = False) -> list[RunConfig]:
    """The eval configs a command reads, each with `--set` applied and `data.root` set from
    `--data`: every named file must exist; a repeated `--config` is refused where the command reads
    one (`nlp train` takes one per source)."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"config file not found: {', '.join(missing)} (pass YAML files, e.g. configs/eval-news-teasers.yaml)")
    if not several and len(paths) > 1:
        raise ConfigError(
            f"--config given {len(paths)} times ({', '.join(str(p) for p in paths)}); nlp {command} reads one config (nlp train takes one per source)"
        )
    configs = [config_from_cli(path, sets) for path in paths]
    for config in configs:
        if data is not None and config.data is not None:
            config.data = config.data.model_copy(update={"root": data})
    return configs


TextsArg = typer.Argument(None, help="Texts, one an argument; '-' reads them from stdin, one a line.", show_default=False)
FileOpt = typer.Option(None, "--file", help="Read the texts from this file, one a line (UTF-8).", dir_okay=False)


def texts_from(args: list[str] | None, file: Optional[Path]) -> list[str]:
    """The texts a quick command scores: its arguments, stdin's lines for '-', or a file's lines
    (blank lines skipped). Bytes the terminal passed that are not UTF-8 read as U+FFFD."""
    texts: list[str] = []
    if file is not None:
        try:
            texts += file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"--file {file}: cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"--file {file}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    for arg in args or []:
        texts += sys.stdin.read().splitlines() if arg == "-" else [arg]
    texts = [t.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for t in texts]
    if file is not None or "-" in (args or []):
        texts = [t for t in texts if t.strip()]
    if not texts:
        raise ConfigError("no texts: give them as arguments, '-' to read stdin (one a line), or --file FILE")
    return texts


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


def print_topics(texts: list[str], rows: Sequence[TopicResult], as_json: bool) -> None:
    """label, score, text per line; an abstention's score column names the best label and the
    threshold it fell under (the row's `abstained`); --json: the whole row (every label's score)."""
    for text, row in zip(texts, rows):
        why = row.get("abstained")
        _echo(text, row, as_json, abstention_text(why) if why else f"{topic_score(row):.3f}")


def print_sentiment(texts: list[str], rows: Sequence[SentimentResult], as_json: bool) -> None:
    """label, signed score, text per line; --json: the whole row (every label's probability)."""
    for text, row in zip(texts, rows):
        why = row.get("abstained")
        _echo(text, row, as_json, abstention_text(why) if why else f"{row['score']:+.3f}")


def _echo(text: str, row: TopicResult | SentimentResult, as_json: bool, score: str) -> None:
    typer.echo(json.dumps({"text": text, **row}, ensure_ascii=False) if as_json else f"{row['label']}\t{score}\t{text}")
