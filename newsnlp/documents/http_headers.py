"""What the fetcher reads and writes of HTTP's headers: conditional requests from a cached
response, a Content-Type's media type and charset, a status's reason phrase, a cached stamp."""

from __future__ import annotations

import calendar
import time


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """A cached response's validators as a conditional request's headers."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, given = param.strip().partition("=")
        if name.lower() == "charset" and given:
            charset = given.strip().strip("\"'")
    return media.strip().lower(), charset


def epoch_of(stamp: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return 0.0


def reason_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return f" {HTTPStatus(status).phrase}"
    except ValueError:
        return ""
