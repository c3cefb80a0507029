"""The `nlp` command: each command parses options and calls one library function."""

from __future__ import annotations

import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text

from nlp.cli.common import (
    ConfigOpt,
    SetOpt,
    app,
    config_from_cli,
    err,
    friendly_errors,
    out,
    state,
)
from nlp.cli.display import (
    bench_table,
    calibration_table,
    metrics_table,
    record_view,
)
from nlp.config import OUTPUT_FORMATS, RunConfig, config_to_yaml
from nlp.documents import iter_documents
from nlp.engine.job import RunInterrupted, print_notes, run_job, stop_on_signals
from nlp.engine.pipeline import Pipeline
from nlp.engine.progress import progress_bar
from nlp.errors import ConfigError
from nlp.records import abstained_under

__all__ = ["app", "main"]

OutputChoice = Enum("OutputChoice", {name: name for name in OUTPUT_FORMATS}, type=str)  # type: ignore[misc]


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    state["debug"] = debug


@app.command("run")
def run_cli(
    config: Path = typer.Argument(..., help="Run config YAML, e.g. configs/default.yaml.", dir_okay=False),
    input: Optional[Path] = typer.Option(None, "--input", "-i", help="A news page .txt, a folder of pages, or a .jsonl file."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write records."),
    format: Optional[OutputChoice] = typer.Option(None, "--format", "-f", help="Output format; wins over the --output suffix and the config's output.format. Alone, it changes the config path's suffix.", case_sensitive=False),
    sets: Optional[List[str]] = SetOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table, only the closing line."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: skip the documents its <output>.partial holds."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of the input (default utf-8), e.g. latin-1."),
    on_duplicate: Optional[str] = typer.Option(None, "--on-duplicate", help="A repeated document id: error (default) | suffix (id#2)."),
    engine: str = typer.Option("local", "--engine", help="local | ray (Ray Data over the cluster in ray.address; pip install 'newsnlp\\[ray]')."),  # escaped: Typer reads help as rich markup
) -> None:
    """Summarize, classify and score every document of the configured input."""
    with friendly_errors():
        cfg = config_from_cli(config, sets, {"input": input, "input_encoding": encoding, "on_duplicate": on_duplicate})
        cfg.output = cfg.output.chosen(output, format.value if format else None)  # --format, then the --output suffix, then the config
        if engine == "ray":
            from nlp.engine.ray_job import run_ray

            if resume:
                raise ConfigError("--resume continues a run of --engine local; a Ray run starts over (delete its .partial file)")

            result = run_ray(cfg)
        elif engine == "local":
            try:
                with stop_on_signals():
                    result = run_job(cfg, resume=resume)
            except RunInterrupted as stop:
                if not stop.journal.exists():  # stopped before its first record: nothing to resume
                    err.print("interrupted before any record was written; nothing to resume: run the same command again", highlight=False, soft_wrap=True)
                    raise typer.Exit(stop.exit_code) from None
                again = " ".join(shlex.quote(a) for a in ["nlp", *sys.argv[1:]] + ([] if "--resume" in sys.argv else ["--resume"]))
                err.print(f"interrupted: {stop.written} documents are in {stop.journal}; continue with: {again}", highlight=False, soft_wrap=True)
                raise typer.Exit(stop.exit_code) from None
        else:
            raise ConfigError(f"--engine {engine}: expected local or ray")
    if not quiet:
        for record in result.preview:
            out.print(record_view(record, cfg.tasks.topics.threshold))
        if result.documents > len(result.preview):
            out.print(f"… and {result.documents - len(result.preview)} more documents")
    notes = [f"{result.resumed} from the interrupted run"] if result.resumed else []
    notes += [f"{result.errors} with errors"] if result.errors else []
    extra = f" ({', '.join(notes)})" if notes else ""
    err.print(f"wrote {result.documents + result.resumed} records{extra} to {result.output} ({result.format}) in {result.seconds:.1f}s", highlight=False)


@app.command("config")
def config_cli(config: Optional[Path] = typer.Argument(None, help="Config YAML (default: the packaged default).", dir_okay=False), sets: Optional[List[str]] = SetOpt) -> None:
    """Print the resolved config (after overrides) as YAML."""
    with friendly_errors():
        typer.echo(config_to_yaml(config_from_cli(config, sets)), nl=False)


@app.command("summarize")
def summarize_cli(
    file: Path = typer.Argument(..., help="A news page .txt (or .jsonl: its first document)."),
    config: Optional[Path] = ConfigOpt,
    sentences: Optional[int] = typer.Option(None, "--sentences", "-n", help="How many sentences."),
    sets: Optional[List[str]] = SetOpt,
) -> None:
    """Summarize the lead article of one page."""
    with friendly_errors():
        cfg = config_from_cli(config, sets, {"tasks.summarize.sentences": sentences, "tasks.topics.enabled": False, "tasks.sentiment.enabled": False})
        record = next(Pipeline(cfg).process(iter_documents(file)))
    summary = record.get("summary", {})
    for line in [s["text"] for s in summary.get("sentences", [])] or [summary.get("text", "")]:  # extractive: a sentence a line
        typer.echo(line)


def _pipeline(cfg: RunConfig) -> Pipeline:
    """The loaded pipeline, its start-up notes said on stderr."""
    pipeline = Pipeline(cfg).load()
    print_notes(pipeline, err)
    return pipeline


def _print_rows(texts: list[str], rows: list[dict], as_json: bool, threshold: float | None = None) -> None:
    """label, score, text per line; an abstention's score column names the best label and the
    threshold it fell under; --json: the whole row (every label's score)."""
    for text, row in zip(texts, rows):
        if as_json:
            typer.echo(json.dumps({"text": text, **row}, ensure_ascii=False))
            continue
        under = abstained_under(row, threshold) if "scores" in row else None
        if "score" in row:  # sentiment is signed
            score = f"{row['score']:+.3f}"
        elif under:
            score = f"{under[0]} {under[1]:.3f} < {threshold:g}"
        else:
            score = f"{row['scores'][row['label']]:.3f}"
        typer.echo(f"{row['label']}\t{score}\t{text}")


@app.command("classify")
def classify_cli(
    texts: List[str] = typer.Argument(..., help="Texts to classify by topic."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[List[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Topic of each TEXT, with the score of every label."""
    with friendly_errors():
        cfg = config_from_cli(config, sets)
        rows = _pipeline(cfg).classify(texts)
    _print_rows(texts, rows, as_json, cfg.tasks.topics.threshold)


@app.command("sentiment")
def sentiment_cli(
    texts: List[str] = typer.Argument(..., help="Texts to score."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[List[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per text."),
) -> None:
    """Sentiment of each TEXT: label and a score in [-1, 1]."""
    with friendly_errors():
        rows = _pipeline(config_from_cli(config, sets)).sentiment(texts)
    _print_rows(texts, rows, as_json)


@app.command("evaluate")
def evaluate_cli(
    task: str = typer.Argument(..., help="summarize | topics | sentiment"),
    config: Path = typer.Option(..., "--config", "-c", help="Eval config: a run config plus a data: section.", dir_okay=False),
    sets: Optional[List[str]] = SetOpt,
    report: Optional[Path] = typer.Option(None, "--report", help="Write metrics.json, report.md, plots and predictions.jsonl here."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout and nothing else there."),
) -> None:
    """Score a task on labelled data, beside an in-run baseline."""
    from nlp.evaluate.evaluator import (
        evaluate,  # heavy (rouge-score, scikit-learn): loaded when used
    )
    from nlp.evaluate.report import write_report

    with friendly_errors():
        cfg = config_from_cli(config, sets)
        with progress_bar(f"evaluate {task}", show=True) as bar:
            evaluation = evaluate(task, cfg, on_start=bar.start, on_batch=bar.advance)
        if report:
            write_report(evaluation, report, title=config.stem)
    if as_json:
        typer.echo(json.dumps(evaluation.metrics))
    else:
        out.print(metrics_table(evaluation))
    if report:
        err.print(f"report written to {report}/", highlight=False)


@app.command("calibrate")
def calibrate_cli(
    task: str = typer.Argument(..., help="topics"),
    config: Path = typer.Option(..., "--config", "-c", help="Eval config with a data: section.", dir_okay=False),
    sets: Optional[List[str]] = SetOpt,
    write: Optional[Path] = typer.Option(None, "--write", help="Write CONFIG with the calibrated keys set to this path."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Choose the abstain threshold and temperature that maximise macro-F1; print the --set lines."""
    from nlp.evaluate.calibrate import calibrate_topics, write_calibrated_config

    with friendly_errors():
        if task != "topics":
            raise ConfigError(f"calibrate {task}: only 'topics' has knobs to calibrate (the sentiment head uses no neutral band)")
        cfg = config_from_cli(config, sets)
        with progress_bar("calibrate topics") as bar:
            result = calibrate_topics(cfg, on_start=bar.start, on_batch=bar.advance)
        if write:
            write_calibrated_config(config, result.overrides(), write)
    if as_json:
        typer.echo(json.dumps({"n": result.n, "before": result.before, "after": result.after, "overrides": result.overrides(),
                               **({"warning": result.warning} if result.warning else {})}))
        return
    out.print(calibration_table(result))
    for key, value in result.overrides().items():
        typer.echo(f"--set {key}={value}")
    if write:
        err.print(f"wrote {write}", highlight=False)


@app.command("train")
def train_cli(
    task: str = typer.Argument(..., help="topics | sentiment"),
    config: List[Path] = typer.Option(..., "--config", "-c", help="Eval config(s) whose data: sections hold the labels (repeatable).", dir_okay=False),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the head (.npz; its card goes beside it as .json)."),
    sets: Optional[List[str]] = SetOpt,
) -> None:
    """Fit a head over the shared embeddings on labelled data; print its cross-validation figures."""
    from nlp.heads.train import train_head

    with friendly_errors():
        configs = [config_from_cli(path, sets) for path in config]
        with progress_bar(f"embed for {task}") as bar:
            command = " ".join(["nlp train", task, *(f"--config {p}" for p in config), *(f"--set {s}" for s in sets or []), f"--out {out}"])
            head = train_head(task, configs, out, on_start=bar.start, on_batch=bar.advance, command=command)
    _print_card(head.card)
    err.print(f"wrote {out} and {out.with_suffix('.json')}", highlight=False)


def _print_card(card: dict) -> None:
    cv = card["cv"]
    typer.echo(f"{card['task']} head: {card['method']}; {sum(d['rows'] for d in card['data'])} rows from {', '.join(card['data_files'])}")
    typer.echo(f"{cv['folds']}-fold CV: macro-F1 {cv['macro_f1']:.3f} ± {cv['macro_f1_std']:.3f}, accuracy {cv['accuracy']:.3f}" + (f" ({cv['scored_as']})" if "scored_as" in cv else ""))
    if "teasers" in cv:
        typer.echo(f"  on teaser cuts ({cv['teasers']['chars']} characters): macro-F1 {cv['teasers']['macro_f1']:.3f} ± {cv['teasers']['macro_f1_std']:.3f}")
    for source, m in card.get("cv_by_source", {}).items():
        teaser = card.get("cv_teasers_by_source", {}).get(source)
        typer.echo(f"  out-of-fold on {source}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}"
                   + (f"; its teaser cuts: macro-F1 {teaser['macro_f1']:.3f}" if teaser else ""))
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
        typer.echo(f"  held out {source} (trained on the other sources): macro-F1 {m['macro_f1']:.3f}" + (f" (zero-shot alone {zero:.3f})" if zero is not None else ""))


def main() -> None:
    app()


@app.command("bench")
def bench_cli(
    config: Optional[Path] = ConfigOpt,
    n: int = typer.Option(1000, "--n", help="Teasers to run (spread over 50 lead articles)."),
    quick: Optional[bool] = typer.Option(None, "--quick/--full", help="--quick skips the slowest baselines (naive loop, start-up, NLI); the default for --n up to 200."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    with_scale: bool = typer.Option(False, "--scale", help="Also run 10,000 and 100,000 documents in child processes (peak RSS)."),
    device: Optional[str] = typer.Option(None, "--device", help="Device for the torch runs, e.g. cuda."),
    data: Optional[Path] = typer.Option(None, "--data", help="A folder laid out as ../shared/data (AG News descriptions, CNN/DailyMail articles); without it the texts are generated from the packaged label examples.", file_okay=False),
    sets: Optional[List[str]] = SetOpt,
) -> None:
    """Measure ours against a hand-written loop, sentence-transformers and the zero-shot pipeline, as ratios."""
    from nlp.bench.measure import bench

    with friendly_errors():
        cfg = config_from_cli(config, sets, {"device": device})
        figures = bench(cfg, config_path=config, n=n, with_scale=with_scale, quick=quick, data_dir=data, log=lambda s: err.print(Text(s, style="dim")))
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        out.print(bench_table(figures))
