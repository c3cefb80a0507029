"""Running the app with uvicorn: one process, or `serve.workers` processes that each load the
models (uvicorn builds each worker's app from the config passed in the environment). SIGTERM and
Ctrl-C stop accepting, let requests in flight finish, and exit 0."""

from __future__ import annotations

import json
import os
import signal
import socket
from typing import Any

from fastapi import FastAPI

from newsnlp.config import RunConfig, config_without_secrets, validate_config
from newsnlp.serve.app import create_app

CONFIG_ENV = "NLP_SERVE_CONFIG"  # the validated config, as JSON, for worker processes
TOKEN_ENV = "NLP_SERVE_TOKEN"


def serve(config: RunConfig) -> None:
    """Serve `config` on `serve.host`:`serve.port` until stopped."""
    import uvicorn

    # uvicorn stops gracefully on SIGTERM, then raises the signal again against the handler it
    # found: with this one, that ends `nlp serve` with exit 0 instead of being killed by it
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    settings = config.serve
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": False,
        "timeout_graceful_shutdown": int(settings.shutdown_s) + 10,  # a backstop: the app answers 503 at shutdown_s
    }
    if settings.workers == 1:
        uvicorn.run(create_app(config), **common)
        return
    data = config_without_secrets(config)  # the token travels on its own
    if settings.token:
        os.environ[TOKEN_ENV] = settings.token.get_secret_value()
    os.environ[CONFIG_ENV] = json.dumps(data)
    from uvicorn.supervisors import Multiprocess

    config_ = uvicorn.Config("newsnlp.serve.server:app_from_environment", factory=True, workers=settings.workers, **common)
    sock = config_.bind_socket()
    # connections accepted from this socket inherit TCP_NODELAY; without it (uvicorn's own socket
    # here) every keep-alive answer waited ~40 ms for a delayed ACK (measured: /healthz p50 44 ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config_, sockets=[sock]).run()


def app_from_environment() -> FastAPI:
    """A worker's app (uvicorn's factory), from the config `serve` put in the environment."""
    return create_app(validate_config(json.loads(os.environ[CONFIG_ENV]), source=CONFIG_ENV))
