"""What grouping reads of an item (a document's lead, or one of its teasers): its embedding, when
it was published, the names and numbers in its text, and what a story's listing shows of it.

An item's time is its `published` date, else when it was fetched, else the run's start; only a
published or fetched time is *known* (it places the item among dated stories); items without one
are grouped after the dated ones, against every story (see `grouping`)."""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DAY = 86_400.0
# Capitalised words that name nothing: sentence openers, days, months, titles.
_NOT_NAMES = frozenset(
    "the a an in on at of for and but or as by to from with its it this that these those he she they we i after before "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september "
    "october november december jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr".split()
)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*\b")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def names(text: str) -> frozenset[str]:
    """Capitalised words (places, people, firms), lower-cased, less the ones that name nothing."""
    found = (w.lower().strip(".'’") for w in _NAME.findall(text))
    return frozenset(w for w in found if len(w) > 1 and w not in _NOT_NAMES)


def numbers(text: str) -> frozenset[str]:
    return frozenset(n.replace(",", "") for n in _NUMBER.findall(text))


def epoch(stamp: str | None) -> float | None:
    """An ISO 8601 date or time as seconds since 1970 (UTC); None where it is missing or only a
    month or a year (too coarse to place an item among events days apart)."""
    if not stamp or len(stamp) < 10:
        return None
    try:
        return float(calendar.timegm(time.strptime(stamp[:10], "%Y-%m-%d"))) + _time_of_day(stamp)
    except ValueError:
        return None


def _time_of_day(stamp: str) -> float:
    match = re.match(r"\d{4}-\d{2}-\d{2}[T ](\d{2}):(\d{2})", stamp)
    return float(int(match.group(1)) * 3600 + int(match.group(2)) * 60) if match else 0.0


def order_of(known: bool, when: float, key: str) -> tuple[int, float, str]:
    """Grouping order: dated items by time, then the undated; then by key (a run and its resume
    group the same items in the same order)."""
    return (0 if known else 1, when if known else 0.0, key)


def item_key(guid: str | None, url: str | None, text: str, source: str | None) -> str:
    """An item's identity in the index, as `nlp watch` keys its records: its guid, else its url,
    else `text:` and a hash of its source and text. Never its place in a run (`docid#N`): a feed
    re-read with new items on top, or the next day's file of the same name, gave each old place
    another item, which then inherited that place's story."""
    if guid or url:
        return str(guid or url)
    return "text:" + hashlib.sha256(f"{source or ''}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Item:
    """One thing a story can hold. `key`: its identity (`item_key`); `doc_id` and `teaser` (None
    for the lead): its place among this run's records."""

    key: str
    doc_id: str
    teaser: int | None
    text: str
    vector: np.ndarray  # unit, float32
    when: float  # seconds since 1970: published, else fetched, else the run's start
    known: bool  # published or fetched (not the run's start)
    url: str | None = None
    source: str | None = None
    topic: str | None = None
    sentiment: float | None = None
    names: frozenset[str] = field(default_factory=frozenset)
    numbers: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, key: str, doc_id: str, teaser: int | None, text: str, vector: np.ndarray, stamp: str | None, fallback: float, **known: Any) -> Item:
        when = epoch(stamp)
        return cls(
            key=key,
            doc_id=doc_id,
            teaser=teaser,
            text=text,
            vector=np.asarray(vector, dtype=np.float32),
            when=when if when is not None else fallback,
            known=when is not None,
            names=names(text),
            numbers=numbers(text),
            **known,
        )

    def order(self) -> tuple[int, float, str]:
        return order_of(self.known, self.when, self.key)

    def to_json(self) -> str:
        """One line of a run's item file (vectors as float16, base64)."""
        row = {k: v for k, v in self.__dict__.items() if k not in ("vector", "names", "numbers")}
        row["vector"] = base64.b64encode(self.vector.astype(np.float16).tobytes()).decode("ascii")
        return json.dumps(row, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Item:
        row = json.loads(line)
        vector = np.frombuffer(base64.b64decode(row.pop("vector")), dtype=np.float16).astype(np.float32)
        return cls(vector=vector, names=names(row["text"]), numbers=numbers(row["text"]), **row)
