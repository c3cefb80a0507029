"""`nlp classify`: topics of texts (Pipeline.classify)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from nlp.cli.common import ConfigOpt, SetOpt, config_from_cli, friendly_errors, loaded_pipeline, print_topics


def classify_cli(
    texts: list[str] = typer.Argument(..., help="Texts to classify by topic."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Topic of each TEXT, with the score of every label."""
    with friendly_errors():
        cfg = config_from_cli(config, sets)
        rows = loaded_pipeline(cfg).classify(texts)
    print_topics(texts, rows, as_json, cfg.tasks.topics.threshold)
