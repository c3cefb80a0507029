"""SQLite files this process holds open (the embedding cache, the story index).

Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
connections' included (SQLite's documented "how to corrupt" hazard): a header read with
`open()` while a connection was live gave that connection "disk I/O error" later. So a file
this process already holds (and checked when it opened it) is never read again by `open()`.
"""

from __future__ import annotations

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
