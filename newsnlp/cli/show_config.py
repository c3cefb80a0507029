"""`nlp config`: the resolved config as YAML (newsnlp.config.config_to_yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import SetOpt, config_from_cli, friendly_errors
from newsnlp.config import config_to_yaml


def config_cli(
    config: Optional[Path] = typer.Argument(None, help="Config YAML (default: the packaged default).", dir_okay=False),
    sets: Optional[list[str]] = SetOpt,
) -> None:
    """Print the resolved config (after overrides) as YAML."""
    with friendly_errors():
        typer.echo(config_to_yaml(config_from_cli(config, sets)), nl=False)
