"""Work the server does off its event loop, each kind on threads of its own: URL fetches (slow
servers hold them for as long as they like), parsing (CPU), and the model (`batcher`). Six
slow-loris URLs used to hold every thread of asyncio's shared pool, so /v1/pages and
/v1/summarize (which split sentences there) waited for everyone; and that pool's threads are
joined at exit, so SIGTERM left the process alive while a fetch dragged on.

Here each pool has a fixed number of daemon threads (never waited for at exit); a call that is
abandoned before it starts (its client left, or the server is stopping) is skipped; and the
caller's wait ends at once when the server begins to stop (`Stopping`: the route answers 503),
whatever the thread is still doing. A request whose client hangs up is cancelled
(`unless_gone`), which skips its calls not yet started."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from starlette.requests import Request

T = TypeVar("T")


class Stopping(Exception):
    """The server began to stop while the call waited or ran."""


@dataclass
class _Call:
    call: Callable[[], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    abandoned: bool = field(default=False)


class DaemonPool:
    """`threads` daemon threads that run calls in the order they come (one thread: in order, one
    at a time, as the model needs)."""

    def __init__(self, threads: int, name: str) -> None:
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        for i in range(threads):
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True).start()

    def run(self, call: Callable[[], T]) -> asyncio.Future[T]:
        """The call's result, as a future of the running loop; cancelling the future before the
        call starts skips it."""
        loop = asyncio.get_running_loop()
        job = _Call(call, loop.create_future(), loop)
        job.future.add_done_callback(lambda future: setattr(job, "abandoned", future.cancelled()))
        self._calls.put(job)
        return job.future

    def _loop(self) -> None:
        while True:
            job = self._calls.get()
            if job.abandoned:
                continue
            try:
                result, error = job.call(), None
            except BaseException as exc:  # handed to the awaiting coroutine, whatever it is
                result, error = None, exc
            try:
                job.loop.call_soon_threadsafe(_settle, job.future, result, error)
            except RuntimeError:  # the loop closed meanwhile (the server stopped): nobody waits
                pass


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class Offload:
    """The server's fetch and parse pools, and the event that ends every wait on them at shutdown."""

    def __init__(self, fetch_threads: int, parse_threads: int) -> None:
        self.fetches = DaemonPool(fetch_threads, "nlp-fetch")
        self.parses = DaemonPool(parse_threads, "nlp-parse")
        self._stopping: asyncio.Event | None = None

    @property
    def stopping(self) -> asyncio.Event:
        if self._stopping is None:  # made on the server's loop, on first use
            self._stopping = asyncio.Event()
        return self._stopping

    def stop(self) -> None:
        """Every wait ends now with `Stopping`; calls not started are skipped."""
        self.stopping.set()

    async def fetch(self, call: Callable[[], T]) -> T:
        return await self._wait(self.fetches.run(call))

    async def parse(self, call: Callable[[], T]) -> T:
        return await self._wait(self.parses.run(call))

    async def _wait(self, future: asyncio.Future[T]) -> T:
        if self.stopping.is_set():
            future.cancel()
            raise Stopping
        stop: asyncio.Future[Any] = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({cast("asyncio.Future[Any]", future), stop}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the request was abandoned: skip the call if not started
            future.cancel()
            raise
        finally:
            stop.cancel()
        if not future.done():
            future.cancel()
            raise Stopping
        return future.result()


class ClientGone(Exception):
    """The client closed its connection before its answer: the work for it was abandoned."""


async def unless_gone(request: Request, work: Awaitable[T]) -> T:
    """The work's result; if the client disconnects first, the work is cancelled: its fetches and
    parses not yet started are skipped, and its model pass stops at its next step."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    raise ClientGone


async def _disconnected(request: Request) -> None:
    """Returns when the client hangs up (the body is read: the next message is the disconnect).
    Starlette's `is_disconnected` never saw it through the server's HTTP middlewares."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
