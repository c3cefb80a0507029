"""Health checks (no token), what the server runs, and its metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from newsnlp.serve.state import SECURED, State

router = APIRouter()


@router.head("/healthz", include_in_schema=False)
@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    """Alive: answers while a model pass runs."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], responses={503: {"description": "models still loading"}})
def readyz(state: State) -> JSONResponse:
    """Models loaded: ready for requests."""
    return JSONResponse({"status": "ready"} if state.ready else {"status": "loading"}, status_code=200 if state.ready else 503)


@router.get("/v1/info", dependencies=SECURED)
def info(state: State) -> dict[str, Any]:
    """What the server runs (a run's RunInfo, as run.json holds it, less the config and input):
    the package version, when it started, the encoder, each task's method and labels, the heads."""
    return state.info().to_json()


@router.get("/metrics", dependencies=SECURED, response_class=PlainTextResponse)
def prometheus(state: State) -> Response:
    """Prometheus text format: requests by route and status, latency, pass sizes, texts encoded."""
    body, content_type = state.metrics.exposition()
    return Response(body, media_type=content_type)
