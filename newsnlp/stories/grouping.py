"""Grouping items into stories, one item at a time, in time order.

An item joins the story it scores highest against, when the score reaches `threshold`:

    score = mean cosine to the story's members
          + entity_weight × the best overlap (Jaccard) of capitalised names with one of its members
          + number_weight × the best overlap of numbers with one of its members

A dated item meets only stories whose last dated member is within `window` (3 days) of it: two OPEC+
meetings months apart, or two Fed decisions six weeks apart, never share a story, however alike
their words (on the development set, the embedding alone merged 94% of such look-alike pairs). An
item without a known time meets every story. A story whose last dated member falls out of the
window leaves memory (it stays in the index). An item within `duplicate` cosine of a member is
also its `duplicate_of` (a wire copy). The knobs are chosen per encoder out of fold
(scripts/choose_story_knobs.py, docs/quality.md)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from newsnlp.config.inputs import StoriesConfig
from newsnlp.stories.items import Item

RECENT = 24  # members a story keeps in memory for names, numbers, duplicates and its name


def story_id(founder: str) -> str:
    """A stable id: `st-` and 12 hex digits of the founding item's key."""
    return "st-" + hashlib.sha256(founder.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass
class Member:
    key: str
    text: str
    vector: np.ndarray
    names: frozenset[str]
    numbers: frozenset[str]


@dataclass
class Story:
    id: str
    total: np.ndarray  # the sum of the members' vectors (float64)
    count: int = 0
    first: float = 0.0
    last: float = 0.0
    last_known: float | None = None  # the latest member time that was known (published or fetched)
    name: str = ""
    recent: list[Member] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    topics: Counter[str] = field(default_factory=Counter)
    sentiment: list[float] = field(default_factory=lambda: [np.inf, -np.inf, 0.0, 0.0])  # min, max, sum, n
    seen: tuple[frozenset[str], frozenset[str]] | None = field(default=None, repr=False)  # the recent members' names, numbers

    def add(self, item: Item) -> None:
        self.total = self.total + item.vector
        self.count += 1
        self.first = item.when if self.count == 1 else min(self.first, item.when)
        if item.known:  # last seen: the latest dated member (an undated one's time is only the run's)
            self.last = item.when if self.last_known is None else max(self.last, item.when)
            self.last_known = item.when if self.last_known is None else max(self.last_known, item.when)
        elif self.last_known is None:
            self.last = max(self.last, item.when)
        self.recent = [*self.recent, Member(item.key, item.text, item.vector, item.names, item.numbers)][-RECENT:]
        self.seen = None
        if item.source:
            self.sources.add(item.source)
        if item.topic:
            self.topics[item.topic] += 1
        if item.sentiment is not None:
            low, high, total, n = self.sentiment
            self.sentiment = [min(low, item.sentiment), max(high, item.sentiment), total + item.sentiment, n + 1]
        mean = self.total / self.count
        self.name = max(self.recent, key=lambda m: float(m.vector @ mean)).text  # the most central

    def mean(self) -> np.ndarray:
        return self.total / self.count

    def overlaps(self, item: Item, config: StoriesConfig) -> float:
        """What names and numbers add to the cosine: the best overlap with one of its members
        (members are compared only when the item shares a name or number with one of them)."""
        if self.seen is None:
            self.seen = (frozenset().union(*(m.names for m in self.recent)), frozenset().union(*(m.numbers for m in self.recent)))
        names = digits = 0.0
        if config.entity_weight and not item.names.isdisjoint(self.seen[0]):
            names = max(_overlap(item.names, m.names) for m in self.recent)
        if config.number_weight and not item.numbers.isdisjoint(self.seen[1]):
            digits = max(_overlap(item.numbers, m.numbers) for m in self.recent)
        return config.entity_weight * names + config.number_weight * digits

    def within(self, item: Item, window_s: float) -> bool:
        return not item.known or self.last_known is None or abs(item.when - self.last_known) <= window_s


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class Assignment:
    story: str
    duplicate_of: str | None = None


class Store(Protocol):
    """Where stories live beyond memory (the index): what the grouper asks of it."""

    def assigned(self, key: str) -> Assignment | None: ...
    def active(self, since: float) -> Iterable[Story]: ...
    def everything(self, skip: set[str]) -> Iterator[Story]: ...
    def save_member(self, story: Story, item: Item, assignment: Assignment) -> None: ...
    def save_story(self, story: Story) -> None: ...


class Memory:
    """The stories an item may join, with their means in one matrix (one product scores them
    all), their last known times beside it, and which stories hold each name and number (only
    those can add an overlap to their cosine). A story leaves by swapping in the last row."""

    def __init__(self) -> None:
        self.stories: list[Story] = []
        self.rows: dict[str, int] = {}
        self.means = np.zeros((0, 0), dtype=np.float32)
        self.last_known = np.zeros(0, dtype=np.float64)
        self.holding: dict[str, set[str]] = {}  # a name ("n:" ...) or number ("#" ...) -> ids of the stories that hold it
        self.tokens: dict[str, set[str]] = {}  # a story's id -> what `holding` lists it under

    def __len__(self) -> int:
        return len(self.stories)

    def __contains__(self, story_id: str) -> bool:
        return story_id in self.rows

    def put(self, story: Story) -> None:
        """Add `story` (and every name and number of its members), or refresh its row after it
        gained a member (and add that member's)."""
        row = self.rows.get(story.id)
        if row is None:
            row = len(self.stories)
            if row == len(self.means):
                grown = np.zeros((max(64, 2 * row), len(story.total)), dtype=np.float32)
                if row:
                    grown[:row] = self.means[:row]
                self.means, self.last_known = grown, np.resize(self.last_known, len(grown))
            self.stories.append(story)
            self.rows[story.id] = row
            self.tokens[story.id] = set()
            members = story.recent
        else:
            members = story.recent[-1:]
        for member in members:
            for token in tokens_of(member.names, member.numbers):
                self.holding.setdefault(token, set()).add(story.id)
                self.tokens[story.id].add(token)
        self.means[row] = story.mean() if story.count else 0.0
        self.last_known[row] = np.nan if story.last_known is None else story.last_known

    def sharing(self, names: frozenset[str], numbers: frozenset[str]) -> set[str]:
        """The stories one of whose members holds one of these names or numbers."""
        found: set[str] = set()
        for token in tokens_of(names, numbers):
            found |= self.holding.get(token, set())
        return found

    def drop(self, rows: np.ndarray) -> list[Story]:
        """Remove the stories at `rows` (highest first, so swaps never move a row still to go)."""
        gone = []
        for row in sorted(rows.tolist(), reverse=True):
            story, last = self.stories[row], len(self.stories) - 1
            if row != last:
                moved = self.stories[last]
                self.stories[row], self.rows[moved.id] = moved, row
                self.means[row], self.last_known[row] = self.means[last], self.last_known[last]
            self.stories.pop()
            del self.rows[story.id]
            for token in self.tokens.pop(story.id):
                holders = self.holding[token]
                holders.discard(story.id)
                if not holders:
                    del self.holding[token]
            gone.append(story)
        return gone


def tokens_of(names: frozenset[str], numbers: frozenset[str]) -> Iterator[str]:
    yield from ("n:" + name for name in names)
    yield from ("#" + number for number in numbers)


class Grouper:
    """Stories for items given in `Item.order()`; `store` (the index) holds what memory does not.
    Each item's cosine to every story in memory is one matrix product; names and numbers are
    compared only for the stories whose cosine could still reach the threshold."""

    def __init__(self, config: StoriesConfig, store: Store | None = None) -> None:
        self.config, self.store = config, store
        self.window_s = config.window_s
        self.memory = Memory()
        self.loaded_since: float | None = None
        self.everything_loaded = False
        self.forgotten_before = -np.inf
        self.changed: dict[str, Story] = {}
        self.placed: dict[str, Assignment] = {}  # without a store: the items grouped so far, by key

    def group(self, items: Iterable[Item]) -> Iterator[tuple[Item, Assignment]]:
        for item in items:
            yield item, self.add(item)
        self.flush()

    def add(self, item: Item) -> Assignment:
        earlier = self.placed.get(item.key) if self.store is None else self.store.assigned(item.key)
        if earlier is not None:  # grouped already (by an earlier run, before a kill, or earlier in this one): the same answer
            return earlier
        if self.store is not None:
            self._load(item)
            if item.known and item.when - self.window_s > self.forgotten_before + self.window_s / 8:  # not on every item
                self._forget_before(item.when - self.window_s)
        best = self._best(item)
        if best is None:
            best = Story(story_id(item.key), np.zeros(len(item.vector), dtype=np.float64))
        assignment = Assignment(best.id, self._duplicate(best, item))
        best.add(item)
        self.memory.put(best)
        if self.store is not None:
            self.store.save_member(best, item, assignment)
            self.changed[best.id] = best
        else:
            self.placed[item.key] = assignment
        return assignment

    def flush(self) -> None:
        """Write the stories that gained members (once each, not once per member)."""
        if self.store is not None:
            for story in self.changed.values():
                self.store.save_story(story)
        self.changed.clear()

    def _best(self, item: Item) -> Story | None:
        """The story scoring highest at or above the threshold: the cosine to each story's mean,
        plus the overlaps for the few stories that share a name or number with the item."""
        n = len(self.memory)
        if n == 0:
            return None
        cosine = self.memory.means[:n] @ item.vector
        if item.known:  # an item without a known time meets every story
            last = self.memory.last_known[:n]
            cosine[~(np.isnan(last) | (np.abs(item.when - last) <= self.window_s))] = -np.inf
        scores = cosine.astype(np.float64)
        reach = self.config.threshold - self.config.entity_weight - self.config.number_weight
        names = item.names if self.config.entity_weight else frozenset()
        numbers = item.numbers if self.config.number_weight else frozenset()
        for story_id in sorted(self.memory.sharing(names, numbers)):
            row = self.memory.rows[story_id]
            if cosine[row] >= reach:
                scores[row] += self.memory.stories[row].overlaps(item, self.config)
        row = int(np.argmax(scores))
        return self.memory.stories[row] if scores[row] >= self.config.threshold else None

    def _duplicate(self, story: Story, item: Item) -> str | None:
        for member in story.recent:  # oldest first: the first seen
            if member.key != item.key and float(member.vector @ item.vector) >= self.config.duplicate:
                return member.key
        return None

    def _load(self, item: Item) -> None:
        """The index's stories that an item may join: for a dated item, those within the window
        (once per stretch of time); for the first undated one, all of them."""
        assert self.store is not None
        if not item.known:
            if not self.everything_loaded:
                for story in self.store.everything(set(self.memory.rows)):
                    self.memory.put(story)
                self.everything_loaded = True
            return
        since = item.when - self.window_s
        if self.loaded_since is None or since < self.loaded_since:
            for story in self.store.active(since):
                if story.id not in self.memory:
                    self.memory.put(story)
            self.loaded_since = since

    def _forget_before(self, cutoff: float) -> None:
        """Stories whose last dated member is older than the window leave memory (written to the
        index first if they changed): memory holds a few days of stories, however long the run."""
        n = len(self.memory)
        last = self.memory.last_known[:n]
        old = np.flatnonzero(~np.isnan(last) & (last < cutoff))
        for story in self.memory.drop(old):
            changed = self.changed.pop(story.id, None)
            if changed is not None and self.store is not None:
                self.store.save_story(changed)
        self.forgotten_before = cutoff
