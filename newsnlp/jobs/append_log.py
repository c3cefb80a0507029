"""An append-only JSONL output for `nlp watch`: each record one whole line, flushed and synced
before the next, so a kill at any moment leaves at most a torn last line; what the file holds is
what was done (the seen set is rebuilt from it).

Nothing is ever appended onto a damaged line: a last line that is cut short (a kill mid-write, or
a hand edit, also while watch runs between cycles) or is not a record is cut away, with a warning
naming it, before the next record goes in, and `changed` tells the watch to rebuild its seen set,
so that line's item is read again. A damaged line further up is skipped with a warning."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from newsnlp.errors import InputError

_ID = re.compile(rb'"id":\s*"((?:[^"\\]|\\.){0,200})')  # a record's id, even in a line cut short
BLOCK = 1 << 20
RECORD_START = b'{"id"'  # every record begins so (`records.ordered`)


def _record(raw: bytes) -> dict[str, Any] | None:
    """The record a whole line holds, or None (cut short, not JSON, not an object)."""
    if not raw.endswith(b"\n"):
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _named(raw: bytes) -> str:
    found = _ID.search(raw)
    return f"record {found.group(1).decode('utf-8', 'replace')!r}" if found else "no record id left in it"


class AppendLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO | None = None
        self._size: int | None = None  # the file's size after our last write (None: not known)
        self.written = 0
        self.changed = False  # a damaged line was cut away: the seen set is to be rebuilt

    def records(self) -> Iterator[dict[str, Any]]:
        """The records in the file, after repairing its last line; a damaged line further up is
        skipped with a warning. A file that does not begin as a record does is refused: it is not
        an output nlp watch wrote (and nothing in it is cut)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            head = handle.read(len(RECORD_START))
        if head and head != RECORD_START:
            raise InputError(f"{self.path}:1: not a record; it is not an output nlp watch wrote: choose another --output")
        self.repair()
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                record = _record(raw)
                if record is not None:
                    yield record
                else:
                    print(f"nlp: warning: {self.path}:{number}: not a record ({_named(raw)}), skipped; its item is read again", file=sys.stderr)

    def repair(self) -> None:
        """A last line cut short or not a record is never appended onto: cut away where it
        begins as a record does (its item is read again), else ended with a newline (then skipped
        as a damaged line); either with a warning naming it."""
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            begin, raw = _last_line(handle, size)
            if not raw or _record(raw) is not None:
                self._size = size
                return
            ours = raw.startswith(RECORD_START)
            if ours:
                handle.truncate(begin)
            else:
                handle.write(b"\n")
            self._size = handle.seek(0, os.SEEK_END)
        how = "cut short" if not raw.endswith(b"\n") else "not a record"
        done = "cut it away" if ours else "ended it there (it is skipped)"
        where = f"line {_line_number(self.path, begin)}, {len(raw)} bytes, {_named(raw)}"
        print(f"nlp: warning: {self.path}: the last line ({where}) was {how}; {done}, its item is read again", file=sys.stderr)
        self.changed = True

    def check(self) -> None:
        """Before appending: repair the end of the file if it changed since our last write; if
        the file was removed or renamed (rotated), begin a new one there."""
        try:
            found = self.path.stat()
        except FileNotFoundError:
            found = None
        if self._handle is not None and (found is None or found.st_ino != os.fstat(self._handle.fileno()).st_ino):
            print(
                f"nlp: warning: {self.path} was removed or replaced while watch ran; appending to a new one, items not in it are read again",
                file=sys.stderr,
            )
            self._handle.close()
            self._handle = self.path.open("ab")
            self.changed = True
            found = self.path.stat()
        if found is not None and found.st_size != self._size:
            self.repair()

    def __enter__(self) -> AppendLog:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("ab")
        except OSError as exc:
            raise InputError(f"cannot write output {self.path}: {exc.strerror}; choose another --output") from exc
        return self

    def append(self, record: dict[str, Any]) -> None:
        assert self._handle is not None
        line = (json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        try:
            self.check()
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._size = os.fstat(self._handle.fileno()).st_size
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}; {self.written} records were appended this time") from exc
        self.written += 1

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def _last_line(handle: BinaryIO, size: int) -> tuple[int, bytes]:
    """Where the file's last line starts, and the line (with its newline, if it has one)."""
    if size == 0:
        return 0, b""
    end = size - 1  # a final newline belongs to the last line
    while end > 0:  # back to the newline before it, a block at a time
        start = max(0, end - BLOCK)
        handle.seek(start)
        cut = handle.read(end - start).rfind(b"\n")
        if cut >= 0:
            break
        end = start
    else:
        start, cut = 0, -1
    begin = start + cut + 1 if cut >= 0 else 0
    handle.seek(begin)
    return begin, handle.read(size - begin)


def _line_number(path: Path, offset: int) -> int:
    """The number of the line that begins at `offset`."""
    lines, done = 1, 0
    with path.open("rb") as handle:
        while done < offset:
            block = handle.read(min(BLOCK, offset - done))
            if not block:
                break
            lines += block.count(b"\n")
            done += len(block)
    return lines
