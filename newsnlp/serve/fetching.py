"""The server's fetches: a bounded, expiring memory of responses in front of the polite fetcher.

A `Fetcher` keeps every URL it fetched for the life of its process (right for one run: its scan
and its pass read the same response). A server lives for weeks: a transient 500 was answered for
ever, a page that changed was served in its first version for ever, and memory grew by each
body. Here a response is kept at most `ttl_s` seconds, at most `entries` of them and `max_bytes`
of bodies (the least recently used go first), and a failure is never kept: the next request
fetches again (conditionally, through the fetcher's disk cache). Requests for one URL at the
same time share one fetch."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from newsnlp.config import RunConfig
from newsnlp.documents.fetch import Fetched, Fetcher, public_only
from newsnlp.resources.disk import cache_root


class FetchCache:
    def __init__(self, fetcher: Fetcher, *, entries: int, max_bytes: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.fetcher, self.entries, self.max_bytes, self.ttl_s, self.clock = fetcher, entries, max_bytes, ttl_s, clock
        self._kept: OrderedDict[str, tuple[float, Fetched]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    @property
    def size(self) -> tuple[int, int]:
        """(responses, bytes of bodies) kept now."""
        with self._lock:
            return len(self._kept), self._bytes

    def get(self, url: str) -> Fetched:
        """The URL's response: kept and fresh, or fetched now (one fetch for concurrent callers);
        a failure raises and is not kept. Runs on the server's fetch threads."""
        kept = self._fresh(url)
        if kept is not None:
            return kept
        with self._lock:
            one = self._fetching.setdefault(url, threading.Lock())
        with one:
            kept = self._fresh(url)  # a caller before us may have fetched it meanwhile
            if kept is not None:
                return kept
            try:
                fetched = self.fetcher.get(url)
            finally:
                with self._lock:
                    self._fetching.pop(url, None)
            self._keep(url, fetched)
            return fetched

    def _fresh(self, url: str) -> Fetched | None:
        with self._lock:
            kept = self._kept.get(url)
            if kept is None:
                return None
            if self.clock() >= kept[0]:
                self._drop(url)
                return None
            self._kept.move_to_end(url)
            return kept[1]

    def _keep(self, url: str, fetched: Fetched) -> None:
        if self.ttl_s <= 0 or len(fetched.body) > self.max_bytes:
            return
        with self._lock:
            if url in self._kept:
                self._drop(url)
            self._kept[url] = (self.clock() + self.ttl_s, fetched)
            self._bytes += len(fetched.body)
            while len(self._kept) > self.entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._kept)))

    def _drop(self, url: str) -> None:
        _, fetched = self._kept.pop(url)
        self._bytes -= len(fetched.body)


def server_fetches(config: RunConfig) -> FetchCache:
    """The server's fetcher (public addresses only) behind its bounded, expiring memory."""
    serve = config.serve
    fetcher = Fetcher(config.fetch, cache_dir=cache_root() / "http", guard=public_only(serve.fetch_allow_hosts), remember=False)
    return FetchCache(fetcher, entries=serve.fetch_cache_entries, max_bytes=serve.fetch_cache_bytes, ttl_s=serve.fetch_cache_s)
