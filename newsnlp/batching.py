"""The one batching helper every model call goes through: sort by length, batch, restore order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def run_batched(
    items: Sequence[T],
    fn: Callable[[list[T]], Sequence | np.ndarray],
    *,
    batch_size: int,
    length: Callable[[T], int] = len,  # type: ignore[assignment]  # len takes any Sized; T is one wherever the default is used
    on_batch: Callable[[int], None] | None = None,
) -> list:
    """Apply `fn` to length-sorted batches (longest first, so memory errors come early) and
    return its per-item results in the input order. `on_batch(n)` reports progress."""
    if not items:
        return []
    order = sorted(range(len(items)), key=lambda i: -length(items[i]))
    results: list = [None] * len(items)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        out = fn([items[i] for i in idx])
        if len(out) != len(idx):
            raise RuntimeError(f"batch function returned {len(out)} results for {len(idx)} items")
        for i, value in zip(idx, out):
            results[i] = value
        if on_batch:
            on_batch(len(idx))
    return results
