"""The fetcher's on-disk cache: `<key>.body` beside `<key>.json`, written atomically, read as a
private cache under RFC 9111's rules.

- `Cache-Control: no-store` (request or response): never stored, and what was stored is removed.
- Freshness: `max-age` (else `Expires` against `Date`), less the response's `Age`; a fresh entry
  is used without a request. `no-cache`, or no stated freshness: revalidated (a conditional
  request with its ETag and Last-Modified); a 304 freshens the entry's headers.
- `Vary`: the request headers it names are stored with the entry; a request that differs in
  any of them is a miss; `Vary: *` is never stored.

An entry that is not what this module wrote (edited, truncated, a body that is a symlink, a
device or of another size) is a miss, read no further than its recorded size; a write that
fails (a full disk) leaves no staging file behind."""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsnlp.documents.http_headers import cache_directives, clean_validator
from newsnlp.resources.disk import write_atomically

_TEXT_FIELDS = ("url", "final_url", "content_type", "fetched", "sha256")
_OPTIONAL_TEXT = ("charset", "etag", "last_modified")


@dataclass
class Entry:
    """A stored response: its body and what is known of it."""

    url: str
    final_url: str
    body: bytes
    content_type: str
    charset: str | None
    fetched: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    fresh_until: float = 0.0  # epoch seconds: used without a request until then
    no_cache: bool = False  # revalidate on every use
    vary: dict[str, str] = field(default_factory=dict)  # the request headers the response varies on, as sent

    def fresh(self, now: float | None = None) -> bool:
        return not self.no_cache and (now if now is not None else time.time()) < self.fresh_until

    def matches(self, request_headers: dict[str, str]) -> bool:
        """The request's headers agree with the stored request's on every header Vary names."""
        sent = {k.lower(): v for k, v in request_headers.items()}
        return all(" ".join(sent.get(name, "").split()) == value for name, value in self.vary.items())


def storable(request_headers: dict[str, str], response_headers: dict[str, str]) -> bool:
    """RFC 9111 section 3: no `no-store` on either side, and no `Vary: *`."""
    request = cache_directives(request_headers.get("cache-control", ""))
    response = cache_directives(response_headers.get("cache-control", ""))
    vary = [v.strip() for v in response_headers.get("vary", "").split(",")]
    return "no-store" not in request and "no-store" not in response and "*" not in vary


def freshness(response_headers: dict[str, str], now: float) -> tuple[float, bool]:
    """(fresh until, epoch seconds; revalidate on every use) from Cache-Control, Expires, Date, Age."""
    directives = cache_directives(response_headers.get("cache-control", ""))
    date = _http_date(response_headers.get("date")) or now
    age = response_headers.get("age", "").strip()
    initial_age = max(0.0, now - date, float(age) if age.isascii() and age.isdigit() else 0.0)
    lifetime = 0.0
    max_age = directives.get("max-age", "")
    if max_age.isascii() and max_age.isdigit():
        lifetime = float(max_age)
    elif "expires" in response_headers:
        expires = _http_date(response_headers["expires"])  # an invalid date ("0") is already expired
        lifetime = max(0.0, expires - date) if expires else 0.0
    no_cache = "no-cache" in directives
    return now + lifetime - initial_age, no_cache


def vary_of(request_headers: dict[str, str], response_headers: dict[str, str]) -> dict[str, str]:
    sent = {k.lower(): v for k, v in request_headers.items()}
    names = [v.strip().lower() for v in response_headers.get("vary", "").split(",") if v.strip()]
    return {name: " ".join(sent.get(name, "").split()) for name in names}


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class DiskCache:
    """Entries by URL under `folder`; every failure to read one is a miss, to write one a no-op."""

    def __init__(self, folder: Path, max_body_bytes: int) -> None:
        self.folder, self.max_body_bytes = folder, max_body_bytes

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return self.folder / f"{key}.json", self.folder / f"{key}.body"

    def load(self, url: str) -> Entry | None:
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(_read_regular(meta_path, 1 << 20))
            entry = _entry_of(meta, url)
            if entry is None or not isinstance(meta.get("size"), int) or not 0 <= meta["size"] <= self.max_body_bytes:
                return None
            body = _read_regular(body_path, meta["size"])
        except (OSError, ValueError, TypeError, RecursionError):
            return None
        if len(body) != meta["size"] or hashlib.sha256(body).hexdigest() != entry.sha256:
            return None  # torn or edited: fetched again, unconditionally
        entry.body = body
        return entry

    def store(self, entry: Entry) -> None:
        meta_path, body_path = self._paths(entry.url)
        meta = {k: v for k, v in entry.__dict__.items() if k != "body"} | {"size": len(entry.body)}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for path, data in ((body_path, entry.body), (meta_path, json.dumps(meta).encode("utf-8"))):
                write_atomically(path, data)
        except OSError:
            pass  # a cache that cannot be written: the next run fetches again

    def remove(self, url: str) -> None:
        for path in self._paths(url):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass


def _read_regular(path: Path, size: int) -> bytes:
    """At most `size` + 1 bytes of a regular file, never following a symlink (a body linked to
    /dev/zero would never end) and never opening a FIFO for a blocking read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path} is not a regular file")
        chunks, left = [], size + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _entry_of(meta: Any, url: str) -> Entry | None:
    """The stored metadata as an Entry (body empty), or None if it is not what `store` wrote."""
    if not isinstance(meta, dict) or meta.get("url") != url:
        return None
    if not all(isinstance(meta.get(k), str) for k in _TEXT_FIELDS):
        return None
    if not all(meta.get(k) is None or isinstance(meta.get(k), str) for k in _OPTIONAL_TEXT):
        return None
    vary = meta.get("vary", {})
    if not isinstance(vary, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in vary.items()):
        return None
    fresh_until = meta.get("fresh_until", 0.0)
    if isinstance(fresh_until, bool) or not isinstance(fresh_until, (int, float)) or not math.isfinite(fresh_until):
        return None
    return Entry(
        url=url,
        final_url=meta["final_url"],
        body=b"",
        content_type=meta["content_type"],
        charset=meta.get("charset"),
        fetched=meta["fetched"],
        sha256=meta["sha256"],
        etag=clean_validator(meta.get("etag")),
        last_modified=clean_validator(meta.get("last_modified")),
        fresh_until=float(fresh_until),
        no_cache=meta.get("no_cache") is True,
        vary=vary,
    )
