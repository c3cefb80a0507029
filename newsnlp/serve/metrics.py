"""Prometheus metrics of one server (its own registry: several apps in one process do not clash):
requests by route and status, their latency, the size of each shared model pass, and the texts
the encoder was given."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Iterator

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from newsnlp.engine.pipeline import Pipeline

KNOWN_ROUTES = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/info",
    "/v1/pages",
    "/v1/classify",
    "/v1/sentiment",
    "/v1/summarize",
    "/docs",
    "/openapi.json",
}


class _EncodedTexts(Collector):
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("nlp_texts_encoded", "Texts given to the shared encoder", value=self.pipeline.texts_encoded)


class Metrics:
    def __init__(self, pipeline: Pipeline) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("nlp_requests", "HTTP requests by route and status", ["route", "status"], registry=self.registry)
        self.latency = Histogram(
            "nlp_request_seconds",
            "Time to answer, by route",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.passes = Histogram(
            "nlp_pass_items",
            "Texts or documents in one shared model pass, by kind",
            ["kind"],
            registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
        )
        self.registry.register(_EncodedTexts(pipeline))

    def batch(self, kind: Hashable, items: int) -> None:
        self.passes.labels(kind=kind[0] if isinstance(kind, tuple) else str(kind)).observe(items)

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.url.path if request.url.path in KNOWN_ROUTES else "other"  # unknown paths: one label, not one per path
        self.requests.labels(route=route, status=str(response.status_code)).inc()
        self.latency.labels(route=route).observe(time.perf_counter() - start)
        return response

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
