"""`nlp serve`: the pipeline over HTTP (newsnlp.serve.server.serve)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import SetOpt, config_from_cli, friendly_errors


def serve_cli(
    config: Path = typer.Argument(
        ..., help="Run config YAML, e.g. configs/default.yaml; its serve: section sets limits and batching.", dir_okay=False
    ),
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1: this machine only)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port (default 8000)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Server processes, each loading the models (default 1)."),
    sets: Optional[list[str]] = SetOpt,
) -> None:
    """Serve the pipeline over HTTP: /v1/pages, /v1/classify, /v1/sentiment, /v1/summarize (docs at /docs)."""
    from newsnlp.serve.server import serve

    with friendly_errors():
        cfg = config_from_cli(config, sets, {"serve.host": host, "serve.port": port, "serve.workers": workers})
        serve(cfg)
