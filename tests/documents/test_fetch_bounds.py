"""Bounds of one fetch: one deadline over connect, TLS, headers and body (a slow-drip server, a
silent TLS server, a slow DNS answer, a cancel from another thread), and memory near the cap
whatever the compression (a gzip bomb, stacked gzip). Servers listen on 127.0.0.1 only."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.addresses import AddressPolicy
from newsnlp.documents.fetch import Deadline, Fetcher
from newsnlp.errors import FetchError
from tests.http_server import Route, Site, serving

PAGE = b"<html><head><title>T</title></head><body><p>Some words.</p></body></html>"


@pytest.fixture
def site():
    with serving(Site()) as running:
        yield running


def fetcher(tmp_path: Path, policy: AddressPolicy | None = None, **config: object) -> Fetcher:
    return Fetcher(FetchConfig(per_host_rps=100, **config), cache_dir=tmp_path / "http", guard=policy, sleep=lambda s: None)


def timed(call) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 (the caller looks at it)
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def test_a_slow_drip_body_ends_at_the_deadline(site, tmp_path):
    site.routes["/drip"] = Route(PAGE * 10, drip_s=0.05)  # 740 bytes at 20 a second: 37 s, each read well within timeout_s
    with fetcher(tmp_path, timeout_s=5, deadline_s=1.5) as f:
        took, error = timed(lambda: f.get(site.url("/drip")))
    assert isinstance(error, FetchError) and "fetch.deadline_s (1.5 s)" in str(error), error
    assert took < 3.0, took


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts and never answers (a TLS handshake that stalls)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def test_a_stalled_tls_handshake_ends_at_the_deadline(silent_server, tmp_path):
    with fetcher(tmp_path, timeout_s=30, deadline_s=1.0) as f:
        took, error = timed(lambda: f.get(f"https://127.0.0.1:{silent_server}/x"))
    assert isinstance(error, FetchError) and "deadline" in str(error)
    assert took < 2.5


def test_a_slow_dns_answer_ends_at_the_deadline(tmp_path):
    def slow(host: str, port: int) -> list[str]:
        time.sleep(5)
        return ["127.0.0.1"]

    with fetcher(tmp_path, AddressPolicy(resolver=slow), deadline_s=0.5) as f:
        took, error = timed(lambda: f.get("http://slow.test:1/x"))
    assert isinstance(error, FetchError) and "deadline" in str(error)
    assert took < 1.5


def test_a_fetch_is_cancelled_from_another_thread(site, tmp_path):
    site.routes["/drip"] = Route(PAGE * 10, drip_s=0.05)
    deadline = Deadline(60)
    threading.Timer(0.5, deadline.cancel).start()
    with fetcher(tmp_path) as f:
        took, error = timed(lambda: f.get(site.url("/drip"), deadline=deadline))
    assert isinstance(error, FetchError) and str(error).endswith("cancelled")
    assert took < 2.0


def bomb(size: int, layers: int) -> bytes:
    data = b"\0" * size
    for _ in range(layers):
        data = gzip.compress(data, 9)
    return data


@pytest.mark.parametrize(("layers", "encoding", "message"), [(1, "gzip", "over fetch.max_bytes"), (2, "gzip, gzip", "stacked codings")])
def test_a_compression_bomb_is_refused_in_bounded_memory(site, tmp_path, layers, encoding, message):
    site.routes["/bomb"] = Route(bomb(64_000_000, layers), headers={"Content-Encoding": encoding})
    with fetcher(tmp_path, max_bytes=1_000_000) as f:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match=message):
                f.get(site.url("/bomb"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8_000_000  # the cap (1 MB) and a few chunks, not the 64 MB the bomb holds


def test_a_gzipped_page_under_the_cap_reads(site, tmp_path):
    site.routes["/page"] = Route(PAGE * 100, gzip=True)
    site.routes["/deflate"] = Route(zlib.compress(PAGE), headers={"Content-Encoding": "deflate"})
    site.routes["/raw-deflate"] = Route(zlib.compress(PAGE)[2:-4], headers={"Content-Encoding": "deflate"})
    site.routes["/br"] = Route(PAGE, headers={"Content-Encoding": "br"})
    with fetcher(tmp_path) as f:
        assert f.get(site.url("/page")).body == PAGE * 100
        assert f.get(site.url("/deflate")).body == PAGE
        assert f.get(site.url("/raw-deflate")).body == PAGE
        with pytest.raises(FetchError, match="not one the fetcher asked for"):
            f.get(site.url("/br"))


def test_a_silent_server_times_out_after_timeout_s_within_the_deadline(site, tmp_path):
    site.routes["/late"] = Route(PAGE, delay_s=3)
    with fetcher(tmp_path, timeout_s=0.5, deadline_s=30, retries=0) as f:
        took, error = timed(lambda: f.get(site.url("/late")))
    assert isinstance(error, FetchError) and "timed out after 0.5 s (fetch.timeout_s)" in str(error)
    assert took < 2.0
