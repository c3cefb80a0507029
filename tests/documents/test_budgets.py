"""Budgets checked before any parser runs: an element with thousands of attributes (its cost
grows with their square: 0.88 MB took 76 s) and a page of too many elements are refused in one
line, fast; every real page passes."""

from __future__ import annotations

import time

import pytest

from newsnlp.config.inputs import FeedConfig, HtmlConfig
from newsnlp.documents.budgets import check_budgets, scan
from newsnlp.documents.feeds import documents_from_feed
from newsnlp.documents.html import document_from_html
from newsnlp.errors import InputError
from tests.helpers import ROOT, shared_data


def many_attributes(n: int) -> bytes:
    return " ".join(f'data-a{i}="v"' for i in range(n)).encode()


def test_an_element_with_thousands_of_attributes_is_refused_before_parsing():
    page = b"<html><body><div " + many_attributes(20_000) + b"><p>Words of an article.</p></div></body></html>"
    start = time.monotonic()
    with pytest.raises(InputError, match=r"an element with 257 attributes, over html.max_attributes \(256\)"):
        document_from_html(page, "p", url="https://a.example/x")
    assert time.monotonic() - start < 1.0  # parsed, it took about 8 s


def test_a_page_of_too_many_elements_is_refused_before_parsing():
    page = b"<html><body>" + b"<span>x</span>" * 2_000 + b"</body></html>"
    with pytest.raises(InputError, match=r"more than 1,000 elements, over html.max_elements"):
        document_from_html(page, "p", options=HtmlConfig(max_elements=1_000))


def test_a_feed_element_with_thousands_of_attributes_is_refused():
    feed = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item "
        + many_attributes(5_000)
        + b"><title>x</title></item></channel></rss>"
    )
    with pytest.raises(InputError, match="over feed.max_attributes"):
        documents_from_feed(feed, "f")
    with pytest.raises(InputError, match="over feed.max_elements"):
        documents_from_feed(feed.replace(many_attributes(5_000), b""), "f", options=FeedConfig(max_elements=3))


@pytest.mark.parametrize(
    ("page", "attributes"),
    [
        (b"<div a0=x=y a1=v a2=v>", 3),  # an unquoted value holding '='
        (b"<div \"a\" 'b' c>", 3),  # quoted names
        (b"<div a=\"1\"b='2'c=3>", 3),  # no space between them
        (b"<script>if (a <b && c) {}</script><div x>", 1),  # script text is no tag
        (b"<!-- <div a b c d> --><p>", 0),
    ],
)
def test_the_scan_counts_attributes_as_a_lenient_parser_does(page, attributes):
    assert scan(page, 100, 100).most_attributes == attributes


@pytest.mark.parametrize("junk", [b"<" * 2_000_000, b"<a " + b'"' * 2_000_000, b"<a " + b"x=" * 1_000_000, b"<!--" * 500_000])
def test_the_scan_is_linear_on_junk(junk):
    start = time.monotonic()
    scan(junk, 100_000, 256)
    assert time.monotonic() - start < 2.0


def test_real_pages_are_within_the_default_budgets():
    pages = sorted(shared_data("html/pages").iterdir()) + sorted((ROOT / "examples").iterdir())
    html, feed = HtmlConfig(), FeedConfig()
    for path in pages:
        config = feed if path.suffix in (".xml", ".atom") else html
        check_budgets(path.read_bytes(), str(path), max_elements=config.max_elements, max_attributes=config.max_attributes, section="html")
    assert len(pages) >= 110
