"""The polite fetcher, against a local server on 127.0.0.1 (no test reaches another address)."""

from __future__ import annotations

import socket

import pytest

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.fetch import Fetcher, FetchError, public_only
from tests.http_server import Route, Site, serving

PAGE = b"<html><head><title>T</title></head><body><p>Some words.</p></body></html>"


@pytest.fixture
def site():
    with serving(Site()) as running:
        yield running


def fetcher(tmp_path, **config) -> Fetcher:
    return Fetcher(FetchConfig(per_host_rps=100, **config), cache_dir=tmp_path / "http", sleep=lambda s: None)


def test_a_second_run_sends_only_conditional_requests_and_reads_the_stored_body(site, tmp_path):
    site.routes["/a"] = Route(PAGE)
    with fetcher(tmp_path) as first:
        body = first.get(site.url("/a")).body
        first.get(site.url("/a"))  # once per process
    assert site.paths() == ["/robots.txt", "/a"]
    with fetcher(tmp_path) as second:
        again = second.get(site.url("/a"))
    assert again.body == body and again.revalidated
    assert site.paths() == ["/robots.txt", "/a", "/a"]  # robots.txt is kept a day: not asked again
    assert site.requests[-1].conditional
    assert "newsnlp/" in site.requests[-1].user_agent


def test_robots_txt_is_obeyed(site, tmp_path):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.routes["/private/x"] = Route(PAGE)
    with fetcher(tmp_path) as f, pytest.raises(FetchError, match="refused by .*robots.txt"):
        f.get(site.url("/private/x"))
    assert "/private/x" not in site.paths()


def test_redirects_are_followed_within_http_and_refused_to_another_scheme(site, tmp_path):
    site.routes["/old"] = Route(status=301, headers={"Location": "/new"}, etag=False)
    site.routes["/new"] = Route(PAGE)
    site.routes["/ftp"] = Route(status=302, headers={"Location": "ftp://127.0.0.1/file"}, etag=False)
    for i in range(7):
        site.routes[f"/loop{i}"] = Route(status=302, headers={"Location": f"/loop{i + 1}"}, etag=False)
    with fetcher(tmp_path) as f:
        moved = f.get(site.url("/old"))
        assert moved.final_url == site.url("/new") and moved.body == PAGE
        with pytest.raises(FetchError, match="not http or https"):
            f.get(site.url("/ftp"))
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.get(site.url("/loop0"))


def test_bodies_are_capped_after_decompression(site, tmp_path):
    site.routes["/bomb"] = Route(b"0" * 5_000_000, gzip=True)  # about 5 KB on the wire
    with fetcher(tmp_path, max_bytes=1_000_000) as f, pytest.raises(FetchError, match="over fetch.max_bytes"):
        f.get(site.url("/bomb"))


def test_429_is_retried_after_retry_after(site, tmp_path):
    site.routes["/busy"] = Route(PAGE, busy_times=2)
    waits: list[float] = []
    with Fetcher(FetchConfig(per_host_rps=100, retries=2), cache_dir=tmp_path, sleep=waits.append) as f:
        assert f.get(site.url("/busy")).body == PAGE
    assert site.paths().count("/busy") == 3 and waits.count(0.0) >= 2


def test_requests_to_one_host_are_spaced_by_per_host_rps(site, tmp_path):
    for path in ("/1", "/2", "/3"):
        site.routes[path] = Route(PAGE)
    waits: list[float] = []
    with Fetcher(FetchConfig(per_host_rps=0.5), cache_dir=tmp_path, sleep=waits.append) as f:
        for path in ("/1", "/2", "/3"):
            f.get(site.url(path))
    assert len([w for w in waits if w > 1.0]) >= 3  # robots.txt, then each page: 2 s apart


def test_http_errors_and_unreachable_hosts_are_one_line_naming_the_url(site, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the socket is closed
    with fetcher(tmp_path) as f:
        with pytest.raises(FetchError) as missing:
            f.get(site.url("/nothing"))
        assert str(missing.value) == f"{site.url('/nothing')}: HTTP 404 Not Found"
        with pytest.raises(FetchError, match="cannot connect"):
            f.get(f"http://127.0.0.1:{closed}/x")


def test_the_server_guard_refuses_private_addresses_before_connecting(site, tmp_path):
    site.routes["/a"] = Route(PAGE)
    with Fetcher(FetchConfig(), cache_dir=tmp_path, guard=public_only()) as f:
        for url in (site.url("/a"), "http://localhost:1/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]:8/"):
            with pytest.raises(FetchError, match="loopback, private or link-local"):
                f.get(url)
    assert site.requests == []  # refused before any connection
    with Fetcher(FetchConfig(per_host_rps=100), cache_dir=tmp_path, guard=public_only(["127.0.0.1"])) as allowed:
        assert allowed.get(site.url("/a")).body == PAGE
