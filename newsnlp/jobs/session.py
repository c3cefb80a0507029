"""One run's session, whichever engine makes its records: the lock, the checked input, the
journal and what `--resume` continues, the writer, the stories' items and `<output>.run.json`.
The loop over records is written once (`RunSession.write`); an engine (`jobs/run.py` on this
machine, `jobs/ray.py` on a Ray cluster) only turns the session's documents into records."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsnlp.config import RunConfig
from newsnlp.documents import Document, Inputs, unique_ids
from newsnlp.documents.language import unreadable
from newsnlp.engine.isolate import failure_line, isolated_records, writable
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import InputError
from newsnlp.jobs.files import RunFiles, check_output, output_lock
from newsnlp.jobs.journal import RecordWriter, journal_ids, read_journal
from newsnlp.records import Record
from newsnlp.resources.disk import write_atomically
from newsnlp.run_info import describe_run, run_description
from newsnlp.stories.run import RunStories, item_lines

PREVIEW = 3  # records kept for the terminal table
Made = tuple[Record, str]  # a record and its stories' items as JSON lines ("" when the run keeps none)


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


@contextmanager
def run_session(config: RunConfig, *, resume: bool, say: Callable[[str], None]) -> Iterator[RunSession]:
    """The session of a run of `config`: its output checked, then locked for the whole run (one
    writer per output), the input read once up front (a bad line or a duplicate id fails before
    any output)."""
    files = RunFiles(config.output.path)
    check_output(files.output, config.input, index=config.stories.path)
    with output_lock(files.output), closing(Inputs.of(config)) as inputs:
        yield RunSession(config, inputs, files, resume=resume, say=say)


class RunSession:
    """What one run holds from its start to its end; `write` is the run's one loop."""

    def __init__(self, config: RunConfig, inputs: Inputs, files: RunFiles, *, resume: bool, say: Callable[[str], None]) -> None:
        self.config, self.inputs, self.files, self.say = config, inputs, files, say
        if files.journal.exists() and not resume:  # one left by an interrupted run is never overwritten
            raise InputError(f"{files.journal} holds an interrupted run: add --resume to continue it, or delete it to start over")
        self.total = inputs.scan(config.on_duplicate)  # a missing or bad input fails here (URLs are fetched here, once)
        self.fingerprint = run_fingerprint(config, inputs)
        self.resuming = resume and files.journal.exists()
        if self.resuming:
            check_resumable(files, self.fingerprint)
        self.done = set(journal_ids(files.journal)) if self.resuming else set()  # documents the interrupted run wrote
        self.resumed_errors = sum("error" in record for record in read_journal(files.journal)) if self.done else 0
        self.began = time.time()
        self.engine: dict[str, Any] = {}  # what the engine adds to run.json (Ray: the nodes that made the records)

    def documents(self) -> Iterator[Document]:
        """The input's documents this run is to process (with `--resume`, those the journal lacks)."""
        return (d for d in unique_ids(self.inputs.documents(), self.config.on_duplicate) if d.id not in self.done)

    def write(self, made: Iterable[Made]) -> RunResult:
        """Journal every record `made` yields (its items first, when the run keeps stories), then
        group the stories and finalise the output, and describe the run beside it. Stopped, the
        journal keeps what was written for `--resume`."""
        config, files = self.config, self.files
        result = RunResult(
            output=files.output,
            format=config.output.resolved_format(),
            resumed=len(self.done),
            errors=self.resumed_errors,  # the closing line counts the interrupted part's errors too
            readable=tuple(config.encoder.languages),
            say=self.say,
        )
        stories = RunStories(config.stories, config.encoder.model, files.items, self.done if self.resuming else None) if config.stories.path else None
        start = time.perf_counter()
        try:
            with RecordWriter(files.output, result.format, resume=self.resuming, about=describe_run(config), leads_from=self.inputs) as writer:
                write_atomically(files.meta, json.dumps(self.fingerprint, ensure_ascii=False))  # what --resume checks it continues
                for record, items in made:
                    if stories is not None:  # items first: a kill between the two leaves items a resume drops, never a record without them
                        stories.add(items)
                    result.add(record, writer)
                if stories is not None:  # every record is in the journal: group them, then finalising adds `story`
                    stories.finish()
                    writer.amend = stories.amend
        except KeyboardInterrupt as stop:  # counted from the closed journal: Ctrl-C can land between a write and its count
            raise RunInterrupted(
                len(journal_ids(files.journal)) if files.journal.exists() else 0, files.journal, getattr(stop, "exit_code", 130)
            ) from None
        finally:
            getattr(made, "close", lambda: None)()  # a stopped engine lets go of what it holds now (Ray Data's executor), not when collected
            if not files.journal.exists():  # finished, or nothing to resume from
                files.meta.unlink(missing_ok=True)
                if stories is not None:
                    stories.remove()
        result.seconds = time.perf_counter() - start
        if stories is not None:
            result.stories_seconds, result.stories = stories.seconds, stories.count
        described = run_description(config, self.fingerprint, self.began, time.time(), engine=self.engine)
        write_atomically(files.description, json.dumps(described, ensure_ascii=False))
        return result


def made_by(
    pipeline: Pipeline, docs: Iterable[Document], *, items_from: float | None, on_progress: Callable[[float], None] | None = None
) -> Iterator[Made]:
    """Each document's record (one that breaks the pipeline fails alone) with its items when the
    run keeps stories (`items_from`: the run's start, an undated item's time; None: no items)."""
    for record, view in isolated_records(pipeline, docs, on_progress=on_progress):
        yield record, item_lines(record, view, items_from) if items_from is not None else ""


# Keys that never change a record: where and how records are written, the cache, threads (and
# the input, fingerprinted by content instead), how URLs are fetched.
UNFINGERPRINTED = {"output", "cache", "threads", "batch_size", "ray", "input", "fetch", "serve"}


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


def check_resumable(files: RunFiles, fingerprint: dict[str, Any]) -> None:
    """`--resume` continues only the run its journal came from: same settings, same input."""
    try:
        before = json.loads(files.meta.read_text(encoding="utf-8"))
        before_config, before_input = before["config"], before["input"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{files.journal} has no readable record of the run it came from ({files.meta.name}); delete it to start over") from None
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
