"""One document's failure is that document's: a chunk the pipeline cannot process is processed
again a document at a time, and the document that breaks it becomes a record with an `error`
(its one line), so the run, the watch cycle or the server request goes on with the rest. A
failure that every document of the chunk meets alone (a lost device, a full disk, a bug that no
input explains) is nobody's document: it is raised, as before."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar, cast

from newsnlp.documents import Document, base_record
from newsnlp.engine.pipeline import DOCS_PER_PASS, Pipeline
from newsnlp.errors import one_line
from newsnlp.records import Record, ordered
from newsnlp.tasks import DocView

Pair = tuple[Record, DocView | None]
R = TypeVar("R", Record, dict[str, Any])


def failed_record(doc: Document, exc: BaseException) -> Record:
    """The record of a document the pipeline could not process: what is known of it, and why."""
    record = base_record(doc)
    record["error"] = one_line(exc)
    return ordered(record)


UNWRITABLE = "the record holds text that is not Unicode (a lone surrogate such as \\ud800) or a NaN score, which is never written"


def writable(record: R) -> R:
    """The record, if it can be written as UTF-8 JSON; else its id and an `error` saying why (one
    such document used to end the whole run, or the server's answer, when it was written)."""
    try:
        json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return record
    except (UnicodeEncodeError, ValueError):
        doc_id = str(record.get("id", "")).encode("utf-8", "replace").decode("utf-8")
        return cast(R, {"id": doc_id, "error": UNWRITABLE})


def failure_line(doc_id: str, error: str) -> str:
    """The line on stderr for a failed document (its id, unless the error already names it)."""
    return f"failed: {error}" if doc_id in error else f"failed: {doc_id}: {error}"


def isolated_records(pipeline: Pipeline, docs: Iterable[Document], on_progress: Callable[[float], None] | None = None) -> Iterator[Pair]:
    """`pipeline.process_with_views`, where one document that raises fails alone (see the module)."""
    iterator = iter(docs)
    while chunk := list(islice(iterator, DOCS_PER_PASS)):
        progress, done = _Counted(on_progress), 0
        try:
            for pair in pipeline.process_with_views(chunk, progress):
                done += 1
                yield pair
        except Exception as exc:  # the documents not yielded yet, again one at a time
            yield from one_at_a_time(pipeline, chunk[done:], exc)
            progress(max(0.0, len(chunk) - progress.reported))  # the failed pass's share was reported; the rest now


class _Counted:
    """A progress callback that remembers how much it reported."""

    def __init__(self, report: Callable[[float], None] | None) -> None:
        self.report, self.reported = report, 0.0

    def __call__(self, n: float) -> None:
        self.reported += n
        if self.report and n:
            self.report(n)


def one_at_a_time(pipeline: Pipeline, chunk: list[Document], failure: Exception) -> list[Pair]:
    """The chunk whose pass raised `failure`, processed a document at a time (see the module)."""
    results: list[Pair] = []
    failed = 0
    for doc in chunk:
        try:
            results += list(pipeline.process_with_views([doc]))
        except Exception as exc:
            results.append((failed_record(doc, exc), None))
            failed += 1
    if failed == len(chunk) > 1:
        raise failure
    return results
