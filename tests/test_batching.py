import numpy as np

from newsnlp.batching import run_batched


def test_restores_input_order_and_sorts_longest_first():
    items = ["a", "ccc", "bb", "dddd", "e"]
    seen = []

    def fn(batch):
        seen.append(list(batch))
        return [s.upper() for s in batch]

    assert run_batched(items, fn, batch_size=2) == ["A", "CCC", "BB", "DDDD", "E"]
    assert seen[0] == ["dddd", "ccc"]  # longest first, so memory errors come early
    assert sum(len(b) for b in seen) == len(items)


def test_arrays_and_progress():
    progress = []
    out = run_batched(list(range(7)), lambda b: np.array(b)[:, None] * 2.0, batch_size=3, length=lambda x: x, on_batch=progress.append)
    assert np.array_equal(np.stack(out)[:, 0], np.arange(7) * 2.0)
    assert progress == [3, 3, 1]


def test_empty():
    assert run_batched([], lambda b: b, batch_size=4) == []
