"""Record writers. Every record is appended, as one JSON line, to a journal `<output>.partial`
and flushed, so a run killed at any moment loses at most a torn last line; `--resume` reads the
journal's ids and appends the rest. When the run completes, the journal becomes `<output>`:
renamed for jsonl, converted (streaming) for json, csv and md. A failed run never leaves a
half-written `<output>`; the journal stays only when it holds records to resume from."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from newsnlp.documents import Inputs
from newsnlp.errors import InputError
from newsnlp.formats.write import write_records
from newsnlp.jobs.files import RunFiles
from newsnlp.records import Record
from newsnlp.resources.disk import replacing
from newsnlp.run_info import RunInfo


def line_sum(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()[:16]


def journal_ids(journal: Path) -> list[str]:
    """Ids of the complete, checked records in a journal. Each line's checksum sits in the
    sidecar `<journal>.sums`: from the first line that is torn (a kill mid-write), unreadable or
    not the line its checksum was taken of (an edit), the journal is cut off, so those records
    are computed again and appending continues on a clean line."""
    sums_file = RunFiles.of_journal(journal).sums
    sums = sums_file.read_text(encoding="ascii", errors="replace").split() if sums_file.is_file() else []
    ids: list[str] = []
    good = 0  # byte offset after the last good record
    with journal.open("rb") as handle:
        for number, raw in enumerate(handle):
            if not raw.endswith(b"\n") or number >= len(sums) or sums[number] != line_sum(raw):
                break
            try:
                ids.append(str(json.loads(raw)["id"]))
            except (ValueError, KeyError, TypeError):
                break
            good += len(raw)
    if good < journal.stat().st_size:
        with journal.open("r+b") as handle:
            handle.truncate(good)
    if len(sums) != len(ids):
        sums_file.write_text("".join(f"{s}\n" for s in sums[: len(ids)]), encoding="ascii")
    return ids


def read_journal(journal: Path) -> Iterator[Record]:
    with journal.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


class RecordWriter:
    """Context manager: `write(record)` appends to the journal; a clean exit finalises it."""

    def __init__(self, path: str | Path, fmt: str, *, resume: bool = False, about: RunInfo | None = None, leads_from: Inputs | None = None) -> None:
        self.path = Path(path)
        self.fmt = fmt
        self.about = about  # the run (`describe_run`): the Markdown and HTML pages' title, date and config
        self.leads_from = leads_from  # html: the run's input, whose leads the page shows
        self.files = RunFiles(self.path)
        self.tmp = self.files.journal
        self.resume = resume
        self.count = 0
        self.amend: Callable[[Record], Record] | None = None  # what finalising adds to each record (stories)
        self._handle: TextIO | None = None
        self._sums: TextIO | None = None

    def __enter__(self) -> RecordWriter:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.tmp.open("a" if self.resume else "w", encoding="utf-8", newline="")
            self._sums = self.files.sums.open("a" if self.resume else "w", encoding="ascii", newline="")
        except OSError as exc:
            raise InputError(f"cannot write output {self.path}: {exc.strerror}; choose another --output") from exc
        return self

    def write(self, record: Record) -> None:
        assert self._handle is not None
        if not self.tmp.exists():  # the folder (or the journal) was deleted: every later record would be lost
            raise InputError(
                f"{self.tmp} vanished during the run (its folder deleted?); {self.count} records written to it are lost; "
                "recreate the folder and run again"
            )
        try:
            line = json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"  # bare NaN is not JSON
        except ValueError as exc:
            raise InputError(
                f"record {record.get('id')!r} holds a NaN or infinite score, which is never written; please report it with the config that made it"
            ) from exc
        assert self._sums is not None
        try:
            self._handle.write(line)
            self._handle.flush()
            self._sums.write(line_sum(line.encode("utf-8")) + "\n")  # after the line: a kill between the two re-does that record
            self._sums.flush()
        except OSError as exc:  # disk full, quota, I/O error: the journal so far is kept for --resume
            raise InputError(
                f"cannot write {self.tmp}: {exc.strerror or exc}; {self.count} records are kept in it: "
                "free the space and run the same command with --resume"
            ) from exc
        self.count += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._handle is not None and self._sums is not None
        try:
            self._handle.close()
            self._sums.close()
            if exc_type is None:
                self._finalise()
                self.files.sums.unlink(missing_ok=True)
        except OSError as error:  # a full disk or quota while closing or converting: the journal is kept for --resume
            if exc_type is not None:
                return  # the run's own error says more
            raise InputError(
                f"cannot finish {self.path}: {error.strerror or error}; its {self.count} records are kept in {self.tmp}: "
                "free the space and run the same command with --resume"
            ) from error
        if exc_type is not None and not self.resume and self.count == 0 and (not self.tmp.exists() or not journal_ids(self.tmp)):
            # nothing checked to resume from (a stop can land after a record's checksum, before
            # it is counted: then the journal is read): leave nothing behind
            self.tmp.unlink(missing_ok=True)
            self.files.sums.unlink(missing_ok=True)

    def _finalise(self) -> None:
        if not self.tmp.exists():
            raise InputError(
                f"{self.tmp} vanished during the run (its folder deleted?); its {self.count} records are lost; recreate the folder and run again"
            )
        if self.fmt == "jsonl" and self.amend is None:
            os.replace(self.tmp, self.path)
            return
        records = read_journal(self.tmp) if self.amend is None else map(self.amend, read_journal(self.tmp))
        with replacing(self.path, newline="") as out:
            if self.fmt == "jsonl":
                out.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
            else:
                write_records(records, out, self.fmt, self.about, self.leads_from)
        self.tmp.unlink()
