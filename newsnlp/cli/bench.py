"""`nlp bench`: speed as ratios against baselines measured in the same run (newsnlp.bench.measure.bench)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from newsnlp.cli.common import ConfigOpt, SetOpt, config_from_cli, err, friendly_errors, out
from newsnlp.cli.display import bench_table


def bench_cli(
    config: Optional[Path] = ConfigOpt,
    n: int = typer.Option(1000, "--n", help="Teasers to run (spread over 50 lead articles)."),
    quick: Optional[bool] = typer.Option(
        None, "--quick/--full", help="--quick skips the slowest baselines (naive loop, start-up, NLI); the default for --n up to 200."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    with_scale: bool = typer.Option(False, "--scale", help="Also run 10,000 and 100,000 documents in child processes (peak RSS)."),
    device: Optional[str] = typer.Option(None, "--device", help="Device for the torch runs, e.g. cuda."),
    data: Optional[Path] = typer.Option(
        None,
        "--data",
        help="A folder laid out as ../shared/data (AG News descriptions, CNN/DailyMail articles); without it the texts are generated from the packaged label examples.",
        file_okay=False,
    ),
    pages: Optional[Path] = typer.Option(
        None, "--pages", help="Also time each stage of a run over these pages (a folder or file of HTML pages, feeds, ...), reading included."
    ),
    sets: Optional[list[str]] = SetOpt,
) -> None:
    """Measure ours against a hand-written loop, sentence-transformers and the zero-shot pipeline, as ratios."""
    from newsnlp.bench.measure import bench

    with friendly_errors():
        cfg = config_from_cli(config, sets, {"device": device})
        figures = bench(
            cfg,
            config_path=config,
            n=n,
            with_scale=with_scale,
            quick=quick,
            data_dir=data,
            pages=pages,
            log=lambda s: err.print(Text(s, style="dim")),
        )
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        out.print(bench_table(figures))
