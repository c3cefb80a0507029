"""`nlp run`: read the configured input, run the pipeline on this machine, write records
atomically, with progress (the session, which a Ray run shares: `jobs/session.py`)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from newsnlp.config import RunConfig
from newsnlp.engine.pipeline import Pipeline
from newsnlp.jobs.progress import progress_bar
from newsnlp.jobs.session import RunResult, made_by, run_session

PROGRESS_FROM = 5  # documents; fewer than this run without a progress bar


def run_job(config: RunConfig, *, progress: bool | None = None, console: Console | None = None, resume: bool = False) -> RunResult:
    """Run `config` end to end and return counts plus the first records (for display).

    The input is read once up front (a bad line or a duplicate id fails before any output);
    records stream to the journal; with `resume`, documents whose ids the journal of an
    interrupted run already holds are skipped and the rest appended."""
    console = console or Console(stderr=True)
    with run_session(config, resume=resume, say=lambda line: console.print(Text(line), soft_wrap=True)) as session:
        pipeline = Pipeline(config).load()  # unavailable models fail here, before any output
        print_notes(pipeline, console)
        todo = session.total - len(session.done)
        with progress_bar("documents", total=todo, show=progress if progress is not None else todo >= PROGRESS_FROM, console=console) as bar:
            items_from = session.began if config.stories.path else None
            return session.write(made_by(pipeline, session.documents(), items_from=items_from, on_progress=bar.advance))  # moves per encoder batch


def print_notes(pipeline: Pipeline, console: Console) -> None:
    """The pipeline's start-up notes, a line each (every command that loads one says them)."""
    for note in pipeline.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)
