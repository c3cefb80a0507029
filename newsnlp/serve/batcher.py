"""Requests that arrive together share one model pass, and no request holds the model for long.

Each request's items (texts or documents) wait at most `max_wait_s` for others of the same kind,
then go to the model as one pass, off the event loop, so health checks answer while it runs.
A pass is a generator of small steps (one encoder batch each, for a long summary); passes in
progress take turns a step at a time, so a classify sent after a maximum-size summarize is
answered before that summarize finishes. A pass that fails is tried again one request at a
time, so only the request whose input broke it fails. The queue is bounded (`QueueFull`: the
server says 503); a request that times out frees its slot at once, and a pass whose every
request timed out or was abandoned (its client left) stops at its next step. On shutdown, passes under way
get `shutdown_s` to finish; what is left is answered `ShuttingDown` (503). Model steps run on a
daemon thread, so a step still running cannot keep a stopped server's process alive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsnlp.serve.offload import DaemonPool

Steps = Generator[None, None, Sequence[Any]]  # yields between steps; returns one result per item, in order
Run = Callable[[Hashable, list[Any]], "Steps | Sequence[Any]"]  # a plain result is a pass of one step


class QueueFull(Exception):
    """More requests wait for the model than `max_queue`."""


class ShuttingDown(Exception):
    """The server is stopping: the request was not (or not fully) answered."""


@dataclass
class _Job:
    kind: Hashable
    items: list[Any]
    future: asyncio.Future[list[Any]]
    abandoned: bool = field(default=False)


@dataclass
class _Pass:
    kind: Hashable
    jobs: list[_Job]
    start: Callable[[], Steps | Sequence[Any]]  # called on the model thread: the pass's first step
    steps: Steps | None = None


_DONE = object()


def _advance(current: _Pass) -> Any:
    """One step of a pass, on the model thread: (_DONE, results) when it finished, else None."""
    if current.steps is None:
        started = current.start()
        if not isinstance(started, Generator):
            return (_DONE, started)
        current.steps = started
    try:
        next(current.steps)
    except StopIteration as stop:
        return (_DONE, stop.value)
    return None


class Batcher:
    def __init__(
        self,
        run: Run,
        *,
        max_wait_s: float,
        max_batch: int,
        max_queue: int,
        shutdown_s: float = 30.0,
        on_batch: Callable[[Hashable, int], None] | None = None,
    ) -> None:
        """`run(kind, items)`, called on the model thread, returns the pass's results, or a
        generator of its steps that returns them; `on_batch(kind, items)` is told each pass's size."""
        self.run, self.max_wait_s, self.max_batch, self.max_queue, self.on_batch = run, max_wait_s, max_batch, max_queue, on_batch
        self.shutdown_s = shutdown_s
        self.waiting = 0  # requests submitted and not answered: the queue's bound
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._active: list[_Pass] = []
        self._task: asyncio.Task[None] | None = None
        self._worker: DaemonPool | None = None
        self._stopping = False
        self._deadline: float | None = None  # when passes still under way are answered ShuttingDown
        self._in_flight: asyncio.Future[Any] | None = None  # the step running on the model thread

    def start(self) -> None:
        self._worker = DaemonPool(1, "nlp-model")  # one step at a time: the model is used by one
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def begin_shutdown(self) -> None:
        """SIGTERM arrived: refuse new requests now; passes under way have `shutdown_s`."""
        if not self._stopping:
            self._stopping = True
            self._deadline = time.monotonic() + self.shutdown_s
            for job in self._drain():  # queued, not started: answered at once
                if not job.future.done():
                    job.future.set_exception(ShuttingDown())

    async def stop(self) -> None:
        """Refuse new requests, give passes under way `shutdown_s` to finish, answer the rest 503,
        and wait for the step on the model thread (a step is short) so none is cut off at exit."""
        self.begin_shutdown()
        while self._active and time.monotonic() < (self._deadline or 0):
            await asyncio.sleep(0.05)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._refuse_the_rest()
        if self._in_flight is not None and not self._in_flight.done():
            await asyncio.wait({self._in_flight}, timeout=120)

    def _refuse_the_rest(self) -> None:
        for job in [job for p in self._active for job in p.jobs] + self._drain():
            if not job.future.done():
                job.future.set_exception(ShuttingDown())
        self._active.clear()

    def _drain(self) -> list[_Job]:
        jobs = []
        while not self._queue.empty():
            jobs.append(self._queue.get_nowait())
        return jobs

    async def submit(self, kind: Hashable, items: list[Any], timeout_s: float) -> list[Any]:
        """One result per item; raises QueueFull, ShuttingDown, or TimeoutError after `timeout_s`."""
        if self._stopping:
            raise ShuttingDown
        if self.waiting >= self.max_queue:
            raise QueueFull
        job = _Job(kind, items, asyncio.get_running_loop().create_future())
        self.waiting += 1
        self._queue.put_nowait(job)
        try:
            return await asyncio.wait_for(asyncio.shield(job.future), timeout_s)
        finally:
            self.waiting -= 1
            job.abandoned = not job.future.done()  # timed out or the client went away: skip it if not started

    async def _serve(self) -> None:
        """Start the passes of what arrived, then advance every pass under way one step, in turn."""
        while True:
            if not self._active:
                await self._start(await self._gather())
            elif not self._queue.empty() and not self._stopping:
                await self._start(self._take())
            for current in list(self._active):
                if all(job.abandoned for job in current.jobs):  # every client left or timed out: no more steps for nobody
                    self._active.remove(current)
                    continue
                await self._step(current)
            if self._stopping and self._deadline is not None and time.monotonic() >= self._deadline:
                self._refuse_the_rest()  # the grace is over: what is left hears 503 now

    async def _gather(self) -> list[_Job]:
        """The next job, then whatever else arrived within `max_wait_s`, up to `max_batch` items
        (a pass already under way lets requests gather meanwhile: under load, no wait at all)."""
        first = await self._queue.get()
        if len(first.items) < self.max_batch and self._queue.empty() and self.max_wait_s > 0:
            await asyncio.sleep(self.max_wait_s)
        return [first, *self._take(len(first.items))]

    def _take(self, size: int = 0) -> list[_Job]:
        batch: list[_Job] = []
        while (size < self.max_batch or not batch) and not self._queue.empty():
            job = self._queue.get_nowait()
            batch.append(job)
            size += len(job.items)
        return batch

    async def _start(self, batch: list[_Job]) -> None:
        for kind in dict.fromkeys(job.kind for job in batch):
            jobs = [job for job in batch if job.kind == kind and not job.abandoned]
            if jobs:
                await self._begin(kind, jobs)

    async def _begin(self, kind: Hashable, jobs: list[_Job]) -> None:
        items = [item for job in jobs for item in job.items]
        if self.on_batch:
            self.on_batch(kind, len(items))
        self._active.append(_Pass(kind, jobs, lambda: self.run(kind, items)))

    async def _step(self, current: _Pass) -> None:
        assert self._worker is not None
        try:
            self._in_flight = self._worker.run(lambda: _advance(current))
            outcome = await asyncio.shield(self._in_flight)
        except Exception as exc:
            self._active.remove(current)
            await self._failed(current, exc)
            return
        if outcome is None:
            return
        self._active.remove(current)
        results, start = outcome[1], 0
        for job in current.jobs:
            if not job.future.done():
                job.future.set_result(list(results[start : start + len(job.items)]))
            start += len(job.items)

    async def _failed(self, current: _Pass, exc: Exception) -> None:
        """A shared pass that failed is tried again one request at a time, so that only the
        request whose input broke it fails; a pass of one request fails that request."""
        if len(current.jobs) == 1:
            if not current.jobs[0].future.done():
                current.jobs[0].future.set_exception(exc)
            return
        for job in current.jobs:
            if not job.future.done() and not job.abandoned:
                await self._begin(current.kind, [job])
