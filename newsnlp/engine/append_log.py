"""An append-only JSONL output for `nlp watch`: each record one whole line, flushed and synced
before the next, so a kill at any moment leaves at most a torn last line, which the next start
cuts off; what the file holds is what was done (the seen set is rebuilt from it)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from newsnlp.errors import InputError


class AppendLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO | None = None
        self.written = 0

    def records(self) -> Iterator[dict[str, Any]]:
        """The records already in the file (after cutting a torn last line)."""
        if not self.path.exists():
            return
        self._repair()
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    record = json.loads(raw)
                except ValueError:
                    raise InputError(f"{self.path}:{number}: not a record (invalid JSON); it is not an output nlp watch wrote") from None
                if isinstance(record, dict):
                    yield record

    def _repair(self) -> None:
        """Cut a last line that a kill left without its newline."""
        size = self.path.stat().st_size
        if not size:
            return
        with self.path.open("rb+") as handle:
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            end = size
            while end > 0:  # back to the last newline, a block at a time
                start = max(0, end - (1 << 20))
                handle.seek(start)
                cut = handle.read(end - start).rfind(b"\n")
                if cut >= 0:
                    handle.truncate(start + cut + 1)
                    return
                end = start
            handle.truncate(0)

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
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}; {self.written} records were appended this time") from exc
        self.written += 1

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
