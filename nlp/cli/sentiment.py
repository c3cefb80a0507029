"""`nlp sentiment`: sentiment of texts (Pipeline.sentiment)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from nlp.cli.common import ConfigOpt, SetOpt, config_from_cli, friendly_errors, loaded_pipeline, print_sentiment


def sentiment_cli(
    texts: list[str] = typer.Argument(..., help="Texts to score."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Sentiment of each TEXT: label and a score in [-1, 1]."""
    with friendly_errors():
        rows = loaded_pipeline(config_from_cli(config, sets)).sentiment(texts)
    print_sentiment(texts, rows, as_json)
