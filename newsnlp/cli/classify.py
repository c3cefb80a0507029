"""`nlp classify`: topics of texts (Pipeline.classify)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import ConfigOpt, FileOpt, SetOpt, TextsArg, config_from_cli, friendly_errors, loaded_pipeline, print_topics, texts_from


def classify_cli(
    texts: Optional[list[str]] = TextsArg,
    file: Optional[Path] = FileOpt,
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Topic of each TEXT (or of stdin's lines with '-', or a file's with --file), with the score of every label."""
    with friendly_errors():
        items = texts_from(texts, file)
        cfg = config_from_cli(config, sets)
        rows = loaded_pipeline(cfg).classify(items)
    print_topics(items, rows, as_json)
