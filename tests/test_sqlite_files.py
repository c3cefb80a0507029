"""A header read must not drop the locks of a connection this process holds (SQLite's POSIX-lock
hazard): a second cache or index opened on a file held open gave "disk I/O error" later."""

from __future__ import annotations

import numpy as np

from newsnlp.models.cache import EmbeddingCache
from newsnlp.sqlite_files import header, held


def test_a_held_cache_is_not_read_again_and_both_keep_working(tmp_path, capsys):
    path = tmp_path / "e.sqlite"
    first = EmbeddingCache(path, "fp")
    first.put(["a"], np.ones((1, 2), dtype=np.float32))
    assert held(path) and header(path) is None
    second = EmbeddingCache(path, "fp")  # the same process opens it again (the server's second pipeline, nlp bench)
    for i in range(20):
        second.put([f"x{i}"], np.ones((1, 2), dtype=np.float32))
        first.put([f"y{i}"], np.ones((1, 2), dtype=np.float32))
    assert first.get(["x19"])[0] is not None and second.get(["y19"])[0] is not None
    assert "cannot be used" not in capsys.readouterr().err
    first.close()
    second.close()
    assert not held(path) and header(path).startswith(b"SQLite format 3")
