"""How the server answers what goes wrong: every error as `{"error": ..., "field": ...}` (bad input
422, never a traceback or a 500 with details), and a body over the limit refused with 413 before
the app reads it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsnlp.errors import NlpError

log = logging.getLogger("newsnlp.serve")


class BadInput(Exception):
    """A request the schema let through but the pipeline cannot take: 422, naming the field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _union_tag(part: Any) -> bool:
    """A part of a pydantic error's location that names a union's member, not a field."""
    return isinstance(part, str) and (part in ("str", "int", "float", "bool") or "[" in part or part[:1].isupper())


def error_response(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, **({"field": field} if field else {})}, status_code=status, headers=headers)


def errors_as_json(app: FastAPI) -> None:
    """Every error as `{"error": ..., "field": ...}`: bad input 422, never a traceback or a 500."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = [str(part) for part in first.get("loc", ()) if part != "body" and not _union_tag(part)]
        if not where and "json" not in request.headers.get("content-type", ""):
            return error_response(422, "send the body as JSON, with the header 'Content-Type: application/json'", "body")
        if first.get("type") == "json_invalid":
            return error_response(422, f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'malformed')})", "body")
        return error_response(422, str(first.get("msg", "invalid input")).removeprefix("Value error, "), ".".join(where) or "body")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body FastAPI could not parse: too deep, a huge integer, not UTF-8
            return error_response(
                422, f"the body is not valid JSON that fits a request ({exc.detail if isinstance(exc.detail, str) else 'unreadable'})", "body"
            )
        detail = exc.detail if isinstance(exc.detail, dict) else {"error": exc.detail if isinstance(exc.detail, str) else "error"}
        if exc.status_code == 404:
            detail = {"error": f"no route {request.url.path}; see /docs", "field": "path"}
        return error_response(exc.status_code, detail["error"], detail.get("field"), headers=getattr(exc, "headers", None))

    @app.exception_handler(BadInput)
    async def bad_request(request: Request, exc: BadInput) -> JSONResponse:
        return error_response(422, str(exc), exc.field)

    @app.exception_handler(NlpError)
    async def bad_input(request: Request, exc: NlpError) -> JSONResponse:
        return error_response(422, str(exc), "documents" if request.url.path == "/v1/pages" else None)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("error answering %s", request.url.path)
        return error_response(500, "internal error; the server's log has the details")


class BodyLimit:
    """A body over `max_bytes` is refused with 413 before the app reads it: the declared
    Content-Length is checked, and a chunked body is read up to the limit (never past it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        body, more = b"", True
        messages: list[Message] = []
        while more:
            message = await receive()
            if message["type"] != "http.request":
                messages.append(message)
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *messages]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, f"the request body is over serve.max_body_bytes ({self.max_bytes:,} bytes)", "body")(scope, receive, send)
