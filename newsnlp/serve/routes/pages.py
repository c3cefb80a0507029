"""`/v1/pages`: one record per document, as `nlp run` writes it; pages given, fetched (with
`serve.allow_fetch`) or fed, and read off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from newsnlp.documents import unique_ids
from newsnlp.documents.fetch import is_url
from newsnlp.engine.isolate import writable
from newsnlp.serve.errors import BadInput
from newsnlp.serve.offload import unless_gone
from newsnlp.serve.pages import read_pages
from newsnlp.serve.requests import PagesIn
from newsnlp.serve.state import SECURED, ServerState, State, bounded
from newsnlp.stories.run import group_records

router = APIRouter(dependencies=SECURED)


@router.post("/v1/pages")
async def pages(body: PagesIn, request: Request, state: State) -> dict[str, Any]:
    """One record per document, equal to what `nlp run` writes for it; a page that cannot be
    read or processed is that record's `error`."""
    serve = state.config.serve
    bounded(len(body.documents), serve.max_documents, "documents", "max_documents")
    for i, page in enumerate(body.documents):
        if len(page.teasers or []) > serve.max_teasers:
            raise HTTPException(
                413,
                {
                    "error": f"{len(page.teasers or [])} teasers in one document; at most {serve.max_teasers} (serve.max_teasers)",
                    "field": f"documents.{i}.teasers",
                },
            )
        if page.url is not None and not any(getattr(page, k) is not None for k in ("text", "lead", "html", "feed")):
            if not serve.allow_fetch:
                raise BadInput("this server does not fetch URLs (serve.allow_fetch is false); send the page's 'html'", f"documents.{i}.url")
            if not is_url(page.url):
                raise BadInput("only http and https URLs are fetched", f"documents.{i}.url")
    try:  # the whole request, fetches included, within timeout_s
        return await unless_gone(request, asyncio.wait_for(records_of(body, state), serve.timeout_s))
    except TimeoutError:
        raise HTTPException(504, f"no answer within serve.timeout_s ({serve.timeout_s:g} s)") from None


async def records_of(body: PagesIn, state: ServerState) -> dict[str, Any]:
    config = state.config
    docs = await state.off_loop(read_pages(body.documents, config, state.offload, state.fetches))  # fetching and parsing: off the event loop
    if config.on_duplicate == "suffix":  # as `nlp run` does with this config: id#2, id#3, ...
        docs = list(unique_ids(iter(docs), "suffix"))
    seen: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc.id in seen:
            raise BadInput(f"'{doc.id}' is also documents.{seen[doc.id]}.id; ids must be unique in a request", f"documents.{i}.id")
        seen[doc.id] = i
    pairs = await state.answer("pages", docs)
    if body.stories or config.stories.path is not None:  # within this request, or (stories.path) in the server's index
        grouped = await state.off_loop(state.offload.parse(lambda: group_records(pairs, config.stories, config.encoder.model)))
        return {"records": [writable(record) for record in grouped]}
    return {"records": [writable(record) for record, _ in pairs]}
