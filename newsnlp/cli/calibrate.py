"""`nlp calibrate`: the abstain threshold and temperature (newsnlp.training.calibrate.calibrate_topics)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import DataOpt, SetOpt, err, eval_configs, friendly_errors, out
from newsnlp.cli.display import calibration_table
from newsnlp.config import parse_overrides
from newsnlp.errors import ConfigError
from newsnlp.jobs.progress import progress_bar


def calibrate_cli(
    task: str = typer.Argument(..., help="topics"),
    config: list[Path] = typer.Option(..., "--config", "-c", help="Eval config with a data: section.", dir_okay=False),
    sets: Optional[list[str]] = SetOpt,
    data: Optional[Path] = DataOpt,
    write: Optional[Path] = typer.Option(None, "--write", help="Write CONFIG with the calibrated keys set to this path."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Choose the abstain threshold and temperature that maximise macro-F1; print the --set lines."""
    from newsnlp.training.calibrate import calibrate_topics, write_calibrated_config

    with friendly_errors():
        if task != "topics":
            raise ConfigError(f"calibrate {task}: only 'topics' has knobs to calibrate (the sentiment head uses no neutral band)")
        [cfg] = eval_configs(config, sets, data, command="calibrate")
        with progress_bar("calibrate topics") as bar:
            result = calibrate_topics(cfg, on_start=bar.start, on_batch=bar.advance)
        if write and result.worse_held_out:
            out.print(calibration_table(result))
            assert result.held_out is not None
            raise ConfigError(
                f"--write {write}: not written: the calibrated knobs raise ECE on held-out folds "
                f"({result.held_out['before']['ece']:.3f} -> {result.held_out['after']['ece']:.3f}); keep the current ones"
            )
        if write:
            write_calibrated_config(config[0], {**parse_overrides(sets or []), **result.overrides()}, write)  # the --set keys it calibrated with, too
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "n": result.n,
                    "before": result.before,
                    "after": result.after,
                    "overrides": result.overrides(),
                    "held_out": result.held_out,
                    **({"warning": result.warning} if result.warning else {}),
                }
            )
        )
        return
    out.print(calibration_table(result))
    for key, value in result.overrides().items():
        typer.echo(f"--set {key}={value}")
    if write:
        err.print(f"wrote {write}", highlight=False)
