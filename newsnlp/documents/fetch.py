"""A polite fetcher for URL inputs, on httpx: robots.txt obeyed (protego, RFC 9309), a
User-Agent that names the project, at most `fetch.per_host_rps` requests a second to a host,
one deadline per fetch (`fetch.deadline_s`: connect, headers and body, redirects and retries
included), at most 5 redirects (http and https only), bodies decoded here and capped after
decompression, retries with backoff on 429 and 503 honouring Retry-After.

Every connection goes to an address the policy checked (newsnlp/documents/network.py): a fetch
that reached a public address never connects to a private one after it (a redirect), and the
server's policy refuses private addresses altogether. Responses are kept on disk
(`$NLP_CACHE_DIR/http`) as a private RFC 9111 cache (newsnlp/documents/http_cache.py). In one
process each URL is fetched once (the run's scan and its pass read the same response). Every
failure is a `FetchError`: one line naming the URL and the cause."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.addresses import AddressPolicy, public_only
from newsnlp.documents.http_body import ACCEPT_ENCODING, BodyRefused, BoundedBody
from newsnlp.documents.http_cache import DiskCache, Entry, freshness, storable, vary_of
from newsnlp.documents.http_headers import clean_validator, conditional_headers, content_type, reason_phrase, retry_after_seconds
from newsnlp.documents.markup import split_url
from newsnlp.documents.network import Deadline, Journey, Refused, journey, pinned_transport
from newsnlp.documents.robots import DISALLOW_ALL, ROBOTS_MAX_BYTES, ROBOTS_TTL_S, Robots
from newsnlp.errors import FetchError
from newsnlp.records import utc_stamp

MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
__all__ = ["Deadline", "FetchError", "Fetched", "Fetcher", "is_url", "public_only"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    """A response body and what is known of it."""

    url: str  # as asked
    final_url: str  # after redirects
    body: bytes
    content_type: str  # the media type, lower case ("" if none)
    charset: str | None
    fetched: str  # when it was fetched or confirmed unchanged (UTC, ISO 8601)
    sha256: str
    etag: str | None = None
    last_modified: str | None = None
    revalidated: bool = False  # the stored body stands: answered 304, or still fresh (no request)

    @classmethod
    def of(cls, entry: Entry, revalidated: bool) -> Fetched:
        fields = {k: getattr(entry, k) for k in cls.__dataclass_fields__ if k != "revalidated"}
        return cls(**fields, revalidated=revalidated)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def is_url(ref: str) -> bool:
    return ref[:8].lower().startswith(("http://", "https://"))


class Fetcher:
    """GETs URLs politely, each once per process, through an on-disk RFC 9111 cache.
    `guard`: where it may connect (default: a user's URL may be private, a redirect from a
    public address to a private one is refused; `public_only()`: private never)."""

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        cache_dir: Path | None = None,
        guard: AddressPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        remember: bool = True,
    ) -> None:
        """`remember`: keep each URL's answer for the process (a run's scan and pass see the same);
        False for a caller with its own bounded memory (the server's fetch cache)."""
        from newsnlp.version import VERSION as __version__

        self.config = config or FetchConfig()
        self.cache = DiskCache(cache_dir, max(self.config.max_bytes, ROBOTS_MAX_BYTES)) if (self.config.cache and cache_dir) else None
        self.policy, self.sleep = guard or AddressPolicy(), sleep
        self.user_agent = self.config.user_agent.replace("{version}", __version__)
        self.headers = {"User-Agent": self.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        self.transport = pinned_transport()
        self.remember = remember
        self._done: dict[str, Fetched | FetchError] = {}
        self._robots: dict[str, Robots] = {}
        self._next_at: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._active: set[Deadline] = set()
        self._lock = threading.Lock()
        self.requests = 0  # sent this process (robots.txt included)
        self.conditional = 0  # of which carried If-None-Match or If-Modified-Since

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ends every fetch under way (their sockets shut down) and the transport."""
        with self._lock:
            for deadline in list(self._active):
                deadline.cancel()
        self.transport.close()

    def forget(self) -> None:
        """Fetch every URL again on its next `get` (conditionally): `nlp watch`'s next cycle."""
        self._done.clear()
        self._robots.clear()

    def get(self, url: str, deadline: Deadline | None = None) -> Fetched:
        """The URL's body, fetched once per process; a failure is a FetchError (and stays one
        for this process: a run's scan and pass see the same answer). `deadline`: the caller's
        (which it may `cancel()` from another thread); else `fetch.deadline_s` from now."""
        if url not in self._done:
            deadline = deadline or Deadline(self.config.deadline_s)
            with self._lock:
                self._active.add(deadline)
            try:
                self._done[url] = self._fetch(url, deadline)
            except FetchError as exc:
                self._done[url] = exc
            except Exception as exc:  # the contract: one line per source, whatever a hostile server found
                log.debug("fetching %s", url, exc_info=True)
                self._done[url] = FetchError(url, f"{type(exc).__name__}: {str(exc)[:160]}")
            finally:
                with self._lock:
                    self._active.discard(deadline)
        result = self._done[url] if self.remember else self._done.pop(url)
        if isinstance(result, FetchError):
            raise result
        return result

    def _fetch(self, url: str, deadline: Deadline) -> Fetched:
        stored = self._load(url)
        if stored is not None and stored.fresh() and stored.matches(self.headers):
            return Fetched.of(stored, revalidated=True)  # RFC 9111: fresh, used without a request
        usable = stored if stored is not None and stored.matches(self.headers) else None
        validators = conditional_headers(usable.etag, usable.last_modified) if usable else {}
        with journey(Journey(self.policy, deadline)):
            target, answer = self._follow(url, validators, deadline)
        if answer.status == 304 and usable is not None and validators:
            return self._freshened(usable, answer)
        if answer.status != 200:
            raise FetchError(url, f"HTTP {answer.status}{reason_phrase(answer.status)}")
        media, charset = content_type(answer.headers.get("content-type", ""))
        now = time.time()
        fresh_until, no_cache = freshness(answer.headers, now)
        entry = Entry(
            url=url,
            final_url=target,
            body=answer.body,
            content_type=media,
            charset=charset,
            fetched=utc_stamp(),
            sha256=hashlib.sha256(answer.body).hexdigest(),
            etag=clean_validator(answer.headers.get("etag")),
            last_modified=clean_validator(answer.headers.get("last-modified")),
            fresh_until=fresh_until,
            no_cache=no_cache,
            vary=vary_of(self.headers, answer.headers),
        )
        if self.cache is not None:
            self.cache.store(entry) if storable(self.headers, answer.headers) else self.cache.remove(url)
        return Fetched.of(entry, revalidated=False)

    def _follow(self, url: str, validators: dict[str, str], deadline: Deadline) -> tuple[str, Answer]:
        """GET `url`, following redirects within http(s), robots.txt checked at each hop."""
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = split_url(target)
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(url, f"redirected to {target[:120]}, which is not http or https" if target != url else "not an http or https URL")
            if not self._allowed(url, target, deadline):
                raise FetchError(url, f"refused by {parts.scheme}://{parts.netloc}/robots.txt")
            answer = self._send(url, target, validators if target == url else {}, deadline, self.config.max_bytes)
            if answer.status in REDIRECTS and answer.headers.get("location"):
                target = self._redirect(url, target, answer.headers["location"])
                continue
            return target, answer
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    @staticmethod
    def _redirect(url: str, target: str, location: str) -> str:
        try:
            return urljoin(target, location.strip())
        except ValueError:
            raise FetchError(url, f"redirected to {location[:120]!r}, which is not a URL") from None

    def _freshened(self, stored: Entry, answer: Answer) -> Fetched:
        """A 304: the stored body stands, with the 304's validators and freshness (RFC 9111 4.3.4)."""
        stored.fetched = utc_stamp()
        stored.etag = clean_validator(answer.headers.get("etag")) or stored.etag
        stored.last_modified = clean_validator(answer.headers.get("last-modified")) or stored.last_modified
        if "cache-control" in answer.headers or "expires" in answer.headers:
            stored.fresh_until, stored.no_cache = freshness(answer.headers, time.time())
        if self.cache is not None:
            self.cache.store(stored) if storable(self.headers, answer.headers) else self.cache.remove(stored.url)
        return Fetched.of(stored, revalidated=True)

    def _send(self, url: str, target: str, extra: dict[str, str], deadline: Deadline, cap: int, *, truncate: bool = False) -> Answer:
        """One GET (retried on 429, 503 and dropped connections), the body read up to `cap`."""
        parts = split_url(target)
        host = parts.netloc if parts is not None else target
        for attempt in range(self.config.retries + 1):
            self._wait_turn(host, deadline)
            self.requests += 1
            self.conditional += bool(extra)
            try:
                with deadline.armed():
                    answer = self._exchange(target, extra, cap, truncate)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if deadline.expired or attempt >= self.config.retries:
                    raise self._failure(url, target, exc, deadline) from None
                self._pause(url, self.config.backoff_s * 2**attempt, deadline)
                continue
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, Refused, BodyRefused) as exc:
                raise self._failure(url, target, exc, deadline) from None
            if answer.status in (429, 503) and attempt < self.config.retries:
                wait = retry_after_seconds(answer.headers.get("retry-after"))
                self._pause(url, self.config.backoff_s * 2**attempt if wait is None else wait, deadline, asked=wait is not None)
                continue
            return answer
        raise FetchError(url, f"still busy after {self.config.retries} retries")  # every attempt answered 429/503

    def _exchange(self, target: str, extra: dict[str, str], cap: int, truncate: bool) -> Answer:
        timeout = self.config.timeout_s
        request = httpx.Request(
            "GET", target, headers={**self.headers, **extra}, extensions={"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}
        )
        response = self.transport.handle_request(request)
        try:
            found = {k.lower(): v for k, v in response.headers.items()}
            body = b""
            if response.status_code == 200:
                body = BoundedBody(found.get("content-encoding", ""), cap, truncate=truncate).read_all(response.iter_raw())
            return Answer(response.status_code, found, body)
        finally:
            response.close()

    def _failure(self, url: str, target: str, exc: Exception, deadline: Deadline) -> FetchError:
        """The one line for a request that failed."""
        if isinstance(exc, (Refused, BodyRefused)):
            return FetchError(url, exc.cause)
        if deadline.cancelled:
            return FetchError(url, "cancelled")
        if deadline.expired:
            return FetchError(url, f"took longer than fetch.deadline_s ({deadline.seconds:g} s)")
        if isinstance(exc, httpx.TimeoutException):
            return FetchError(url, f"timed out after {self.config.timeout_s:g} s (fetch.timeout_s)")
        text = str(exc)[:120] or type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            return FetchError(url, f"cannot connect ({text})")
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            return FetchError(url, f"the connection broke ({text})")
        return FetchError(url, f"{type(exc).__name__}: {text}")

    def _pause(self, url: str, wait: float, deadline: Deadline, *, asked: bool = False) -> None:
        if asked and wait > self.config.max_retry_after_s:
            raise FetchError(url, f"the server asks to retry after {wait:.0f} s, over fetch.max_retry_after_s ({self.config.max_retry_after_s:g})")
        if wait > deadline.remaining():
            raise FetchError(url, f"a retry in {wait:.0f} s would pass fetch.deadline_s ({deadline.seconds:g} s)")
        self.sleep(wait)

    def _wait_turn(self, host: str, deadline: Deadline) -> None:
        """At most per_host_rps requests a second to one host (or its robots.txt Crawl-delay);
        that wait is politeness, not the server's time: the deadline moves by it."""
        now = time.monotonic()
        at = self._next_at.get(host, now)
        if at > now:
            self.sleep(at - now)
            deadline.extend(at - now)
        self._next_at[host] = max(at, now) + max(1.0 / self.config.per_host_rps, self._delay.get(host, 0.0))

    def _allowed(self, url: str, target: str, deadline: Deadline) -> bool:
        parts = split_url(target)
        assert parts is not None  # checked by the caller
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(url, origin, deadline)
        rules = self._robots[origin]
        delay = rules.delay(self.user_agent)
        if delay:
            self._delay[parts.netloc] = delay
        return rules.allows(target, self.user_agent)

    def _read_robots(self, url: str, origin: str, deadline: Deadline) -> Robots:
        """The origin's robots.txt (its first 500 KiB), kept on disk for a day; redirects are
        followed (RFC 9309: five at most); a failure to reach it is the page's FetchError."""
        robots_url = origin + "/robots.txt"
        stored = self._load(robots_url)
        if stored is not None and stored.fresh():
            return Robots.parse(stored.body)
        target = robots_url
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._send(url, target, {}, deadline, ROBOTS_MAX_BYTES, truncate=True)
            location = answer.headers.get("location")
            if answer.status not in REDIRECTS or not location:
                break
            target = self._redirect(url, target, location)
            parts = split_url(target)
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                break  # a robots.txt redirected out of http(s): unavailable, everything allowed
        if 300 <= answer.status < 500:
            body = b""  # no robots.txt (or unavailable): everything allowed
        elif answer.status != 200:
            body = DISALLOW_ALL
        else:
            body = answer.body
        entry = Entry(
            robots_url, robots_url, body, "text/plain", "utf-8", utc_stamp(), hashlib.sha256(body).hexdigest(), fresh_until=time.time() + ROBOTS_TTL_S
        )
        if self.cache is not None:
            self.cache.store(entry)
        return Robots.parse(body)

    def _load(self, url: str) -> Entry | None:
        return self.cache.load(url) if self.cache is not None else None
