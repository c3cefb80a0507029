"""The batcher on its own: requests within the window share one call, results go back to their
requests in order, a full queue refuses, a timed-out request is skipped, errors reach everyone."""

from __future__ import annotations

import asyncio
import time

import pytest

from newsnlp.serve.batcher import Batcher, QueueFull


def run(coro):
    return asyncio.run(coro)


def test_requests_in_the_window_share_one_call_and_get_their_own_results():
    calls = []

    def model(kind, items):
        calls.append((kind, list(items)))
        return [f"{kind}:{x}" for x in items]

    async def main():
        batcher = Batcher(model, max_wait_s=0.05, max_batch=100, max_queue=10)
        batcher.start()
        results = await asyncio.gather(batcher.submit("a", [1, 2], 5), batcher.submit("a", [3], 5), batcher.submit("b", [4], 5))
        await batcher.stop()
        return results

    assert run(main()) == [["a:1", "a:2"], ["a:3"], ["b:4"]]
    assert calls == [("a", [1, 2, 3]), ("b", [4])]  # one pass per kind


def test_max_batch_splits_passes():
    sizes = []

    async def main():
        batcher = Batcher(lambda kind, items: sizes.append(len(items)) or list(items), max_wait_s=0.05, max_batch=2, max_queue=10)
        batcher.start()
        await asyncio.gather(*(batcher.submit("a", [i], 5) for i in range(5)))
        await batcher.stop()

    run(main())
    assert sum(sizes) == 5 and max(sizes) <= 2


def test_a_full_queue_refuses_and_a_timeout_frees_its_slot_and_is_skipped():
    seen = []

    def slow(kind, items):
        seen.extend(items)
        time.sleep(0.3)
        return list(items)

    async def main():
        batcher = Batcher(slow, max_wait_s=0, max_batch=1, max_queue=3)  # first, second and third fit once "late" has freed its slot
        batcher.start()
        first = asyncio.ensure_future(batcher.submit("a", ["first"], 5))
        await asyncio.sleep(0.05)  # the first pass is running
        with pytest.raises(asyncio.TimeoutError):
            await batcher.submit("a", ["late"], 0.05)  # waits behind the first, gives up
        second = asyncio.ensure_future(batcher.submit("a", ["second"], 5))
        third = asyncio.ensure_future(batcher.submit("a", ["third"], 5))
        await asyncio.sleep(0.01)
        with pytest.raises(QueueFull):
            await batcher.submit("a", ["refused"], 5)
        done = await asyncio.gather(first, second, third)
        await batcher.stop()
        return done

    assert run(main()) == [["first"], ["second"], ["third"]]
    assert "late" not in seen and "refused" not in seen


def test_an_error_in_a_pass_reaches_every_request_of_it():
    def broken(kind, items):
        raise RuntimeError("model failed")

    async def main():
        batcher = Batcher(broken, max_wait_s=0.02, max_batch=10, max_queue=10)
        batcher.start()
        results = await asyncio.gather(batcher.submit("a", [1], 5), batcher.submit("a", [2], 5), return_exceptions=True)
        await batcher.stop()
        return results

    assert all(isinstance(r, RuntimeError) for r in run(main()))


def test_a_shared_pass_that_fails_is_retried_per_request_so_only_the_bad_one_fails():
    """Step 3 (news-input round): one bad text in a shared pass gave 500 to every request of it
    (86 of 100 good requests beside 5 bad ones)."""

    def model(kind, items):
        if "bad" in items:
            raise UnicodeEncodeError("utf-8", "bad", 0, 1, "surrogates not allowed")
        return [f"ok:{x}" for x in items]

    async def main():
        batcher = Batcher(model, max_wait_s=0.05, max_batch=100, max_queue=100)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit("a", [x], 5) for x in ["a", "b", "bad", "c"]), return_exceptions=True)
        await batcher.stop()
        return results

    good_a, good_b, bad, good_c = run(main())
    assert (good_a, good_b, good_c) == (["ok:a"], ["ok:b"], ["ok:c"]) and isinstance(bad, UnicodeEncodeError)


def test_passes_take_turns_a_step_at_a_time():
    """Step 3: one request held the model for minutes; a later, short request is now answered
    before a long one finishes (by order, not by timers)."""
    finished = []

    def model(kind, items):
        if kind == "long":
            for _ in range(50):
                time.sleep(0.002)
                yield
        finished.append(kind)
        return list(items)

    async def main():
        batcher = Batcher(model, max_wait_s=0, max_batch=10, max_queue=10)
        batcher.start()
        long = asyncio.ensure_future(batcher.submit("long", ["l"], 5))
        await asyncio.sleep(0.01)  # the long pass is under way
        short = await batcher.submit("short", ["s"], 5)
        done = await long
        await batcher.stop()
        return short, done

    assert run(main()) == (["s"], ["l"]) and finished == ["short", "long"]


def test_on_shutdown_passes_under_way_finish_within_the_grace_and_the_rest_are_refused():
    from newsnlp.serve.batcher import ShuttingDown

    def model(kind, items):
        for _ in range(1000 if kind == "endless" else 3):
            time.sleep(0.002)
            yield
        return list(items)

    async def main():
        batcher = Batcher(model, max_wait_s=0, max_batch=1, max_queue=10, shutdown_s=0.3)
        batcher.start()
        short = asyncio.ensure_future(batcher.submit("short", ["s"], 10))
        endless = asyncio.ensure_future(batcher.submit("endless", ["e"], 10))
        await asyncio.sleep(0.02)
        started = time.monotonic()
        await batcher.stop()
        with pytest.raises(ShuttingDown):
            await batcher.submit("short", ["late"], 5)
        return await short, await asyncio.gather(endless, return_exceptions=True), time.monotonic() - started

    short, (endless,), took = run(main())
    assert short == ["s"] and isinstance(endless, ShuttingDown) and took < 2
