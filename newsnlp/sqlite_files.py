"""SQLite files this process holds open (the embedding cache, the story index).

Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
connections' included (SQLite's documented "how to corrupt" hazard): a header read with
`open()` while a connection was live gave that connection "disk I/O error" later. So a file
this process already holds (and checked when it opened it) is never read again by `open()`.
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

_HOLDERS: weakref.WeakSet[Any] = weakref.WeakSet()  # objects with `.path` and `.db`, and `.closed` set once closed


def hold(holder: Any) -> None:
    """`holder` keeps an SQLite connection to `holder.path` open while `holder.db` is set."""
    _HOLDERS.add(holder)


def held(path: Path) -> bool:
    """Whether this process holds an open connection to the file at `path`."""
    try:
        target = Path(path).resolve()
    except OSError:
        return False
    return any(getattr(h, "db", None) is not None and not getattr(h, "closed", False) and Path(h.path).resolve() == target for h in list(_HOLDERS))


def header(path: Path, size: int = 100) -> bytes | None:
    """The file's first bytes, or None when this process holds it open (checked when opened)."""
    if held(path):
        return None
    with Path(path).open("rb") as handle:
        return handle.read(size)


# Files SQLite keeps beside a database that hold its committed pages (moved with it); `-shm` is
# an index rebuilt from the `-wal` (dropped).
COMPANIONS = ("-wal", "-journal")


def set_aside(path: Path, first: Path) -> Path:
    """Move the database at `path` (with its `-wal` and `-journal`) to `first`, or, where a file
    already holds that name (an earlier set-aside), to `first.2`, `first.3`, ...: a copy set
    aside is never overwritten. The name it was moved to."""
    for n in range(1, 10_000):
        aside = first if n == 1 else first.with_name(f"{first.name}.{n}")
        if any(Path(f"{aside}{end}").exists() for end in ("", *COMPANIONS)):
            continue
        if not _move_unless_taken(path, aside):
            continue  # another process took the name between the look and the move
        for end in COMPANIONS:
            companion = Path(f"{path}{end}")
            if companion.exists():
                _move_unless_taken(companion, Path(f"{aside}{end}"))
        Path(f"{path}-shm").unlink(missing_ok=True)
        return aside
    raise OSError(f"no free name to move {path} aside to beside {first}")


def _move_unless_taken(source: Path, target: Path) -> bool:
    """Rename `source` to `target` unless `target` exists (a hard link fails on an existing
    name, where a rename would replace it); False when it does."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: look, then rename
        if target.exists():
            return False
        source.rename(target)
        return True
    source.unlink()
    return True
