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
import os
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


class ParseProcesses:
    """Worker processes at the lowest CPU priority for what a hostile page can make long (parsing
    HTML and feeds): apart from the server's interpreter lock, they get only the CPU the model and
    the event loop leave (a 1.7 MB page parsed on a thread, again and again, made other clients'
    p95 3.8 times longer). A call not started when its request is abandoned is skipped; at
    shutdown the processes are killed, not waited for."""

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_lowest_priority)

    def run(self, call: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.wrap_future(self._pool.submit(call, *args))

    def stop(self) -> None:
        processes = list((getattr(self._pool, "_processes", None) or {}).values())  # CPython's; None once shut down
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()


def _lowest_priority() -> None:
    try:
        os.nice(19)
    except OSError:  # not allowed here: the separate interpreter lock is still worth it
        pass


class Offload:
    """The server's fetch and parse pools, and the event that ends every wait on them at shutdown."""

    def __init__(self, fetch_threads: int, parse_threads: int, parse_processes: int = 0) -> None:
        self.fetches = DaemonPool(fetch_threads, "nlp-fetch")
        self.parses = DaemonPool(parse_threads, "nlp-parse")
        self.processes = ParseProcesses(parse_processes) if parse_processes else None
        self._stopping: asyncio.Event | None = None

    @property
    def stopping(self) -> asyncio.Event:
        if self._stopping is None:  # made on the server's loop, on first use
            self._stopping = asyncio.Event()
        return self._stopping

    def stop(self) -> None:
        """Every wait ends now with `Stopping`; calls not started are skipped."""
        self.stopping.set()
        if self.processes is not None:
            self.processes.stop()

    async def fetch(self, call: Callable[[], T]) -> T:
        return await self._wait(self.fetches.run(call))

    async def parse(self, call: Callable[[], T]) -> T:
        return await self._wait(self.parses.run(call))

    async def parse_page(self, call: Callable[..., T], *args: Any) -> T:
        """A page's parse: in the low-priority processes (`call` and `args` travel by pickle), or
        on the parse threads without them."""
        if self.processes is None:
            return await self.parse(lambda: call(*args))
        return await self._wait(self.processes.run(call, *args))

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
