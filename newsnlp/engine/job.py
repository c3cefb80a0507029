"""`run`: read the configured input, run the pipeline, write records atomically, with progress."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from newsnlp.config import RunConfig
from newsnlp.documents import Inputs, unique_ids
from newsnlp.documents.language import unreadable
from newsnlp.engine.isolate import failure_line, isolated_records, writable
from newsnlp.engine.output import (
    RecordWriter,
    check_output,
    journal_ids,
    output_lock,
    partial_path,
    read_journal,
)
from newsnlp.engine.pipeline import Pipeline
from newsnlp.engine.progress import progress_bar
from newsnlp.errors import InputError
from newsnlp.records import Record
from newsnlp.resources.disk import write_atomically
from newsnlp.run_info import describe_run, run_description
from newsnlp.stories.run import RunStories

PROGRESS_FROM = 5  # documents; fewer than this run without a progress bar
PREVIEW = 3  # records kept for the terminal table


@dataclass
class RunResult:
    output: Path
    format: str
    documents: int = 0  # written by this run
    resumed: int = 0  # already in the journal of an interrupted run
    errors: int = 0
    seconds: float = 0.0
    stories_seconds: float = 0.0  # of `seconds`, spent keeping and grouping items into stories
    stories: int = 0  # stories the index held when the run ended
    preview: list[Record] = field(default_factory=list)
    languages: Counter[str] = field(default_factory=Counter)  # documents per language read (`lang`)
    readable: tuple[str, ...] = ("en",)  # encoder.languages
    say: Callable[[str], None] | None = None  # hears a line for each record with an `error`

    def not_read(self) -> str | None:
        """One line for the log naming the languages of documents the encoder does not read (None
        when it reads them all)."""
        others = {code: n for code, n in self.languages.items() if unreadable(code, self.readable)}
        if not others:
            return None
        listed = ", ".join(f"{code} {n}" for code, n in sorted(others.items(), key=lambda kv: -kv[1]))
        return (
            f"{sum(others.values())} of {sum(self.languages.values())} documents are in a language the encoder does not read ({listed}): "
            f"they have summaries but no topic or sentiment (encoder.languages: {', '.join(self.readable)})"
        )

    def add(self, record: Record, writer: RecordWriter) -> None:
        """Write one record and count it (and keep the first few for the terminal table); one
        that cannot be written is its id and an `error`."""
        record = writable(record)
        writer.write(record)
        self.documents += 1
        if "error" in record:
            self.errors += 1
            if self.say:
                self.say(failure_line(str(record["id"]), str(record["error"])))
        if "lang" in record:
            self.languages[record["lang"]] += 1
        if len(self.preview) < PREVIEW:
            self.preview.append(record)


class RunInterrupted(Exception):
    """Ctrl-C (or SIGTERM, SIGHUP) during a run: how many records the journal holds, where, and
    the exit code the signal calls for (128 + its number)."""

    def __init__(self, written: int, journal: Path, exit_code: int = 130) -> None:
        super().__init__(f"interrupted after {written} documents")
        self.written, self.journal, self.exit_code = written, journal, exit_code


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, stopping a run as Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = 128 + signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a run as Ctrl-C does (journal kept, one line, the resume command);
    once one has, further signals are ignored while the run closes its journal (a second Ctrl-C
    exited -2, mid-cleanup)."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        for sig in watched:
            signal.signal(sig, signal.SIG_IGN)
        raise (KeyboardInterrupt() if signum == signal.SIGINT else Stopped(signum))

    watched = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    try:
        previous = {sig: signal.signal(sig, stop) for sig in watched}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_job(config: RunConfig, *, progress: bool | None = None, console: Console | None = None, resume: bool = False) -> RunResult:
    """Run `config` end to end and return counts plus the first records (for display).

    The input is read once up front (a bad line or a duplicate id fails before any output);
    records stream to the journal; with `resume`, documents whose ids the journal of an
    interrupted run already holds are skipped and the rest appended."""
    console = console or Console(stderr=True)
    output = config.output.path
    check_output(output, config.input, index=config.stories.path)
    with output_lock(output), closing(Inputs.of(config)) as inputs:  # one writer per output, for the whole run
        return _run_locked(config, inputs, progress, console, resume)


def _run_locked(config: RunConfig, inputs: Inputs, progress: bool | None, console: Console, resume: bool) -> RunResult:
    output, fmt = config.output.path, config.output.resolved_format()
    journal = check_journal(output, resume)
    total = inputs.scan(config.on_duplicate)  # a missing or bad input fails here (URLs are fetched here, once)
    fingerprint = run_fingerprint(config, inputs)
    if resume and journal.exists():
        check_resumable(journal, fingerprint)
    done = set(journal_ids(journal)) if resume and journal.exists() else set()
    resumed_errors = sum("error" in record for record in read_journal(journal)) if done else 0
    pipeline = Pipeline(config).load()  # unavailable models fail here, before any output
    print_notes(pipeline, console)
    docs = (d for d in unique_ids(inputs.documents(), config.on_duplicate) if d.id not in done)
    show = progress if progress is not None else total - len(done) >= PROGRESS_FROM
    result = RunResult(
        output=output,
        format=fmt,
        resumed=len(done),
        errors=resumed_errors,
        readable=tuple(config.encoder.languages),
        say=lambda line: console.print(Text(line), soft_wrap=True),
    )  # the closing line counts the interrupted part's errors too
    start, began = time.perf_counter(), time.time()
    stories = RunStories(config.stories, config.encoder.model, journal, began, done if resume else None) if config.stories.path else None
    try:
        with (
            RecordWriter(output, fmt, resume=resume and journal.exists(), about=describe_run(config), leads_from=inputs) as writer,
            progress_bar("documents", total=total - len(done), show=show, console=console) as bar,
        ):
            write_json_atomically(meta_path(journal), fingerprint)  # what --resume checks it continues
            for record, view in isolated_records(pipeline, docs, on_progress=bar.advance):  # moves per encoder batch; a failing document fails alone
                if stories is not None:  # items first: a kill between the two leaves items a resume drops, never a record without them
                    stories.add(record, view)
                result.add(record, writer)
            if stories is not None:  # every record is in the journal: group them, then finalising adds `story`
                stories.finish()
                writer.amend = stories.amend
    except KeyboardInterrupt as stop:  # counted from the closed journal: Ctrl-C can land between a write and its count
        raise RunInterrupted(len(journal_ids(journal)) if journal.exists() else 0, journal, getattr(stop, "exit_code", 130)) from None
    finally:
        if not journal.exists():  # finished, or nothing to resume from
            meta_path(journal).unlink(missing_ok=True)
            if stories is not None:
                stories.remove()
    result.seconds = time.perf_counter() - start
    if stories is not None:
        result.stories_seconds, result.stories = stories.seconds, stories.count
    write_json_atomically(run_path(output), run_description(config, fingerprint, began, time.time()))
    return result


def run_path(output: Path) -> Path:
    """Beside every output, `<output>.run.json`: what made it (`nlp report` reads it)."""
    return output.with_name(output.name + ".run.json")


# Keys that never change a record: where and how records are written, the cache, threads (and
# the input, fingerprinted by content instead), how URLs are fetched.
UNFINGERPRINTED = {"output", "cache", "threads", "batch_size", "ray", "input", "fetch", "serve"}


def meta_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".meta")


def print_notes(pipeline: Pipeline, console: Console) -> None:
    """The pipeline's start-up notes, a line each (every command that loads one says them)."""
    for note in pipeline.notes:
        console.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)


def run_fingerprint(config: RunConfig, inputs: Inputs) -> dict[str, Any]:
    """What an interrupted run's records depend on: the resolved config (less the keys that do
    not change records, and `input`, which the inputs' own marks replace: resolved paths and
    the hash of each whole file; URLs and the hash of each body as fetched)."""
    settings = {k: v for k, v in config.model_dump(mode="json").items() if k not in UNFINGERPRINTED}
    return {"config": _flatten(settings), "input": inputs.fingerprint()}


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {k: v for key, value in data.items() for k, v in _flatten(value, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): data}


def check_resumable(journal: Path, fingerprint: dict[str, Any]) -> None:
    """`--resume` continues only the run its journal came from: same settings, same input."""
    try:
        before = json.loads(meta_path(journal).read_text(encoding="utf-8"))
        before_config, before_input = before["config"], before["input"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{journal} has no readable record of the run it came from ({meta_path(journal).name}); delete it to start over") from None
    changed = sorted(k for k in set(before_config) | set(fingerprint["config"]) if before_config.get(k) != fingerprint["config"].get(k))
    if changed:
        first = changed[0]
        raise InputError(
            f"--resume: the config differs from the interrupted run's: {first} was {before_config.get(first)!r}, now "
            f"{fingerprint['config'].get(first)!r}{f' (and {len(changed) - 1} more keys)' if len(changed) > 1 else ''}; "
            "resume with the same config, or delete the .partial file to start over"
        )
    if before_input != fingerprint["input"]:
        names = [mark.get("path") or mark.get("url") for mark in before_input] if isinstance(before_input, list) else []
        now = [mark.get("path") or mark.get("url") for mark in fingerprint["input"]]
        what = "contents" if names == now else "paths or URLs"
        differing = [n for n, a, b in zip(now, before_input, fingerprint["input"]) if a != b]
        named = differing[0] if differing else ", ".join(str(n) for n in now)
        raise InputError(
            f"--resume: the input's {what} differ from the interrupted run's ({named}); "
            "resume with the same input, or delete the .partial file to start over"
        )


def write_json_atomically(path: Path, data: Any) -> None:
    write_atomically(path, json.dumps(data, ensure_ascii=False))


def check_journal(output: Path, resume: bool) -> Path:
    """The journal `<output>.partial`; one left by an interrupted run is never overwritten."""
    journal = partial_path(output)
    if journal.exists() and not resume:
        raise InputError(f"{journal} holds an interrupted run: add --resume to continue it, or delete it to start over")
    return journal
