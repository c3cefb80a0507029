"""What the fetcher reads and writes of HTTP's headers: conditional requests from a cached
response, Cache-Control's directives, Retry-After, a Content-Type's media type and charset, a
status's reason phrase, a cached stamp. A header a hostile server sends is data: anything that
cannot be replayed or parsed is dropped, never raised."""

from __future__ import annotations

import calendar
import email.utils
import re
import time

_VALIDATOR = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,1023}")  # printable ASCII: what a request header may carry back
_SECONDS = re.compile(r"[0-9]{1,9}")  # ASCII digits: "²".isdigit() is true, and float("²") fails


def clean_validator(value: object) -> str | None:
    """An ETag or Last-Modified worth sending back: printable ASCII of sane length, else None
    (a non-ASCII ETag, replayed from the cache, made httpx raise on every conditional request)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _VALIDATOR.fullmatch(value) else None


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """A cached response's validators as a conditional request's headers."""
    headers = {}
    if clean_validator(etag):
        headers["If-None-Match"] = str(clean_validator(etag))
    if clean_validator(last_modified):
        headers["If-Modified-Since"] = str(clean_validator(last_modified))
    return headers


def cache_directives(value: str) -> dict[str, str]:
    """Cache-Control's directives, lower case, with their values ("" for none)."""
    directives = {}
    for part in value.split(","):
        name, _, given = part.strip().partition("=")
        if name.strip():
            directives[name.strip().lower()] = given.strip().strip('"')
    return directives


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds to wait: ASCII digits, or an HTTP date; None if neither."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        return float(value)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - (now if now is not None else time.time()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


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
