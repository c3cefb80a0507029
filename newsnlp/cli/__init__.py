"""The `nlp` command, one module per command (as spaCy's `cli/`): each parses its options and
calls one library function; `common` holds the app, the shared options and error handling.
The commands are registered here, in the order `nlp --help` lists them."""

from __future__ import annotations

from collections.abc import Callable

import typer

from newsnlp.cli import (
    bench,
    cache,
    calibrate,
    classify,
    evaluate,
    models,
    read,
    report,
    run,
    sentiment,
    serve,
    show_config,
    stories,
    summarize,
    train,
    watch,
)
from newsnlp.cli.common import app, state

__all__ = ["app", "main"]

COMMANDS: list[tuple[str, Callable[..., None]]] = [
    ("run", run.run_cli),
    ("read", read.read_cli),
    ("watch", watch.watch_cli),
    ("config", show_config.config_cli),
    ("summarize", summarize.summarize_cli),
    ("classify", classify.classify_cli),
    ("sentiment", sentiment.sentiment_cli),
    ("evaluate", evaluate.evaluate_cli),
    ("calibrate", calibrate.calibrate_cli),
    ("train", train.train_cli),
    ("report", report.report_cli),
    ("stories", stories.stories_cli),
    ("bench", bench.bench_cli),
    ("serve", serve.serve_cli),
]
for name, command in COMMANDS:
    app.command(name)(command)
app.add_typer(cache.app, name="cache")
app.add_typer(models.app, name="models")


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    state["debug"] = debug


def main() -> None:
    app()
