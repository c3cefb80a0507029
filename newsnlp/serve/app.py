"""`create_app(config)`: the pipeline of `nlp run` over HTTP (FastAPI). Models load once at
start-up; requests that arrive together share one model pass (`Batcher`); records equal what
`nlp run` writes for the same documents.

Safe by default: the CLI binds 127.0.0.1; bodies, documents and texts per request are bounded
(413); bad input is 422 with `{"error", "field"}`, never a traceback; with a token every route but
the health checks needs `Authorization: Bearer <token>`; a full queue is 503 with Retry-After and
a slow answer 504.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline

from newsnlp.config import RunConfig
from newsnlp.documents import unique_ids
from newsnlp.documents.fetch import is_url
from newsnlp.documents.text import split_sentences
from newsnlp.engine.isolate import one_at_a_time, writable
from newsnlp.engine.pipeline import STEP_TEXTS, Pipeline
from newsnlp.errors import ConfigError
from newsnlp.run_info import describe_run
from newsnlp.serve.batcher import Batcher, QueueFull, ShuttingDown, Steps
from newsnlp.serve.errors import BadInput, BodyLimit, error_response, errors_as_json
from newsnlp.serve.fetching import server_fetches
from newsnlp.serve.metrics import Metrics
from newsnlp.serve.offload import ClientGone, Offload, Stopping, unless_gone
from newsnlp.serve.pages import parse_given, read_pages
from newsnlp.serve.requests import PageIn, PagesIn, SummarizeIn, TextsIn  # noqa: F401  # PageIn: re-exported
from newsnlp.stories.run import group_records
from newsnlp.version import VERSION as __version__

log = logging.getLogger("newsnlp.serve")
T = TypeVar("T")
DOCS_ASSETS = "/docs-assets"  # Swagger UI's and ReDoc's files (fastapi-offline)
GPU_SHARED_PASS = 256  # serve.max_batch_texts 0 on a GPU; on a CPU, 1: measured, a shared ONNX pass cost more per text (README, Serving)


def create_app(config: RunConfig, pipeline: Pipeline | None = None) -> FastAPI:
    """The server's app for `config` (its `serve:` section sets the limits); `pipeline`: one
    already built, e.g. shared with other code. Mount it or serve it with uvicorn."""
    serve = config.serve
    pipeline = pipeline or Pipeline(config)
    metrics = Metrics(pipeline)
    batcher = Batcher(
        lambda kind, items: _steps(pipeline, kind, items),
        max_wait_s=serve.max_wait_ms / 1000,
        max_batch=serve.max_batch_texts or (GPU_SHARED_PASS if pipeline.runtime.on_gpu else 1),
        max_queue=serve.max_queue,
        shutdown_s=serve.shutdown_s,
        on_batch=metrics.batch,
    )
    token = serve_token(config)
    fetches = server_fetches(config) if serve.allow_fetch else None
    offload = Offload(fetch_threads=serve.max_fetches, parse_threads=serve.parse_threads, parse_processes=serve.parse_processes)
    state = {"ready": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pipeline.load()
        if pipeline.tasks.reads("embeddings"):
            pipeline.encoder.encode(["warm up"])  # the first pass allocates; not a user's request
        batcher.start()
        warm = [offload.parse_page(parse_given, "<p>warm up</p>", None, "warm", None, config.html, config.feed) for _ in range(serve.parse_processes)]
        await asyncio.gather(*warm)  # each parse process started and its readers imported: not a user's request
        _on_sigterm(batcher, offload)
        state["ready"] = True
        yield
        state["ready"] = False
        offload.stop()
        await batcher.stop()

    app = FastAPIOffline(  # /docs and /redoc with their scripts and styles served from the package: no CDN, so they work offline
        title="nlp",
        version=__version__,
        lifespan=lifespan,
        summary="Summarize news pages, classify teasers by topic, score sentiment.",
        static_url=DOCS_ASSETS,
    )
    docs_routes = {"/docs", "/redoc", app.openapi_url, app.swagger_ui_oauth2_redirect_url}

    def authorized(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(
                401,
                {"error": "missing or wrong token: send 'Authorization: Bearer <token>'", "field": "authorization"},
                headers={"WWW-Authenticate": "Bearer"},
            )

    async def off_loop(work: Awaitable[T]) -> T:
        """Work on the fetch or parse threads; 503 once the server is stopping (it no longer waits for it)."""
        try:
            return await work
        except Stopping:
            raise HTTPException(503, "the server is stopping; retry on another instance", headers={"Retry-After": "1"}) from None

    async def answer(kind: Hashable, items: list[Any]) -> list[Any]:
        try:
            return await batcher.submit(kind, items, serve.timeout_s)
        except QueueFull:
            raise HTTPException(503, "the server is busy; retry shortly", headers={"Retry-After": "1"}) from None
        except ShuttingDown:
            raise HTTPException(503, "the server is stopping; retry on another instance", headers={"Retry-After": "1"}) from None
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError from Python 3.11
            raise HTTPException(504, f"no answer within serve.timeout_s ({serve.timeout_s:g} s)") from None

    def bounded(n: int, limit: int, what: str, key: str) -> None:
        if n > limit:
            raise HTTPException(413, {"error": f"{n} {what} in one request; at most {limit} (serve.{key})", "field": what})

    def long_texts(texts: list[str], field: str) -> None:
        for i, text in enumerate(texts):
            if len(text) > serve.max_text_chars:
                where = field if field == "text" else f"{field}.{i}"
                raise HTTPException(
                    413, {"error": f"a text of {len(text):,} characters; at most {serve.max_text_chars:,} (serve.max_text_chars)", "field": where}
                )

    secured = [Depends(authorized)]

    @app.middleware("http")
    async def docs_need_the_token(request: Request, call_next: Any) -> Response:
        """/docs, /redoc, their files, /openapi.json and the OAuth redirect page are routes like the others."""
        if token is not None and (request.url.path in docs_routes or request.url.path.startswith(DOCS_ASSETS + "/")):
            try:
                authorized(request)
            except HTTPException as refused:
                detail = refused.detail if isinstance(refused.detail, dict) else {"error": str(refused.detail)}
                return error_response(401, detail["error"], detail.get("field"), headers=dict(refused.headers or {}))
        response: Response = await call_next(request)
        return response

    @app.head("/healthz", include_in_schema=False)
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Alive: answers while a model pass runs."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "models still loading"}})
    def readyz() -> JSONResponse:
        """Models loaded: ready for requests."""
        return JSONResponse({"status": "ready"} if state["ready"] else {"status": "loading"}, status_code=200 if state["ready"] else 503)

    @app.get("/v1/info", dependencies=secured)
    def info() -> dict[str, Any]:
        """The package version, the encoder and each task's method and labels."""
        return describe(config)

    @app.get("/metrics", dependencies=secured, response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Prometheus text format: requests by route and status, latency, pass sizes, texts encoded."""
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @app.post("/v1/pages", dependencies=secured)
    async def pages(body: PagesIn, request: Request) -> dict[str, Any]:
        """One record per document, equal to what `nlp run` writes for it; a page that cannot be
        read or processed is that record's `error`."""
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
            return await unless_gone(request, asyncio.wait_for(records_of(body), serve.timeout_s))
        except TimeoutError:
            raise HTTPException(504, f"no answer within serve.timeout_s ({serve.timeout_s:g} s)") from None

    async def records_of(body: PagesIn) -> dict[str, Any]:
        docs = await off_loop(read_pages(body.documents, config, offload, fetches))  # fetching and parsing: off the event loop
        if config.on_duplicate == "suffix":  # as `nlp run` does with this config: id#2, id#3, ...
            docs = list(unique_ids(iter(docs), "suffix"))
        seen: dict[str, int] = {}
        for i, doc in enumerate(docs):
            if doc.id in seen:
                raise BadInput(f"'{doc.id}' is also documents.{seen[doc.id]}.id; ids must be unique in a request", f"documents.{i}.id")
            seen[doc.id] = i
        pairs = await answer("pages", docs)
        if body.stories or config.stories.path is not None:  # within this request, or (stories.path) in the server's index
            grouped = await off_loop(offload.parse(lambda: group_records(pairs, config.stories, config.encoder.model)))
            return {"records": [writable(record) for record in grouped]}
        return {"records": [writable(record) for record, _ in pairs]}

    @app.post("/v1/classify", dependencies=secured)
    async def classify(body: TextsIn) -> dict[str, Any]:
        """What `nlp classify --json` prints: each text's topic, every label's score, the labels that apply."""
        bounded(len(body.texts), serve.max_texts, "texts", "max_texts")
        long_texts(body.texts, "texts")
        return {"results": [{"text": text, **row} for text, row in zip(body.texts, await answer("classify", body.texts))]}

    @app.post("/v1/sentiment", dependencies=secured)
    async def sentiment(body: TextsIn) -> dict[str, Any]:
        """What `nlp sentiment --json` prints: each text's label, score in [-1, 1] and probabilities."""
        bounded(len(body.texts), serve.max_texts, "texts", "max_texts")
        long_texts(body.texts, "texts")
        return {"results": [{"text": text, **row} for text, row in zip(body.texts, await answer("sentiment", body.texts))]}

    @app.post("/v1/summarize", dependencies=secured)
    async def summarize(body: SummarizeIn) -> dict[str, Any]:
        """The summary of one article's text (`sentences`: the extractive summary's length)."""
        long_texts([body.text], "text")
        sentences = await off_loop(offload.parse(lambda: sum(len(split_sentences(p)) for p in body.text.splitlines())))
        if sentences > serve.max_sentences:
            raise HTTPException(
                413, {"error": f"{sentences} sentences in the text; at most {serve.max_sentences} (serve.max_sentences)", "field": "text"}
            )
        (summary,) = await answer(("summarize", body.sentences), [body.text])
        return {"summary": summary}

    errors_as_json(app)

    @app.exception_handler(ClientGone)
    async def gone(request: Request, exc: ClientGone) -> JSONResponse:
        return error_response(499, "the client closed the connection before its answer; its work was abandoned")

    app.middleware("http")(metrics.middleware)
    if serve.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=serve.cors_origins, allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]
        )
    app.add_middleware(BodyLimit, max_bytes=serve.max_body_bytes)
    return app


def _on_sigterm(batcher: Batcher, offload: Offload) -> None:
    """Chain SIGTERM (and Ctrl-C) to the batcher before uvicorn's own handler: requests under
    way get serve.shutdown_s, the rest are answered 503 at once (fetches and parses at once: their
    threads are not waited for), so uvicorn's graceful wait ends when they do. Only where the app
    runs in the main thread (a server process, not a test's)."""
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(batcher.begin_shutdown)
                loop.call_soon_threadsafe(offload.stop)
                if callable(previous):
                    previous(signum, frame)

            signal.signal(sig, handler)
        except ValueError:  # not the main thread
            return


def serve_token(config: RunConfig) -> str | None:
    """`serve.token`, else $NLP_SERVE_TOKEN; an empty one is refused (it served with no auth)."""
    if config.serve.token is not None:
        return config.serve.token.get_secret_value()
    given = os.environ.get("NLP_SERVE_TOKEN")
    if given is not None and not given.strip():
        raise ConfigError("NLP_SERVE_TOKEN is set but empty, which would serve with no auth; set a token, or unset it to serve without auth")
    return given


DOCS_PER_STEP = 8  # documents of a /v1/pages pass prepared (split into sentences) per step
PAGE_STEP_TEXTS = STEP_TEXTS  # and their texts encoded per step: a feed of 1,000 teasers took turns 256 at a time and tripled other clients' latency (scripts/serve_hostile.py)


def _steps(pipeline: Pipeline, kind: Hashable, items: list[Any]) -> Steps:
    """One model pass for a batch of requests' items, as short steps the batcher runs in turn
    with other passes' (and waits for at shutdown): a summary's encoding goes a batch of
    sentences at a time, pages PAGE_STEP_TEXTS texts at a time (a page of thousands of teasers
    too), texts STEP_TEXTS at a time."""
    if isinstance(kind, tuple) and kind[0] == "summarize":
        return (yield from pipeline.summarize_steps(items, sentences=kind[1]))
    if kind == "pages":  # views too: what stories group
        pairs: list[Any] = []
        for start in range(0, len(items), DOCS_PER_STEP):
            part = list(items[start : start + DOCS_PER_STEP])
            try:
                pairs += yield from pipeline.process_steps(part, PAGE_STEP_TEXTS)
            except Exception as exc:  # a document that breaks the pass is its record's error, the rest go on
                pairs += one_at_a_time(pipeline, part, exc)
        return pairs
    runs: dict[Hashable, Callable[[list[Any]], list[Any]]] = {"classify": pipeline.classify, "sentiment": pipeline.sentiment}
    if kind not in runs:
        raise ValueError(f"unknown kind {kind!r}")
    results: list[Any] = []
    for start in range(0, len(items), STEP_TEXTS):
        if start:
            yield
        results += runs[kind](list(items[start : start + STEP_TEXTS]))
    return results


def describe(config: RunConfig) -> dict[str, Any]:
    """What the server runs (the run description records carry, less its title and date): the
    version, the encoder and each task's method and labels, without a path or a secret."""
    about = describe_run(config)
    return {
        "version": about["version"],
        "encoder": about["encoder"],
        "tasks": {k: about[k] for k in ("summarize", "topics", "sentiment") if k in about},
    }
