"""One rich progress bar for long work, on stderr so stdout stays clean for JSON and records."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """`start(total)` then `advance(n)`; both are safe to pass as library callbacks."""

    def __init__(self, progress: Progress, description: str, total: int | None) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=total)

    def start(self, total: int | None) -> None:
        self._progress.update(self._task, total=total)

    def advance(self, n: float = 1) -> None:
        self._progress.advance(self._task, n)


@contextlib.contextmanager
def progress_bar(description: str, *, total: int | None = None, show: bool = True, console: Console | None = None) -> Iterator[Bar]:
    """A bar on a terminal; nothing when stderr is a file or a pipe (logs get no redraws)."""
    console = console or Console(stderr=True)
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not show or not console.is_terminal) as progress:
        yield Bar(progress, description, total)
