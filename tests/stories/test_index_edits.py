"""A story index edited by hand (or by another tool) gives a listing, a run that sets it aside, or
one line: never a traceback (Step 3). Each edit below gave one before: a NULL id, a text time, a
time past year 9999, a member's bytes, a topic count that is text, a sentiment that is not numbers."""

from __future__ import annotations

import io
import shutil
import sqlite3
from contextlib import redirect_stderr

import numpy as np
import pytest

from newsnlp.config import StoriesConfig
from newsnlp.errors import NlpError
from newsnlp.formats.stories import STORY_FORMATS, render_stories
from newsnlp.stories.grouping import Grouper
from newsnlp.stories.index import StoryIndex
from newsnlp.stories.items import Item

EDITS = [
    ("stories", "id", None),
    ("stories", "name", b"\x00\xff"),
    ("stories", "first", 1e308),
    ("stories", "last_known", "text"),
    ("stories", "sources", "[1, 2]"),
    ("stories", "topics", '{"energy": "many"}'),
    ("stories", "sentiment", '[1, 2, "x", 1]'),
    ("stories", "recent", '[{"key": "k", "text": 5, "vector": "AAA="}]'),
    ("members", "key", b"\x00\xff"),
    ("members", "at", "yesterday"),
    ("members", "at", 1e308),
    ("members", "teaser", "first"),
]


def items():
    rng = np.random.default_rng(0)
    return [
        Item.of(f"k{i}", f"d{i}", None, f"Oil talks in Vienna, round {i % 3}", rng.normal(size=8), f"2024-01-0{1 + i % 5}" if i % 4 else None, 0.0)
        for i in range(10)
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("index") / "stories.sqlite"
    index = StoryIndex(path, "minilm")
    with index:
        list(Grouper(StoriesConfig(threshold=0.5), index).group(sorted(items()[:6], key=Item.order)))
    index.close()
    return path


@pytest.mark.parametrize("table, column, value", EDITS)
def test_an_edited_index_is_listed_set_aside_or_one_line(built, tmp_path, table, column, value):
    path = tmp_path / "stories.sqlite"
    shutil.copy(built, path)
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT min(rowid) FROM {table})", (value,))
    try:
        index = StoryIndex.reading(path)
        try:
            for fmt in STORY_FORMATS:
                render_stories(index.listing(), fmt)
        finally:
            index.close()
    except NlpError as exc:
        assert "\n" not in str(exc) and "damaged" in str(exc)
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            index = StoryIndex(path, "minilm")
            try:
                with index:
                    placed = list(Grouper(StoriesConfig(threshold=0.5), index).group(sorted(items(), key=Item.order)))
            finally:
                index.close()
    except NlpError as exc:  # damage seen only as a story is read (its recent members): one line, the file as it was
        assert "\n" not in str(exc) and "damaged" in str(exc) and column == "recent"
        return
    assert len(placed) == 10 and "moved aside" in stderr.getvalue()  # the edited file is kept beside, as it was
    assert sqlite3.connect(tmp_path / "stories.sqlite.set-aside").execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
