"""What every route of the server shares, built once by `create_app` and kept on `app.state`:
the config, the pipeline and its batcher, the fetch and parse pools, the metrics, the token, and
the answers to what every route asks (a model pass, work off the event loop, the bounds).
Routes reach it through `server_state`; `authorized` is the token check they depend on."""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request

from newsnlp.config import RunConfig
from newsnlp.engine.isolate import one_at_a_time
from newsnlp.engine.pipeline import STEP_TEXTS, Pipeline
from newsnlp.errors import ConfigError
from newsnlp.run_info import RunInfo, describe_run
from newsnlp.serve.batcher import Batcher, QueueFull, ShuttingDown, Steps
from newsnlp.serve.fetching import FetchCache, server_fetches
from newsnlp.serve.metrics import Metrics
from newsnlp.serve.offload import Offload, Stopping

T = TypeVar("T")
GPU_SHARED_PASS = 256  # serve.max_batch_texts 0 on a GPU; on a CPU, 1: measured, a shared ONNX pass cost more per text (README, Serving)
DOCS_PER_STEP = 8  # documents of a /v1/pages pass prepared (split into sentences) per step
PAGE_STEP_TEXTS = STEP_TEXTS  # and their texts encoded per step: a feed of 1,000 teasers took turns 256 at a time and tripled other clients' latency (scripts/serve_hostile.py)


@dataclass
class ServerState:
    config: RunConfig
    pipeline: Pipeline
    metrics: Metrics
    batcher: Batcher
    offload: Offload
    token: str | None
    fetches: FetchCache | None
    started: float = field(default_factory=time.time)
    ready: bool = False
    _info: RunInfo | None = None

    @classmethod
    def build(cls, config: RunConfig, pipeline: Pipeline | None = None) -> ServerState:
        """The server's parts for `config` (its `serve:` section sets the limits)."""
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
        return cls(config, pipeline, metrics, batcher, offload, token, fetches)

    def info(self) -> RunInfo:
        """What the server runs (`GET /v1/info`): the RunInfo of its config since it started,
        without its config or input (paths), computed once (it hashes the heads)."""
        if self._info is None:
            self._info = describe_run(self.config, started=self.started)
        return self._info

    def check_token(self, request: Request) -> None:
        if self.token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            raise HTTPException(
                401,
                {"error": "missing or wrong token: send 'Authorization: Bearer <token>'", "field": "authorization"},
                headers={"WWW-Authenticate": "Bearer"},
            )

    async def off_loop(self, work: Awaitable[T]) -> T:
        """Work on the fetch or parse threads; 503 once the server is stopping (it no longer waits for it)."""
        try:
            return await work
        except Stopping:
            raise HTTPException(503, "the server is stopping; retry on another instance", headers={"Retry-After": "1"}) from None

    async def answer(self, kind: Hashable, items: list[Any]) -> list[Any]:
        """One model pass's answers for `items`, shared with other requests' (the batcher)."""
        timeout_s = self.config.serve.timeout_s
        try:
            return await self.batcher.submit(kind, items, timeout_s)
        except QueueFull:
            raise HTTPException(503, "the server is busy; retry shortly", headers={"Retry-After": "1"}) from None
        except ShuttingDown:
            raise HTTPException(503, "the server is stopping; retry on another instance", headers={"Retry-After": "1"}) from None
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError from Python 3.11
            raise HTTPException(504, f"no answer within serve.timeout_s ({timeout_s:g} s)") from None

    def long_texts(self, texts: list[str], field: str) -> None:
        limit = self.config.serve.max_text_chars
        for i, text in enumerate(texts):
            if len(text) > limit:
                where = field if field == "text" else f"{field}.{i}"
                raise HTTPException(413, {"error": f"a text of {len(text):,} characters; at most {limit:,} (serve.max_text_chars)", "field": where})


def bounded(n: int, limit: int, what: str, key: str) -> None:
    if n > limit:
        raise HTTPException(413, {"error": f"{n} {what} in one request; at most {limit} (serve.{key})", "field": what})


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


def authorized(request: Request) -> None:
    """With a token, every route but the health checks needs `Authorization: Bearer <token>`."""
    server_state(request).check_token(request)


State = Annotated[ServerState, Depends(server_state)]
SECURED = [Depends(authorized)]


def serve_token(config: RunConfig) -> str | None:
    """`serve.token`, else $NLP_SERVE_TOKEN; an empty one is refused (it served with no auth)."""
    if config.serve.token is not None:
        return config.serve.token.get_secret_value()
    given = os.environ.get("NLP_SERVE_TOKEN")
    if given is not None and not given.strip():
        raise ConfigError("NLP_SERVE_TOKEN is set but empty, which would serve with no auth; set a token, or unset it to serve without auth")
    return given


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
