"""The story index: an SQLite file of stories and their members, which runs, `nlp watch` and the
server extend (`stories.path`).

A run writes it in one transaction when its records are complete (grouping follows the journal),
so a run killed at any moment leaves the index as it was, and its resume groups the same items in
the same order into the same stories; an item the index already holds keeps its story. Only a
file this project made is written (APPLICATION_ID in its SQLite header): a damaged one, or one
of another program, is set aside with a warning and begun again; an index built with another
encoder is refused in one line naming both (their vectors cannot be compared)."""

from __future__ import annotations

import base64
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.errors import ConfigError
from newsnlp.records import utc_stamp as iso  # the index's times as records write them
from newsnlp.sqlite_files import header as file_header
from newsnlp.sqlite_files import hold, set_aside
from newsnlp.stories.grouping import Assignment, Member, Story
from newsnlp.stories.items import Item, names, numbers

APPLICATION_ID = 0x6E6C7073  # "nlps"
# Rows a run could not read back, or whose values are not what the index writes (an edit): checked
# in SQL when an index is opened, fast on a large one. Times stay within years 1 to 9999.
SECONDS = "BETWEEN -62135596800 AND 253402300799"
ROWS_UNREADABLE = (
    "SELECT COUNT(*) FROM stories WHERE typeof(id) != 'text' OR typeof(name) != 'text' OR typeof(total) != 'blob' "
    "OR length(total) % 4 != 0 OR length(total) != (SELECT length(total) FROM stories LIMIT 1) OR typeof(count) != 'integer' "
    f"OR typeof(first) NOT IN ('real', 'integer') OR NOT first {SECONDS} OR typeof(last) NOT IN ('real', 'integer') OR NOT last {SECONDS} "
    f"OR (last_known IS NOT NULL AND (typeof(last_known) NOT IN ('real', 'integer') OR NOT last_known {SECONDS})) "
    "OR typeof(recent) != 'text' OR typeof(sources) != 'text' OR typeof(topics) != 'text' OR typeof(sentiment) != 'text' "
    "OR NOT json_valid(recent) OR NOT json_valid(sources) OR NOT json_valid(topics) OR NOT json_valid(sentiment) "
    "OR substr(ltrim(recent), 1, 1) != '[' OR json_type(sources) != 'array' OR json_type(topics) != 'object' "
    "OR json_type(sentiment) != 'array' OR json_array_length(sentiment) != 4 "  # (recent's members: checked as they are read)
    "OR EXISTS (SELECT 1 FROM json_each(sources) WHERE type != 'text') OR EXISTS (SELECT 1 FROM json_each(topics) WHERE type != 'integer') "
    "OR EXISTS (SELECT 1 FROM json_each(sentiment) WHERE type NOT IN ('null', 'real', 'integer'))"
)
MEMBERS_UNREADABLE = (
    "SELECT COUNT(*) FROM members WHERE typeof(key) != 'text' OR typeof(story) != 'text' OR typeof(doc_id) != 'text' "
    "OR typeof(text) != 'text' OR typeof(duplicate_of) NOT IN ('null', 'text') OR typeof(url) NOT IN ('null', 'text') "
    "OR typeof(source) NOT IN ('null', 'text') OR typeof(topic) NOT IN ('null', 'text') OR typeof(teaser) NOT IN ('null', 'integer') "
    f"OR typeof(sentiment) NOT IN ('null', 'real', 'integer') OR typeof(at) NOT IN ('real', 'integer') OR NOT at {SECONDS}"
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, name TEXT NOT NULL, first REAL NOT NULL, last REAL NOT NULL, "
    "last_known REAL, count INTEGER NOT NULL, total BLOB NOT NULL, recent TEXT NOT NULL, sources TEXT NOT NULL, topics TEXT NOT NULL, "
    "sentiment TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS stories_last_known ON stories (last_known)",
    "CREATE TABLE IF NOT EXISTS members (key TEXT PRIMARY KEY, story TEXT NOT NULL, duplicate_of TEXT, doc_id TEXT NOT NULL, teaser INTEGER, "
    "text TEXT NOT NULL, url TEXT, source TEXT, at REAL NOT NULL, topic TEXT, sentiment REAL)",
    "CREATE INDEX IF NOT EXISTS members_story ON members (story)",
)


class StoryIndex:
    """Stories and members on disk; `with index:` wraps a run's writes in one transaction."""

    @classmethod
    def reading(cls, path: Path) -> StoryIndex:
        """An index opened to read only (`nlp stories`, the report): one line if it is not one."""
        from newsnlp.errors import InputError

        if not Path(path).is_file():
            raise InputError(f"story index {path} not found; build one with nlp run --stories PATH")
        reason = foreign(Path(path))
        if reason:
            raise InputError(f"{path} {reason}, not a story index nlp wrote")
        index = cls.__new__(cls)
        index.path, index.encoder = Path(path), ""
        index.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return index

    def __init__(self, path: Path, encoder: str) -> None:
        self.path, self.encoder = Path(path), encoder
        if self.path.is_dir():
            raise ConfigError(f"stories.path {self.path} is a folder; give a file path such as {self.path / 'stories.sqlite'}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        reason = foreign(self.path)
        if reason:
            try:
                aside = set_aside(self.path, self.path.with_name(self.path.name + ".set-aside"))
            except OSError as exc:
                raise ConfigError(
                    f"story index {self.path} {reason}, and it cannot be moved aside ({exc.strerror or exc}); give another stories.path"
                ) from None
            print(f"nlp: warning: story index {self.path} {reason}; moved aside to {aside}, building a new one from this run", file=sys.stderr)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        hold(self)
        self._sql(f"PRAGMA application_id = {APPLICATION_ID}")
        for statement in SCHEMA:
            self._sql(statement)
        made_with = next(iter(self._sql("SELECT value FROM meta WHERE key = 'encoder'")), None)
        if made_with is None:
            self._sql("INSERT INTO meta VALUES ('encoder', ?)", (encoder,))
        elif made_with[0] != encoder:
            self.db.close()
            raise ConfigError(
                f"story index {self.path} was built with encoder {made_with[0]}, this run's is {encoder}: their vectors cannot be compared; "
                "give another stories.path, or run with that encoder"
            )

    def __enter__(self) -> StoryIndex:
        self._sql("BEGIN IMMEDIATE")
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._sql("ROLLBACK" if exc_type else "COMMIT")

    def close(self) -> None:
        self.db.close()
        self.closed = True

    # what the grouper asks of its store

    def assigned(self, key: str) -> Assignment | None:
        # looked up even in a new index: two items of one run can be one (a teaser linking to a page
        # the run also read, a feed item in two feeds), the second then takes the first's story
        row = next(iter(self._sql("SELECT story, duplicate_of FROM members WHERE key = ?", (key,))), None)
        return Assignment(row[0], row[1]) if row else None

    def active(self, since: float) -> Iterable[Story]:
        return self._stories("WHERE last_known IS NULL OR last_known >= ?", (since,))

    def everything(self, skip: set[str]) -> Iterator[Story]:
        return (s for s in self._stories("", ()) if s.id not in skip)

    def save_story(self, story: Story) -> None:
        recent = [{"key": m.key, "text": m.text, "vector": _b64(m.vector)} for m in story.recent]
        self._sql(
            "INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                story.id,
                story.name,
                story.first,
                story.last,
                story.last_known,
                story.count,
                story.total.astype(np.float32).tobytes(),
                json.dumps(recent),
                json.dumps(sorted(story.sources)),
                json.dumps(story.topics),
                json.dumps([v if np.isfinite(v) else None for v in story.sentiment]),
            ),
        )

    def save_member(self, story: Story, item: Item, assignment: Assignment) -> None:
        self._sql(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.key,
                story.id,
                assignment.duplicate_of,
                item.doc_id,
                item.teaser,
                item.text,
                item.url,
                item.source,
                item.when,
                item.topic,
                item.sentiment,
            ),
        )

    def _sql(self, statement: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of a statement; SQLite's errors on a damaged file (or a full disk) as one line."""
        from newsnlp.errors import InputError

        try:
            return self.db.execute(statement, args).fetchall()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # a damaged page can hold any bytes
            raise InputError(f"story index {self.path}: {exc}; move it aside and run again") from None

    def _stories(self, where: str, args: tuple[Any, ...]) -> Iterator[Story]:
        for row in self._sql(f"SELECT * FROM stories {where}", args):
            yield self._read(row)

    def _read(self, row: tuple[Any, ...]) -> Story:
        """A stored story; damage the checks on opening could not see is one line, not a traceback."""
        from newsnlp.errors import InputError

        try:
            return _story(row)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:  # binascii.Error and JSON errors are ValueErrors
            raise InputError(f"story index {self.path} is damaged (story {str(row[0])[:40]}: {exc}); move it aside and run again") from None

    # what `nlp stories`, the report and a run's closing line read

    def count(self) -> int:
        return int(self._sql("SELECT COUNT(*) FROM stories")[0][0])

    def names(self) -> dict[str, str]:
        """Each story's name by its id (the report's Stories view)."""
        return {str(sid): str(name) for sid, name in self._sql("SELECT id, name FROM stories")}

    def listing(self) -> list[dict[str, Any]]:
        """Every story, largest and newest first, with its members."""
        stories = [self._read(row) for row in self._sql("SELECT * FROM stories")]
        stories.sort(key=lambda s: (-s.count, -s.last, s.id))
        members: dict[str, list[dict[str, Any]]] = {}
        for key, story, duplicate, doc_id, teaser, text, url, source, at, topic, sentiment in self._sql(
            "SELECT key, story, duplicate_of, doc_id, teaser, text, url, source, at, topic, sentiment FROM members ORDER BY at, key"
        ):
            row = {"key": key, "doc_id": doc_id, "text": text, "url": url, "source": source, "seen": iso(at), "topic": topic, "sentiment": sentiment}
            if teaser is not None:
                row["teaser"] = teaser
            if duplicate:
                row["duplicate_of"] = duplicate
            members.setdefault(story, []).append({k: v for k, v in row.items() if v is not None})
        return [describe(s, members.get(s.id, [])) for s in stories]


def describe(story: Story, members: list[dict[str, Any]]) -> dict[str, Any]:
    """A story as `nlp stories` lists it."""
    low, high, total, n = story.sentiment
    return {
        "story": story.id,
        "name": story.name,
        "size": story.count,
        "sources": len(story.sources),
        "first_seen": iso(story.first),
        "last_seen": iso(story.last),
        "topic": story.topics.most_common(1)[0][0] if story.topics else None,
        "sentiment": {"min": round(low, 4), "max": round(high, 4), "mean": round(total / n, 4)} if n else None,
        "members": members,
    }


def _b64(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float16).tobytes()).decode("ascii")


def _story(row: tuple[Any, ...]) -> Story:
    sid, name, first, last, last_known, count, total, recent, sources, topics, sentiment = row
    members = []
    for m in json.loads(recent):
        vector = np.frombuffer(base64.b64decode(m["vector"]), dtype=np.float16).astype(np.float32)
        members.append(Member(m["key"], m["text"], vector, names(m["text"]), numbers(m["text"])))
    low, high, total_s, n = json.loads(sentiment)
    return Story(
        id=sid,
        total=np.frombuffer(total, dtype=np.float32).astype(np.float64),
        count=count,
        first=first,
        last=last,
        last_known=last_known,
        name=name,
        recent=members,
        sources=set(json.loads(sources)),
        topics=Counter(json.loads(topics)),
        sentiment=[np.inf if low is None else low, -np.inf if high is None else high, total_s, n],
    )


def foreign(path: Path) -> str | None:
    """Why a file at `path` is not a story index this project made (None: it is, or there is
    none yet): not SQLite, another program's, or damaged."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    header = file_header(path)
    if header is None:
        return None  # this process holds it open: checked when opened
    if not header.startswith(b"SQLite format 3\x00"):
        return "is not an SQLite file"
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        return "is another program's SQLite file"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "is damaged"
            bad = db.execute(ROWS_UNREADABLE).fetchone()[0]
            if bad:
                return f"is damaged ({bad} unreadable {'story' if bad == 1 else 'stories'})"
            bad = db.execute(MEMBERS_UNREADABLE).fetchone()[0]
            if bad:
                return f"is damaged ({bad} unreadable {'member' if bad == 1 else 'members'})"
        finally:
            db.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        return f"is damaged ({exc})"
    return None
