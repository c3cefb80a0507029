"""`nlp sentiment`: sentiment of texts (Pipeline.sentiment)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import ConfigOpt, FileOpt, SetOpt, TextsArg, config_from_cli, friendly_errors, loaded_pipeline, print_sentiment, texts_from


def sentiment_cli(
    texts: Optional[list[str]] = TextsArg,
    file: Optional[Path] = FileOpt,
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Sentiment of each TEXT (or of stdin's lines with '-', or a file's with --file): label and a score in [-1, 1]."""
    with friendly_errors():
        items = texts_from(texts, file)
        rows = loaded_pipeline(config_from_cli(config, sets)).sentiment(items)
    print_sentiment(items, rows, as_json)
