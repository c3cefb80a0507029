"""The documents of a /v1/pages request, read as `nlp run` reads them: JSON rows as JSONL lines,
HTML and feeds (RSS, Atom, JSON Feed) through the same readers, URLs through the server's fetches.

A page that cannot be read (a parse that fails, a URL that cannot be fetched, a charset no codec
knows, a redirect out of http) is that document's `error` in a 200 answer, as in a run's output;
422 is for a request malformed as a whole (a JSON row that is no document). URLs are fetched on
the fetch threads and parsed on the parse threads (`offload`), never on the event loop; a page
has at most `serve.max_teasers` teasers (the rest cut, with a warning), so one huge feed cannot
hold the model for everyone else."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from newsnlp.config import RunConfig
from newsnlp.config.inputs import FeedConfig, FetchConfig, HtmlConfig
from newsnlp.documents import Document, Inputs, document_from_json
from newsnlp.documents.feeds import documents_from_feed
from newsnlp.documents.fetch import Fetched
from newsnlp.documents.html import document_from_html
from newsnlp.errors import NlpError, one_line
from newsnlp.serve.errors import BadInput
from newsnlp.serve.fetching import FetchCache
from newsnlp.serve.offload import Offload, Stopping
from newsnlp.serve.requests import PageIn


async def read_pages(pages: list[PageIn], config: RunConfig, offload: Offload, fetches: FetchCache | None) -> list[Document]:
    """Every page's documents, in request order (pages read concurrently, each pool bounded)."""
    rows = [_row(page, i) for i, page in enumerate(pages)]  # a malformed row is the request's 422, before any work
    read = await asyncio.gather(*(_read(page, config, offload, fetches) if row is None else _given(row) for page, row in zip(pages, rows)))
    return [doc for docs in read for doc in docs]


async def _given(doc: Document) -> list[Document]:
    return [doc]


def _row(page: PageIn, i: int) -> Document | None:
    """A `text` or `lead` page as `nlp run` reads a JSONL row (None for html, feed and url pages)."""
    if page.text is None and page.lead is None:
        return None
    row = page.model_dump(exclude_none=True)
    row["teasers"] = [t if isinstance(t, str) else t.model_dump(exclude_none=True) for t in page.teasers or []]
    try:
        return document_from_json(row, f"documents.{i}")
    except NlpError as exc:
        raise BadInput(str(exc), f"documents.{i}") from None


async def _read(page: PageIn, config: RunConfig, offload: Offload, fetches: FetchCache | None) -> list[Document]:
    """An html, feed or url page's documents; a failure, however raised, is the document's error."""
    doc_id = str(page.id)
    try:
        if page.html is not None or page.feed is not None:
            docs = await offload.parse_page(parse_given, page.html, page.feed, doc_id, page.url, config.html, config.feed)
        else:
            assert fetches is not None and page.url is not None  # refused before, without allow_fetch
            url = page.url
            fetched = await offload.fetch(lambda: fetches.get(url))
            docs = await offload.parse_page(parse_fetched, fetched, config.fetch, config.html, config.feed)
            if len(docs) == 1:
                docs[0].id = doc_id
    except (Stopping, asyncio.CancelledError):
        raise
    except Exception as exc:  # typed or not: this page's failure, never the request's
        return [Document(id=doc_id, paragraphs=[], url=page.url, error=one_line(exc))]
    limit = config.serve.max_teasers  # a feed read as one document per item: as many documents at most
    return [capped(doc, limit) for doc in docs[:limit]]


def parse_given(html: str | None, feed: str | None, doc_id: str, url: str | None, options: HtmlConfig, feed_options: FeedConfig) -> list[Document]:
    """An html or feed page's documents (in a parse process: everything it takes pickles)."""
    if html is not None:
        return [document_from_html(html.encode("utf-8", "surrogatepass"), doc_id, url=url, options=options)]
    assert feed is not None
    data = feed.encode("utf-8", "surrogatepass")
    json_feed = data.lstrip().startswith(b"{")  # a JSON Feed; XML never starts so
    return documents_from_feed(data, doc_id, url=url, options=feed_options, json_feed=json_feed)


def parse_fetched(fetched: Fetched, fetch: FetchConfig, html: HtmlConfig, feed: FeedConfig) -> list[Document]:
    """A fetched response's documents, as `nlp run` reads them (in a parse process)."""
    return Inputs([fetched.url], fetch=fetch, html=html, feed=feed).documents_of(fetched)


def capped(doc: Document, max_teasers: int) -> Document:
    """The document with at most `max_teasers` teasers (serve.max_teasers), and a warning if cut."""
    if len(doc.teasers) <= max_teasers:
        return doc
    warning = f"{len(doc.teasers):,} teasers; the first {max_teasers:,} were read (serve.max_teasers)"
    return replace(doc, teasers=doc.teasers[:max_teasers], teaser_info=doc.teaser_info[:max_teasers], warnings=[*doc.warnings, warning])
