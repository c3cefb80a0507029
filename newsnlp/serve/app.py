"""`create_app(config)`: the pipeline of `nlp run` over HTTP (FastAPI). Models load once at
start-up; requests that arrive together share one model pass (`Batcher`); records equal what
`nlp run` writes for the same documents.

Safe by default: the CLI binds 127.0.0.1; bodies, documents and texts per request are bounded
(413); bad input is 422 with `{"error", "field"}`, never a traceback; with a token every route but
the health checks needs `Authorization: Bearer <token>`; a full queue is 503 with Retry-After and
a slow answer 504.

The routes are APIRouters by area (`newsnlp/serve/routes/`); what they share is one
`ServerState` (newsnlp/serve/state.py) on `app.state.server`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline

from newsnlp.config import RunConfig
from newsnlp.engine.pipeline import Pipeline
from newsnlp.serve.batcher import Batcher
from newsnlp.serve.errors import BodyLimit, error_response, errors_as_json
from newsnlp.serve.offload import ClientGone, Offload
from newsnlp.serve.pages import parse_given
from newsnlp.serve.requests import PageIn, PagesIn, SummarizeIn, TextsIn  # noqa: F401  # re-exported
from newsnlp.serve.routes import health, pages, texts
from newsnlp.serve.state import ServerState, serve_token  # noqa: F401  # serve_token: re-exported
from newsnlp.version import VERSION as __version__

DOCS_ASSETS = "/docs-assets"  # Swagger UI's and ReDoc's files (fastapi-offline)


def create_app(config: RunConfig, pipeline: Pipeline | None = None) -> FastAPI:
    """The server's app for `config` (its `serve:` section sets the limits); `pipeline`: one
    already built, e.g. shared with other code. Mount it or serve it with uvicorn."""
    state = ServerState.build(config, pipeline)
    app = FastAPIOffline(  # /docs and /redoc with their scripts and styles served from the package: no CDN, so they work offline
        title="nlp",
        version=__version__,
        lifespan=lifespan_of(state),
        summary="Summarize news pages, classify teasers by topic, score sentiment.",
        static_url=DOCS_ASSETS,
    )
    app.state.server = state
    app.middleware("http")(docs_need_the_token(state, {"/docs", "/redoc", app.openapi_url, app.swagger_ui_oauth2_redirect_url}))
    for area in (health, pages, texts):
        app.include_router(area.router)
    errors_as_json(app)
    app.exception_handler(ClientGone)(gone)
    app.middleware("http")(state.metrics.middleware)
    serve = config.serve
    if serve.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=serve.cors_origins, allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]
        )
    app.add_middleware(BodyLimit, max_bytes=serve.max_body_bytes)
    return app


def lifespan_of(state: ServerState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up: models loaded and warmed, the batcher started, each parse process started,
    SIGTERM chained; then ready. Shutdown: the pools stopped, the batcher drained."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config, pipeline = state.config, state.pipeline
        pipeline.load()
        if pipeline.tasks.reads("embeddings"):
            pipeline.encoder.encode(["warm up"])  # the first pass allocates; not a user's request
        state.info()  # the heads hashed once, before the first request
        state.batcher.start()
        warm = [
            state.offload.parse_page(parse_given, "<p>warm up</p>", None, "warm", None, config.html, config.feed)
            for _ in range(config.serve.parse_processes)
        ]
        await asyncio.gather(*warm)  # each parse process started and its readers imported: not a user's request
        _on_sigterm(state.batcher, state.offload)
        state.ready = True
        yield
        state.ready = False
        state.offload.stop()
        await state.batcher.stop()

    return lifespan


def docs_need_the_token(state: ServerState, docs_routes: set[str | None]) -> Callable[..., Any]:
    """/docs, /redoc, their files, /openapi.json and the OAuth redirect page are routes like the others."""

    async def middleware(request: Request, call_next: Any) -> Response:
        if state.token is not None and (request.url.path in docs_routes or request.url.path.startswith(DOCS_ASSETS + "/")):
            try:
                state.check_token(request)
            except HTTPException as refused:
                detail = refused.detail if isinstance(refused.detail, dict) else {"error": str(refused.detail)}
                return error_response(401, detail["error"], detail.get("field"), headers=dict(refused.headers or {}))
        response: Response = await call_next(request)
        return response

    return middleware


async def gone(request: Request, exc: Exception) -> JSONResponse:
    return error_response(499, "the client closed the connection before its answer; its work was abandoned")


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
