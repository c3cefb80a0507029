"""Stories for a run: each record's items (its lead, its teasers) with their vectors go to a file
beside the journal as the records are written (`RunFiles.items`), and when the records are
complete they are grouped, in time order, into the index in one transaction; the records then
gain `story` (and `duplicate_of`) as the output is finalised. A run killed at any moment leaves
the index untouched, and its resume groups exactly the same items in the same order."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsnlp.config.inputs import StoriesConfig
from newsnlp.records import Record, ordered
from newsnlp.stories.grouping import Assignment, Grouper
from newsnlp.stories.index import StoryIndex
from newsnlp.stories.items import Item, item_key, order_of
from newsnlp.tasks.base import DocView


def items_of(record: Record, view: DocView | None, fallback: float) -> list[Item]:
    """A record's items: its lead (as the document, named by its title or summary) and each of
    its teasers, with their vectors, each keyed by what it is (`item_key`); a document without
    text has none."""
    if view is None or view.lead_vector.size == 0:
        return []
    doc = view.doc
    found: list[Item] = []
    if doc.lead.strip():
        text = record.get("title") or record.get("summary", {}).get("text") or doc.lead[:300]
        article = record.get("article", {})
        found.append(
            Item.of(
                item_key(None, record.get("url") or doc.url, doc.lead, doc.source),
                doc.id,
                None,
                text,
                view.lead_vector,
                record.get("published") or record.get("fetched"),
                fallback,
                url=doc.url,
                source=doc.source,
                topic=article.get("topic", {}).get("label"),
                sentiment=article.get("sentiment", {}).get("score"),
            )
        )
    teasers = record.get("teasers", [])
    feed_item = not found and len(teasers) == 1  # a document that is one feed item: its date is the item's
    for teaser, vector in zip(teasers, view.teaser_vectors):
        found.append(
            Item.of(
                item_key(teaser.get("id"), teaser.get("url"), teaser["text"], doc.source),
                doc.id,
                teaser["index"],
                teaser["text"],
                vector,
                teaser.get("published")
                or (record.get("published") if feed_item else None)
                or record.get("fetched"),  # a page's own date is not its links'
                fallback,
                url=teaser.get("url"),
                source=doc.source,
                topic=teaser.get("topic", {}).get("label"),
                sentiment=teaser.get("sentiment", {}).get("score"),
            )
        )
    return found


def item_lines(record: Record, view: DocView | None, fallback: float) -> str:
    """A record's items as JSON lines, what `RunStories.add` keeps (where the vectors are: a
    local run's process, a Ray worker)."""
    return "".join(item.to_json() + "\n" for item in items_of(record, view, fallback))


Place = tuple[str, int | None]  # an item's record id and teaser index (None: the lead)


class RunStories:
    """The items of a run's records, kept in `path` (beside its journal), grouped when the run is
    complete; with `resume_ids`, the items of those records a resumed run's journal kept stay."""

    def __init__(self, config: StoriesConfig, encoder: str, path: Path, resume_ids: set[str] | None = None) -> None:
        self.config, self.encoder = config, encoder
        self.path = path
        self.assignments: dict[Place, Assignment] = {}
        self.seconds = 0.0  # spent on stories: keeping items, grouping them
        self.count = 0  # stories in the index after grouping
        keep = _kept_lines(self.path, resume_ids) if resume_ids is not None else []
        with self.path.open("w", encoding="utf-8") as out:  # a resume keeps the items of the records the journal kept
            out.writelines(keep)
        self._out = self.path.open("a", encoding="utf-8")

    def add(self, lines: str) -> None:
        """A record's items as JSON lines (`item_lines`), before the record is written."""
        began = time.perf_counter()
        self._out.write(lines)
        self._out.flush()
        self.seconds += time.perf_counter() - began

    def finish(self) -> None:
        """Group every item, in time order, into the index (one transaction)."""
        began = time.perf_counter()
        self._out.close()
        assert self.config.path is not None
        index = StoryIndex(self.config.path, self.encoder)
        try:
            with index:
                for item, assignment in Grouper(self.config, index).group(self._in_order()):
                    self.assignments[item.doc_id, item.teaser] = assignment
            self.count = index.count()
        finally:
            index.close()
        self.seconds += time.perf_counter() - began

    def _in_order(self) -> Iterator[Item]:
        """The items in grouping order, read one at a time: only their order keys and places in
        the file are held, so memory stays flat however long the run."""
        places = []
        with self.path.open("rb") as lines:
            offset = 0
            for line in lines:
                if line.endswith(b"\n"):  # a torn last line: its record was not kept either
                    row = json.loads(line)
                    places.append((order_of(row["known"], row["when"], row["key"]), offset))
                offset += len(line)
            places.sort()
            for _, offset in places:
                lines.seek(offset)
                yield Item.from_json(lines.readline().decode("utf-8"))

    def amend(self, record: Record) -> Record:
        return ordered(with_stories(record, self.assignments))

    def remove(self) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)


def with_stories(record: Record, assignments: dict[Place, Assignment]) -> Record:
    """The record with `story` (and `duplicate_of`) on the document and each teaser that has one;
    a document without a lead of its own and one teaser (a feed item) takes its teaser's story."""
    found = assignments.get((record["id"], None))
    if found is not None:
        record["story"] = found.story
        if found.duplicate_of:
            record["duplicate_of"] = found.duplicate_of
    for teaser in record.get("teasers", []):
        found = assignments.get((record["id"], teaser["index"]))
        if found is not None:
            teaser["story"] = found.story
            if found.duplicate_of:
                teaser["duplicate_of"] = found.duplicate_of
    teasers = record.get("teasers", [])
    if "story" not in record and len(teasers) == 1 and "story" in teasers[0]:
        record["story"] = teasers[0]["story"]  # a feed item: the document is its one teaser
    return record


def group_records(pairs: Iterable[tuple[Record, DocView | None]], config: StoriesConfig, encoder: str) -> list[Record]:
    """Stories within one set of records (a server request, a watch cycle): in the index when
    `config.path` names one, else among these records alone."""
    started = time.time()
    records, items = [], []
    for record, view in pairs:
        records.append(record)
        items += items_of(record, view, started)
    assignments: dict[Place, Assignment] = {}
    if config.path is None:
        for item, assignment in Grouper(config).group(sorted(items, key=Item.order)):
            assignments[item.doc_id, item.teaser] = assignment
    else:
        index = StoryIndex(config.path, encoder)
        try:
            with index:
                for item, assignment in Grouper(config, index).group(sorted(items, key=Item.order)):
                    assignments[item.doc_id, item.teaser] = assignment
        finally:
            index.close()
    return [with_stories(record, assignments) for record in records]


def _kept_lines(path: Path, ids: set[str]) -> list[str]:
    if not path.is_file():
        return []
    kept = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.endswith("\n"):
                break
            try:
                if json.loads(line)["doc_id"] in ids:
                    kept.append(line)
            except (ValueError, KeyError):
                break
    return kept
