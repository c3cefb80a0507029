"""A run's files: `RunFiles` names every file a run keeps beside its output (the one place those
names are written), `check_output` is the one check of every file a command writes, and
`output_lock` keeps two runs from writing one output."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsnlp.errors import InputError

JOURNAL = ".partial"


@dataclass(frozen=True)
class RunFiles:
    """`<output>` and what a run keeps beside it: the journal `.partial` (records as they are
    written), its checksums `.partial.sums`, the run it came from `.partial.meta` (what `--resume`
    checks), the stories' items `.partial.items`, the lock `.lock`, and, once finished, the run's
    description `.run.json` (`nlp report` reads it)."""

    output: Path

    @classmethod
    def of_journal(cls, journal: Path) -> RunFiles:
        return cls(journal.with_name(journal.name.removesuffix(JOURNAL)))

    def _beside(self, suffix: str) -> Path:
        return self.output.with_name(self.output.name + suffix)

    @property
    def journal(self) -> Path:
        return self._beside(JOURNAL)

    @property
    def sums(self) -> Path:
        return self._beside(JOURNAL + ".sums")

    @property
    def meta(self) -> Path:
        return self._beside(JOURNAL + ".meta")

    @property
    def items(self) -> Path:
        return self._beside(JOURNAL + ".items")

    @property
    def lock(self) -> Path:
        return self._beside(".lock")

    @property
    def description(self) -> Path:
        return self._beside(".run.json")

    def all(self) -> list[Path]:
        """The output and every file beside it."""
        return [self.output, self.journal, self.sums, self.meta, self.items, self.lock, self.description]


def check_output(output: Path, inputs: Sequence[str | Path], *, what: str = "a run", records_too: bool = False, index: Path | None = None) -> None:
    """The one check of every file a command writes (`nlp run`, `read`, `watch`, `report`):
    never one of its inputs, never a folder, a symlink, a device, FIFO or socket (only regular
    files are replaced, atomically), with `records_too` never a records file (the report's -o
    onto a run's records turned them into HTML), and in a folder that can be written. The story
    `index` the command writes too is neither the output (nor a file beside it) nor an input: a
    run's finished records replaced the index, and watch appended JSON into it."""
    files = [Path(ref) for ref in inputs if not str(ref).lower().startswith(("http://", "https://"))]
    for path in files:
        if path.exists() and output.exists() and path.resolve() == output.resolve():
            raise InputError(f"output {output} is an input of {what}; choose another output")
    if index is not None:
        beside = next((f for f in RunFiles(output).all() if same_file(Path(index), f)), None)
        if beside is not None:
            one = "are one file" if beside == output else f"collide ({beside.name} is a file {what} keeps beside its output)"
            raise InputError(f"output {output} and the story index {index} (--stories) {one}; give them different paths")
        if any(same_file(Path(index), path) for path in files):
            raise InputError(f"story index {index} (--stories) is an input of {what}; give the index another path")
    if output.is_symlink():
        raise InputError(f"output {output} is a symlink, which {what} would replace; choose a regular file")
    if output.exists() and output.is_dir():
        raise InputError(f"output {output} is a folder; give a file path such as {output / 'records.jsonl'}")
    if output.exists() and not output.is_file():
        raise InputError(f"output {output} is not a regular file (a device, FIFO or socket), which {what} would replace; choose a regular file")
    if records_too and output.is_file() and holds_records(output):
        raise InputError(f"output {output} holds records that {what} would overwrite; choose another output")
    folder = output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {folder}: {exc.strerror}; choose another output") from exc
    if not os.access(folder, os.W_OK):
        raise InputError(f"output folder {folder} is not writable; choose another output")


def same_file(a: Path, b: Path) -> bool:
    """One file under two names: the same path once resolved (existing or not), or one inode."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def holds_records(path: Path) -> bool:
    """A file whose first line (or a JSON array's first element) is a record nlp wrote."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    text = head.decode("utf-8", "replace").lstrip()
    first = text[1:].lstrip() if text.startswith("[") else text
    line = first.split("\n", 1)[0]
    try:
        row = json.loads(line.rstrip(","))
    except ValueError:
        return '"id"' in line[:200] and ('"teasers"' in first or '"summary"' in first)
    return isinstance(row, dict) and "id" in row and bool({"teasers", "summary", "article", "error"} & set(row))


@contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold `<output>.lock` (filelock: an OS lock, released when the process dies, kill -9
    included) for a whole run, so two runs never write one output: a second run, with or without
    --resume, is refused in one line naming the holder's pid."""
    from filelock import FileLock, Timeout

    file = RunFiles(path).lock
    try:
        holder = file.read_text(encoding="utf-8").strip() if file.is_file() else ""
    except OSError:
        holder = ""
    lock = FileLock(str(file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(
            f"another run{f' (pid {holder})' if holder.isdigit() else ''} is writing {path}; wait for it to finish or choose another --output"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot write output {path}: {exc.strerror}; choose another --output") from exc
    try:
        file.write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        lock.release()
        file.unlink(missing_ok=True)
