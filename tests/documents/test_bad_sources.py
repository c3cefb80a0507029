"""One bad source is one line: a malformed link, a hostile header or redirect, a lone surrogate,
a codec that is no charset. Each was a traceback; each is now that source's FetchError or
InputError (or the bad item is skipped or repaired). Pages come from a local server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsnlp.config.inputs import FetchConfig
from newsnlp.documents.feeds import documents_from_feed
from newsnlp.documents.fetch import Fetcher
from newsnlp.documents.html import document_from_html
from newsnlp.documents.markup import decode_markup
from newsnlp.documents.readers import page_from_bytes
from newsnlp.documents.sources import Inputs
from newsnlp.errors import FetchError, InputError
from tests.http_server import Route, Site, serving

PAGE = b"<html><head><title>T</title></head><body><p>Some words.</p></body></html>"


@pytest.fixture
def site():
    with serving(Site()) as running:
        yield running


def fetcher(tmp_path: Path, **config: object) -> Fetcher:
    return Fetcher(FetchConfig(per_host_rps=100, **config), cache_dir=tmp_path / "http", sleep=lambda s: None)


def test_a_malformed_link_is_skipped_and_the_other_teasers_kept():
    cards = b"".join(b"<li><a href='/story-%d'>Ministers agree on a plan number %d</a></li>" % (n, n) for n in range(4))
    bad = b"<li><a href='http://[ccpa-preferences]'>Your privacy choices for this site here</a></li>"
    base = b"<base href='http://[also-bad]/'>"
    page = b"<html><head>" + base + b"<link rel='canonical' href='http://[x]/'></head><body><ul>" + cards + bad + b"</ul></body></html>"
    doc = document_from_html(page, "front", url="https://news.example.com/")
    assert len(doc.teasers) == 4 and all(t.startswith("Ministers agree") for t in doc.teasers)
    assert doc.url == "https://news.example.com/"


def test_a_json_feed_with_a_lone_surrogate_is_repaired_and_writable():
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Feed \ud800",
        "home_page_url": "http://[bad-host]/",
        "items": [{"id": "1", "title": "Bad \ud800 headline here", "url": "https://j.example/\udfff"}, {"id": "2", "title": "Good headline"}],
    }
    [doc] = documents_from_feed(json.dumps(feed).encode(), "j", json_feed=True)
    assert doc.teasers == ["Bad \ufffd headline here", "Good headline"]
    assert doc.title == "Feed \ufffd" and doc.teaser(0).url is None
    json.dumps([doc.teasers, doc.title, doc.warnings], ensure_ascii=False).encode("utf-8")  # no surrogate left to refuse
    assert any("lone surrogate" in w for w in doc.warnings)


def test_an_rss_item_with_a_surrogate_reference_is_repaired():
    rss = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>http://[bad</link>"
        b"<item><title>Bad &#55296; headline</title><link>https://r.example/1</link></item>"
        b"<item><title>Good headline</title><link>https://r.example/2</link></item></channel></rss>"
    )
    [doc] = documents_from_feed(rss, "r")
    assert doc.teasers == ["Bad \ufffd headline", "Good headline"]
    json.dumps(doc.teasers, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("codec", ["punycode", "undefined"])
def test_a_codec_that_is_no_charset_falls_back_to_utf8(codec):
    html = b"<html><head><meta charset='" + codec.encode() + b"'></head><body><p>caf\xc3\xa9 is open-air</p></body></html>"
    assert "café is open-air" in decode_markup(html)
    assert "café is open-air" in decode_markup(html.replace(codec.encode(), b"utf-8"), codec)
    rss = (
        b"<?xml version='1.0' encoding='"
        + codec.encode()
        + b"'?><rss version='2.0'><channel><title>a-b</title><item><title>x-y headline</title></item></channel></rss>"
    )
    [doc] = documents_from_feed(rss, "f")
    assert doc.teasers == ["x-y headline"]


def test_an_encoding_that_is_no_charset_is_one_line(tmp_path):
    page = tmp_path / "p.txt"
    page.write_bytes(b"hello-world, a lead.\n")
    with pytest.raises(InputError, match="not a text charset"):
        Inputs(str(page), "punycode")
    with pytest.raises(InputError, match="cannot be read as undefined"):
        page_from_bytes(page.read_bytes(), page, "undefined")


def test_a_fetched_text_page_with_a_codec_charset_reads_as_utf8(site, tmp_path):
    site.routes["/p.txt"] = Route(b"Caf\xc3\xa9 lead-in sentence here.\n", content_type="text/plain; charset=punycode")
    reader = Inputs(site.url("/p.txt"), fetcher=fetcher(tmp_path))
    [doc] = list(reader.documents())
    assert doc.lead.startswith("Café lead-in")


def test_a_non_ascii_etag_is_not_replayed(site, tmp_path):
    site.routes["/e"] = Route(PAGE, headers={"ETag": '"caf\xe9"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}, etag=False)
    with fetcher(tmp_path) as first:
        first.get(site.url("/e"))
    with fetcher(tmp_path) as second:
        assert second.get(site.url("/e")).body == PAGE
    assert site.paths().count("/e") == 2


@pytest.mark.parametrize("location", ["data:text/html,hi", "javascript:alert(1)", "mailto:someone@example.com", "http://[bad/"])
def test_a_redirect_to_a_non_http_url_is_one_line(site, tmp_path, location):
    site.routes["/r"] = Route(status=302, headers={"Location": location}, etag=False)
    with fetcher(tmp_path) as f, pytest.raises(FetchError) as caught:
        f.get(site.url("/r"))
    assert "\n" not in str(caught.value) and str(caught.value).startswith(site.url("/r"))


def test_a_retry_after_of_unicode_digits_is_one_line_or_a_wait(site, tmp_path):
    site.routes["/busy"] = Route(status=429, headers={"Retry-After": "\u00b2"}, etag=False)
    waits: list[float] = []
    with Fetcher(FetchConfig(per_host_rps=100, retries=1), cache_dir=tmp_path, sleep=waits.append) as f, pytest.raises(FetchError, match="HTTP 429"):
        f.get(site.url("/busy"))
    assert 1.0 in waits  # not a number of seconds: the backoff's wait


def test_a_fetch_error_is_one_line_whatever_its_cause_held():
    assert str(FetchError("https://a.example/", "bad\r\nheader\tvalue")) == "https://a.example/: bad header value"
