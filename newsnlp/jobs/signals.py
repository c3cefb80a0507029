"""SIGTERM and SIGHUP stop a run or a watch as Ctrl-C does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
