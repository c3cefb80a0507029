"""`nlp train`: a head fitted on labelled data (newsnlp.training.train_head), its figures printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from newsnlp.cli.common import DataOpt, SetOpt, err, eval_configs, friendly_errors
from newsnlp.jobs.progress import progress_bar


def train_cli(
    task: str = typer.Argument(..., help="topics | sentiment"),
    config: list[Path] = typer.Option(
        ..., "--config", "-c", help="Eval config(s) whose data: sections hold the labels (repeatable).", dir_okay=False
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the head (.npz; its card goes beside it as .json)."),
    sets: Optional[list[str]] = SetOpt,
    data: Optional[Path] = DataOpt,
) -> None:
    """Fit a head over the shared embeddings on labelled data; print its cross-validation figures."""
    from newsnlp.training import train_head

    with friendly_errors():
        configs = eval_configs(config, sets, data, command="train", several=True)
        with progress_bar(f"embed for {task}") as bar:
            command = " ".join(["nlp train", task, *(f"--config {p}" for p in config), *(f"--set {s}" for s in sets or []), f"--out {out}"])
            head = train_head(task, configs, out, on_start=bar.start, on_batch=bar.advance, command=command)
    _print_card(head.card)
    err.print(f"wrote {out} and {out.with_suffix('.json')}", highlight=False)


def _print_card(card: dict[str, Any]) -> None:
    cv = card["cv"]
    typer.echo(f"{card['task']} head: {card['method']}; {sum(d['rows'] for d in card['data'])} rows from {', '.join(card['data_files'])}")
    typer.echo(
        f"{cv['folds']}-fold CV: macro-F1 {cv['macro_f1']:.3f} ± {cv['macro_f1_std']:.3f}, accuracy {cv['accuracy']:.3f}"
        + (f" ({cv['scored_as']})" if "scored_as" in cv else "")
    )
    if "teasers" in cv:
        typer.echo(
            f"  on teaser cuts ({cv['teasers']['chars']} characters): macro-F1 {cv['teasers']['macro_f1']:.3f} ± {cv['teasers']['macro_f1_std']:.3f}"
        )
    for source, m in card.get("cv_by_source", {}).items():
        teaser = card.get("cv_teasers_by_source", {}).get(source)
        typer.echo(
            f"  out-of-fold on {source}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}"
            + (f"; its teaser cuts: macro-F1 {teaser['macro_f1']:.3f}" if teaser else "")
        )
    if len(card["data"]) > 1:
        for file, m in card["cv_by_file"].items():
            line = f"  out-of-fold on {file}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}"
            if "energy" in m["per_class"]:
                line += f", energy recall {m['per_class']['energy']['recall']:.3f}"
            if "multi_label" in m:
                line += f"; lenient macro-F1 {m['lenient']['macro_f1']:.3f}; multi-label sample-F1 {m['multi_label']['sample_f1']:.3f}"
            typer.echo(line)
    for source, m in card.get("source_held_out", {}).items():
        zero = card.get("zero_shot_by_source", {}).get(source)
        typer.echo(
            f"  held out {source} (trained on the other sources): macro-F1 {m['macro_f1']:.3f}"
            + (f" (zero-shot alone {zero:.3f})" if zero is not None else "")
        )
