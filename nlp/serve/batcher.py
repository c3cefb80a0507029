"""Requests that arrive together share one model pass: each request's items (texts or documents)
wait at most `max_wait_s` for others of the same kind, then go to the model as one call, off the
event loop, so health checks answer while it runs. The queue is bounded (`QueueFull`: the
server says 503), and a request that times out frees its slot at once (its items are skipped if
their pass has not started)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

Run = Callable[[Hashable, list[Any]], Sequence[Any]]  # (kind, items) -> one result per item, in order


class QueueFull(Exception):
    """More requests wait for the model than `max_queue`."""


@dataclass
class _Job:
    kind: Hashable
    items: list[Any]
    future: asyncio.Future[list[Any]]
    abandoned: bool = field(default=False)


class Batcher:
    def __init__(
        self, run: Run, *, max_wait_s: float, max_batch: int, max_queue: int, on_batch: Callable[[Hashable, int], None] | None = None
    ) -> None:
        """`run` is called in a worker thread, one call at a time; `on_batch(kind, items)` is told
        each pass's size (metrics)."""
        self.run, self.max_wait_s, self.max_batch, self.max_queue, self.on_batch = run, max_wait_s, max_batch, max_queue, on_batch
        self.waiting = 0  # requests submitted and not answered: the queue's bound
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._serve())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def submit(self, kind: Hashable, items: list[Any], timeout_s: float) -> list[Any]:
        """One result per item; raises QueueFull, or asyncio.TimeoutError after `timeout_s`."""
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
        while True:
            batch = await self._gather()
            for kind in dict.fromkeys(job.kind for job in batch):
                await self._run([job for job in batch if job.kind == kind and not job.abandoned], kind)

    async def _gather(self) -> list[_Job]:
        """The next job, then whatever else arrived within `max_wait_s`, up to `max_batch` items
        (a pass already under way lets requests gather meanwhile: under load, no wait at all)."""
        batch = [await self._queue.get()]
        size = len(batch[0].items)
        if size < self.max_batch and self._queue.empty() and self.max_wait_s > 0:
            await asyncio.sleep(self.max_wait_s)
        while size < self.max_batch and not self._queue.empty():
            job = self._queue.get_nowait()
            batch.append(job)
            size += len(job.items)
        return batch

    async def _run(self, jobs: list[_Job], kind: Hashable) -> None:
        if not jobs:
            return
        items = [item for job in jobs for item in job.items]
        if self.on_batch:
            self.on_batch(kind, len(items))
        try:
            results = await asyncio.to_thread(self.run, kind, items)
        except Exception as exc:  # every request of the pass hears of it
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        start = 0
        for job in jobs:
            if not job.future.done():
                job.future.set_result(list(results[start : start + len(job.items)]))
            start += len(job.items)
