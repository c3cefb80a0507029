"""`nlp watch`: poll feeds and pages, process only the items not seen before, append their
records to a JSONL output.

Each item is its own record: a feed item (or a page's teaser) as a document holding that one
teaser (with `feed.items_as: documents`, the item's own document with its content as the lead),
and a page with an article as a document of its lead. An item's key (the record's id) is its
guid, else its url, else a hash of its text; an item whose key or url the output already holds
is not new, so an item carried by two feeds counts once. The seen set is rebuilt from the output
at start: a record is appended (flushed and synced) or not at all, so a kill at any moment loses
and duplicates nothing. Sources are fetched with conditional requests (Fetcher's disk cache); a
source that fails is reported and tried again next cycle, the others go on."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsnlp.config import RunConfig
from newsnlp.config.base import seconds_of
from newsnlp.documents import Document, Inputs, TeaserInfo
from newsnlp.engine.isolate import failure_line, isolated_records, writable
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import InputError, NlpError, one_line
from newsnlp.jobs.append_log import AppendLog
from newsnlp.jobs.files import check_output, output_lock
from newsnlp.records import Record, plural
from newsnlp.stories.run import group_records
from newsnlp.tasks import DocView


@dataclass
class Cycle:
    number: int
    sources: int
    new: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)

    def line(self) -> str:
        """What a cycle did, in one line."""
        topics = f" ({', '.join(f'{label} {n}' for label, n in self.topics.most_common())})" if self.topics else ""
        failed = f"; {len(self.failed)} failed: " + "; ".join(self.failed) if self.failed else ""
        return f"cycle {self.number} at {time.strftime('%H:%M:%S')}: {plural(self.new, 'new item')}{topics} from {plural(self.sources, 'source')}{failed}"


def parse_every(text: str) -> float:
    """'10m', '30s', '1h', '90' (seconds) -> seconds."""
    seconds = seconds_of(text)
    if seconds is None:
        raise InputError(f"--every {text}: expected a duration such as 30s, 10m or 1h")
    return seconds


def item_key(text: str, info: TeaserInfo) -> str:
    """guid, else url, else a hash of the text."""
    return info.id or info.url or "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def item_documents(doc: Document, items_as: str) -> list[Document]:
    """A source's document as one document per item (see the module's docstring)."""
    if doc.error:
        return []
    items = []
    if doc.lead.strip():
        items.append(Document(id=doc.id, paragraphs=doc.paragraphs, source=doc.source, title=doc.title, url=doc.url, published=doc.published))
        items[-1].fetched, items[-1].author = doc.fetched, doc.author
    for i, text in enumerate(doc.teasers):
        info = doc.teaser(i)
        item = Document(id=item_key(text, info), paragraphs=[], teasers=[text], source=doc.source, teaser_info=[info], url=info.url)
        item.published, item.fetched = info.published, doc.fetched
        items.append(item)
    return items


def seen_keys(record: dict[str, Any]) -> list[str]:
    return [str(k) for k in (record.get("id"), record.get("url")) if k]


def seen_in(log: AppendLog) -> set[str]:
    """The keys of the items the output holds."""
    return {key for record in log.records() for key in seen_keys(record)}


@dataclass
class Watch:
    """One watch over `sources`, appending to `output`."""

    config: RunConfig
    output: Path
    say: Callable[[str], None]
    pipeline: Pipeline | None = None
    seen: set[str] = field(default_factory=set)
    cycles: int = 0
    written: int = 0
    failures: int = 0  # sources and items that failed, all cycles together (`--once` exits 3 when any did)

    def run(self, every_s: float, once: bool, sleep: Callable[[float], None] = time.sleep) -> None:
        check_output(self.output, self.config.input, what="nlp watch", index=self.config.stories.path)
        with output_lock(self.output), closing(Inputs.of(self.config)) as inputs, AppendLog(self.output) as log:
            self.seen = seen_in(log)
            inputs.items()  # a missing path or a bad list is the command's error (exit 2), before any cycle
            self.pipeline = Pipeline(self.config).load()
            while True:
                started = time.monotonic()
                cycle = self.cycle(inputs, log)
                self.failures += len(cycle.failed)
                self.say(cycle.line())
                if once:
                    return
                sleep(max(0.0, every_s - (time.monotonic() - started)))

    def cycle(self, inputs: Inputs, log: AppendLog) -> Cycle:
        """Fetch every source (conditionally), process its new items, append their records. A
        source, or an item, that fails is this cycle's line (and tried again next cycle)."""
        assert self.pipeline is not None
        self.cycles += 1
        log.check()
        if log.changed:  # a damaged last line was cut away (a hand edit between cycles): its item is new again
            self.seen, log.changed = seen_in(log), False
        inputs.refresh()
        try:
            items = inputs.items()
        except NlpError as exc:  # a folder emptied or a list removed since the start: next cycle lists again
            cycle = Cycle(self.cycles, 0)
            cycle.failed.append(str(exc))
            return cycle
        cycle = Cycle(self.cycles, len(items))
        fresh = self._fresh(inputs, items, cycle)
        pairs = self._processed(fresh, cycle)
        records: Iterable[Record] = (record for record, _ in pairs)
        if self.config.stories.path is not None:  # the index first: an item it holds keeps its story if the cycle is cut short
            records = group_records(pairs, self.config.stories, self.config.encoder.model)
        for record in records:
            log.append(dict(record))
            self.written += 1
            cycle.new += 1
            topics = [t["topic"]["label"] for t in record.get("teasers", []) if "topic" in t]
            article = record.get("article", {}).get("topic")
            cycle.topics.update(topics or ([article["label"]] if article else []))
        return cycle

    def _fresh(self, inputs: Inputs, items: list[Any], cycle: Cycle) -> list[Document]:
        """The new items of every source; a source that fails (however it fails) is the cycle's
        line, and its items wait for the next cycle."""
        fresh: list[Document] = []
        for item in items:
            try:
                docs = list(inputs.read(item))
            except Exception as exc:  # typed or not: this source's failure, never the watch's
                cycle.failed.append(one_line(exc))
                continue
            for doc in docs:
                if doc.error:
                    cycle.failed.append(doc.error)
                for new in item_documents(doc, self.config.feed.items_as):
                    keys = [new.id, *([new.url] if new.url else [])]
                    if not any(k in self.seen for k in keys):
                        self.seen.update(keys)
                        fresh.append(new)
        return fresh

    def _processed(self, fresh: list[Document], cycle: Cycle) -> Iterator[tuple[Record, DocView | None]]:
        """The new items' records; an item the pipeline cannot process is a record with its
        `error` (appended, as `nlp run` writes it) and a failure of the cycle's line."""
        assert self.pipeline is not None
        for record, view in isolated_records(self.pipeline, fresh):
            record = writable(record)
            if "error" in record:
                cycle.failed.append(failure_line(str(record["id"]), str(record["error"])).removeprefix("failed: "))
            yield record, view
