"""The fetcher's disk cache as a private RFC 9111 cache (no-store, max-age, Vary), and what it
does with files it did not write: a miss, never a traceback, never a read without end."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.fetch import Fetcher
from tests.http_server import Route, Site, serving

PAGE = b"<html><head><title>T</title></head><body><p>Some words.</p></body></html>"


@pytest.fixture
def site():
    with serving(Site()) as running:
        yield running


def fetch_once(tmp_path: Path, url: str, **config: object) -> bytes:
    with Fetcher(FetchConfig(per_host_rps=100, **config), cache_dir=tmp_path / "http", sleep=lambda s: None) as f:
        return f.get(url).body


def page_requests(site: Site, path: str) -> list[bool]:
    """Whether each request for `path` was conditional."""
    return [r.conditional for r in site.requests if r.path == path]


def test_no_store_is_never_stored(site, tmp_path):
    site.routes["/a"] = Route(PAGE, headers={"Cache-Control": "no-store"})
    fetch_once(tmp_path, site.url("/a"))
    fetch_once(tmp_path, site.url("/a"))
    assert page_requests(site, "/a") == [False, False]
    stored = [json.loads(p.read_text())["url"] for p in (tmp_path / "http").glob("*.json")]
    assert stored == [site.url("/robots.txt")]


def test_a_fresh_response_is_used_without_a_request(site, tmp_path):
    site.routes["/a"] = Route(PAGE, headers={"Cache-Control": "max-age=3600"})
    site.routes["/b"] = Route(PAGE, headers={"Cache-Control": "max-age=3600, no-cache"})
    site.routes["/c"] = Route(PAGE, headers={"Cache-Control": "max-age=3600", "Age": "7200"})
    for _ in range(2):
        for path in ("/a", "/b", "/c"):
            assert fetch_once(tmp_path, site.url(path)) == PAGE
    assert page_requests(site, "/a") == [False]  # fresh for an hour: not asked again
    assert page_requests(site, "/b") == [False, True]  # no-cache: revalidated each time
    assert page_requests(site, "/c") == [False, True]  # already two hours old: stale


def test_vary_names_the_request_headers_a_stored_response_needs(site, tmp_path):
    site.routes["/a"] = Route(PAGE, headers={"Vary": "User-Agent"})
    site.routes["/star"] = Route(PAGE, headers={"Vary": "*"})
    fetch_once(tmp_path, site.url("/a"), user_agent="first/1.0")
    fetch_once(tmp_path, site.url("/a"), user_agent="first/1.0")
    fetch_once(tmp_path, site.url("/a"), user_agent="second/2.0")
    assert page_requests(site, "/a") == [False, True, False]  # another User-Agent: the stored response is not its
    fetch_once(tmp_path, site.url("/star"))
    fetch_once(tmp_path, site.url("/star"))
    assert page_requests(site, "/star") == [False, False]


def edit(folder: Path, url: str, how: str) -> None:
    meta_path = next(p for p in folder.glob("*.json") if json.loads(p.read_text())["url"] == url)
    body_path = meta_path.with_suffix(".body")
    meta = json.loads(meta_path.read_text())
    if how == "list":
        meta_path.write_text("[]")
    elif how == "etag":
        meta_path.write_text(json.dumps({**meta, "etag": 12345, "last_modified": ["x"]}))
    elif how == "zero":
        body_path.unlink()
        body_path.symlink_to("/dev/zero")
    elif how == "fifo":
        body_path.unlink()
        os.mkfifo(body_path)
    elif how == "size":
        meta_path.write_text(json.dumps({**meta, "size": 10**12}))
    elif how == "meta-zero":
        meta_path.unlink()
        meta_path.symlink_to("/dev/zero")


@pytest.mark.parametrize("how", ["list", "etag", "zero", "fifo", "size", "meta-zero"])
def test_an_edited_cache_entry_is_a_miss(site, tmp_path, how):
    site.routes["/a"] = Route(PAGE)
    fetch_once(tmp_path, site.url("/a"))
    edit(tmp_path / "http", site.url("/a"), how)
    result: dict[str, object] = {}
    worker = threading.Thread(target=lambda: result.update(body=fetch_once(tmp_path, site.url("/a"))), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading the edited entry did not end"
    assert result["body"] == PAGE
    assert page_requests(site, "/a") == [False, False]  # fetched again, unconditionally


def test_a_full_disk_leaves_no_staging_file(site, tmp_path, monkeypatch):
    site.routes["/a"] = Route(PAGE)
    real_replace = os.replace

    def full(src: object, dst: object) -> None:
        if str(dst).endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", full)
    assert fetch_once(tmp_path, site.url("/a")) == PAGE
    assert not list((tmp_path / "http").glob("*.writing"))
