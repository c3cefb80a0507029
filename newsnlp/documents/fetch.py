"""A polite fetcher for URL inputs, on httpx: robots.txt obeyed, a User-Agent that names the
project, at most `fetch.per_host_rps` requests a second to a host, timeouts, at most 5
redirects (http and https only), bodies capped after decompression, retries with backoff on 429
and 503 honouring Retry-After.

Responses are kept on disk (`$NLP_CACHE_DIR/http`) with their ETag and Last-Modified, so a
re-run sends conditional requests and re-reads nothing unchanged; robots.txt is kept a day. In
one process each URL is fetched once (the run's scan and its pass read the same response).
Every failure is a `FetchError`: one line naming the URL and the cause."""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.http_headers import conditional_headers, content_type, epoch_of, reason_phrase
from newsnlp.errors import InputError

MAX_REDIRECTS = 5
ROBOTS_TTL_S = 24 * 3600  # RFC 9309: a robots.txt may be cached up to a day
Guard = Callable[[str, int], None]


class FetchError(InputError):
    """A URL that could not be read: the message names it and the cause."""

    def __init__(self, url: str, cause: str) -> None:
        super().__init__(f"{url}: {cause}")
        self.url, self.cause = url, cause


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
    revalidated: bool = False  # answered 304: the stored body stands


def is_url(ref: str) -> bool:
    return ref[:8].lower().startswith(("http://", "https://"))


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def public_only(allow_hosts: list[str] | None = None) -> Guard:
    """A guard that refuses a host resolving to a loopback, private, link-local or otherwise
    non-public address, before any connection (the server's fetches); `allow_hosts` are exempt."""
    allowed = set(allow_hosts or [])

    def guard(host: str, port: int) -> None:
        if host in allowed:
            return
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"http://{host}", f"DNS lookup failed ({exc})") from None
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            mapped = getattr(address, "ipv4_mapped", None)
            if not (mapped or address).is_global:
                raise FetchError(f"http://{host}", f"resolves to {address}, a loopback, private or link-local address, which is never fetched")

    return guard


class Fetcher:
    """GETs URLs politely, each once per process, through an on-disk conditional cache."""

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        cache_dir: Path | None = None,
        guard: Guard | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        from newsnlp.version import VERSION as __version__

        self.config = config or FetchConfig()
        self.cache_dir = cache_dir if self.config.cache else None
        self.guard, self.sleep = guard, sleep
        self.user_agent = self.config.user_agent.replace("{version}", __version__)
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.config.timeout_s), follow_redirects=False, headers={"User-Agent": self.user_agent}, trust_env=False
        )
        self._done: dict[str, Fetched | FetchError] = {}
        self._robots: dict[str, RobotFileParser | None] = {}
        self._next_at: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self.requests = 0  # sent this process (robots.txt included)
        self.conditional = 0  # of which carried If-None-Match or If-Modified-Since

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def forget(self) -> None:
        """Fetch every URL again on its next `get` (conditionally): `nlp watch`'s next cycle."""
        self._done.clear()
        self._robots.clear()

    def get(self, url: str) -> Fetched:
        """The URL's body, fetched once per process; a failure is a FetchError (and stays one
        for this process: a run's scan and pass see the same answer)."""
        if url not in self._done:
            try:
                self._done[url] = self._fetch(url)
            except FetchError as exc:
                self._done[url] = exc
        result = self._done[url]
        if isinstance(result, FetchError):
            raise result
        return result

    def _fetch(self, url: str) -> Fetched:
        stored = self._load(url)
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(url, f"redirected to {target[:120]}, which is not http or https" if target != url else "not an http or https URL")
            if self.guard:
                try:
                    self.guard(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
                except FetchError as exc:
                    raise FetchError(url, exc.cause) from None
            try:
                allowed = self._allowed(target)
            except FetchError as exc:
                raise FetchError(url, exc.cause) from None  # robots.txt unreachable: named by the URL asked for
            if not allowed:
                raise FetchError(url, f"refused by {parts.scheme}://{parts.netloc}/robots.txt")
            headers = conditional_headers(stored.etag, stored.last_modified) if stored and target == url else {}
            status, response_headers, body = self._send(url, target, headers)
            if status in (301, 302, 303, 307, 308) and response_headers.get("location"):
                target = urljoin(target, response_headers["location"])
                continue
            break
        else:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
        if status == 304 and stored:
            fresh = Fetched(**{**asdict(stored), "fetched": now_iso(), "revalidated": True})
            self._store(fresh)
            return fresh
        if status >= 400 or status == 304:
            raise FetchError(url, f"HTTP {status}{reason_phrase(status)}")
        media, charset = content_type(response_headers.get("content-type", ""))
        fetched = Fetched(
            url=url,
            final_url=target,
            body=body,
            content_type=media,
            charset=charset,
            fetched=now_iso(),
            sha256=hashlib.sha256(body).hexdigest(),
            etag=response_headers.get("etag"),
            last_modified=response_headers.get("last-modified"),
        )
        self._store(fetched)
        return fetched

    def _send(self, url: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """One GET (retried on 429, 503 and dropped connections), the body read up to max_bytes."""
        import httpx

        host = urlsplit(target).netloc
        for attempt in range(self.config.retries + 1):
            self._wait_turn(host)
            self.requests += 1
            self.conditional += bool(headers)
            try:
                with self.client.stream("GET", target, headers=headers) as response:
                    status = response.status_code
                    found = {k.lower(): v for k, v in response.headers.items()}
                    if status in (429, 503) and attempt < self.config.retries:
                        self.sleep(self._retry_wait(url, found.get("retry-after"), attempt))
                        continue
                    body = self._read_capped(url, response, found) if status == 200 else b""
                    return status, found, body
            except httpx.TimeoutException:
                raise FetchError(url, f"timed out after {self.config.timeout_s:g} s") from None
            except httpx.ConnectError as exc:
                text = str(exc)
                lookup = any(s in text for s in ("Name or service not known", "nodename nor servname", "getaddrinfo", "No address associated"))
                raise FetchError(url, f"DNS lookup failed for {urlsplit(target).hostname}" if lookup else f"cannot connect ({text[:120]})") from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if attempt >= self.config.retries:
                    raise FetchError(url, f"the connection broke ({str(exc)[:120] or type(exc).__name__})") from None
                self.sleep(self.config.backoff_s * 2**attempt)
            except httpx.HTTPError as exc:  # a malformed URL or header, a decoding error
                raise FetchError(url, f"{type(exc).__name__}: {str(exc)[:120]}") from None
        raise FetchError(url, f"still busy after {self.config.retries} retries")  # every attempt answered 429/503

    def _read_capped(self, url: str, response: Any, headers: dict[str, str]) -> bytes:
        cap = self.config.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"body of {int(declared):,} bytes is over fetch.max_bytes ({cap:,})")
        chunks, size = [], 0
        for chunk in response.iter_bytes():  # decompressed: the cap holds against gzip bombs
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"body is over fetch.max_bytes ({cap:,} bytes, after decompression)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _retry_wait(self, url: str, retry_after: str | None, attempt: int) -> float:
        wait = self.config.backoff_s * 2**attempt
        if retry_after:
            if retry_after.strip().isdigit():
                wait = float(retry_after.strip())
            else:
                try:
                    wait = max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time())
                except (TypeError, ValueError):
                    pass
        if wait > self.config.max_retry_after_s:
            raise FetchError(url, f"the server asks to retry after {wait:.0f} s, over fetch.max_retry_after_s ({self.config.max_retry_after_s:g})")
        return wait

    def _wait_turn(self, host: str) -> None:
        """At most per_host_rps requests a second to one host (or its robots.txt Crawl-delay)."""
        now = time.monotonic()
        at = self._next_at.get(host, now)
        if at > now:
            self.sleep(at - now)
        self._next_at[host] = max(at, now) + max(1.0 / self.config.per_host_rps, self._delay.get(host, 0.0))

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        rules = self._robots[origin]
        if rules is None:
            return True
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            self._delay[parts.netloc] = min(float(delay), 60.0)
        return rules.can_fetch(self.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser | None:
        """The origin's robots.txt rules (None: everything allowed), kept on disk for a day."""
        url = origin + "/robots.txt"
        stored = self._load(url)
        if stored and time.time() - epoch_of(stored.fetched) < ROBOTS_TTL_S:
            text = stored.body.decode("utf-8", errors="replace")
        else:
            status, _, body = self._send(url, url, {})
            if 400 <= status < 500:
                text = ""  # no robots.txt: everything allowed
            elif status != 200:
                text = "User-agent: *\nDisallow: /\n"  # a server error: RFC 9309 treats the site as disallowed
            else:
                text = body.decode("utf-8", errors="replace")
            data = text.encode("utf-8")
            self._store(Fetched(url, url, data, "text/plain", "utf-8", now_iso(), hashlib.sha256(data).hexdigest()))
        if not text.strip():
            return None
        rules = RobotFileParser()
        rules.parse(text.splitlines())
        return rules

    # The on-disk cache: <key>.body beside <key>.json (written after the body, atomically).

    def _paths(self, url: str) -> tuple[Path, Path] | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return self.cache_dir / f"{key}.json", self.cache_dir / f"{key}.body"

    def _load(self, url: str) -> Fetched | None:
        paths = self._paths(url)
        if paths is None:
            return None
        try:
            meta = json.loads(paths[0].read_text(encoding="utf-8"))
            body = paths[1].read_bytes()
            if meta.get("url") != url or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                return None  # torn or edited: fetched again, unconditionally
            return Fetched(**{**{k: meta.get(k) for k in Fetched.__dataclass_fields__ if k != "body"}, "body": body, "revalidated": False})
        except (OSError, ValueError, TypeError):
            return None

    def _store(self, fetched: Fetched) -> None:
        paths = self._paths(fetched.url)
        if paths is None:
            return
        meta = {k: v for k, v in asdict(fetched).items() if k not in ("body", "revalidated")}
        try:
            paths[0].parent.mkdir(parents=True, exist_ok=True)
            for path, data in ((paths[1], fetched.body), (paths[0], json.dumps(meta).encode("utf-8"))):
                staging = path.with_name(path.name + f".{os.getpid()}.writing")
                staging.write_bytes(data)
                os.replace(staging, path)
        except OSError:
            pass  # a cache that cannot be written: the next run fetches again
