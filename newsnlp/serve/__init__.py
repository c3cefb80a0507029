"""`nlp serve`: the pipeline over HTTP (`create_app`). FastAPI loads only when `create_app` is
asked for: the batcher and the metrics import this package without it."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from newsnlp.serve.app import create_app

        return create_app
    raise AttributeError(f"module 'newsnlp.serve' has no attribute {name!r}")
