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


def test_a_second_set_aside_never_overwrites_the_first(tmp_path, capsys):
    """Another program's database at the index's path is moved aside; that program makes it again
    and it is moved aside again: both copies keep their rows (the second rename replaced the first)."""
    import sqlite3

    from newsnlp.stories.index import StoryIndex

    path = tmp_path / "stories.sqlite"
    for round_ in (1, 2):
        path.unlink(missing_ok=True)  # the other program makes its file again where the index was
        with sqlite3.connect(path) as db:  # in WAL mode: rows in its -wal too
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE notes (round INTEGER)")
            db.execute("INSERT INTO notes VALUES (?)", (round_,))
        StoryIndex(path, "minilm").close()
    asides = sorted(tmp_path.glob("stories.sqlite.set-aside*"))
    assert [p.name for p in asides if not p.name.endswith(("-wal", "-shm"))] == ["stories.sqlite.set-aside", "stories.sqlite.set-aside.2"]
    for aside, round_ in (("stories.sqlite.set-aside", 1), ("stories.sqlite.set-aside.2", 2)):
        with sqlite3.connect(tmp_path / aside) as db:
            assert db.execute("SELECT round FROM notes").fetchall() == [(round_,)]
    warnings = capsys.readouterr().err
    assert "moved aside to " + str(tmp_path / "stories.sqlite.set-aside.2") in warnings


def test_a_damaged_cache_set_aside_twice_keeps_both(tmp_path):
    path = tmp_path / "embeddings.sqlite"
    for content in (b"first damaged cache " * 300, b"second damaged cache " * 300):
        path.write_bytes(b"SQLite format 3\x00" + content)
        EmbeddingCache(path, "fp").close()
    assert (tmp_path / "embeddings.corrupt").read_bytes().startswith(b"SQLite format 3\x00first")
    assert (tmp_path / "embeddings.corrupt.2").read_bytes().startswith(b"SQLite format 3\x00second")
