"""`nlp evaluate`: a task scored on labelled data (newsnlp.evaluate.evaluator.evaluate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import DataOpt, SetOpt, err, eval_configs, friendly_errors, out
from newsnlp.cli.display import metrics_table
from newsnlp.jobs.progress import progress_bar


def evaluate_cli(
    task: str = typer.Argument(..., help="summarize | topics | sentiment"),
    config: list[Path] = typer.Option(..., "--config", "-c", help="Eval config: a run config plus a data: section.", dir_okay=False),
    sets: Optional[list[str]] = SetOpt,
    data: Optional[Path] = DataOpt,
    report: Optional[Path] = typer.Option(None, "--report", help="Write metrics.json, report.md, plots and predictions.jsonl here."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout and nothing else there."),
) -> None:
    """Score a task on labelled data, beside an in-run baseline."""
    from newsnlp.evaluate.evaluator import (
        evaluate,  # heavy (rouge-score, scikit-learn): loaded when used
    )
    from newsnlp.evaluate.report import write_report

    with friendly_errors():
        [cfg] = eval_configs(config, sets, data, command="evaluate")
        with progress_bar(f"evaluate {task}", show=True) as bar:
            evaluation = evaluate(task, cfg, on_start=bar.start, on_batch=bar.advance)
        if report:
            write_report(evaluation, report, title=config[0].stem)
    if as_json:
        typer.echo(json.dumps(evaluation.metrics))
    else:
        out.print(metrics_table(evaluation))
    if report:
        err.print(f"report written to {report}/", highlight=False)
