"""A run's inputs: kinds sniffed from content, folders and lists mixed, URLs fetched once."""

from __future__ import annotations

import json
import shutil

import pytest

from newsnlp.documents import Inputs, iter_documents, scan_documents
from newsnlp.errors import InputError
from tests.helpers import ROOT, SEED
from tests.http_server import Route, Site, serving

EXAMPLES = ROOT / "examples"


def test_kinds_are_sniffed_from_content_not_only_the_suffix(tmp_path):
    (tmp_path / "page.txt").write_bytes((EXAMPLES / "article.html").read_bytes())  # HTML named .txt
    (tmp_path / "news.html").write_bytes((EXAMPLES / "feed.xml").read_bytes())  # a feed named .html
    [feed, page] = list(iter_documents(tmp_path))  # in name order
    assert page.title == "Oil rises as producers agree deeper output cuts"
    assert feed.title == "Harbour Ledger: Business" and len(feed.teasers) == 3


def test_a_folder_mixes_pages_html_and_feeds_in_name_order(tmp_path):
    for name in ("article.html", "feed.xml", "world.atom"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    shutil.copy(SEED, tmp_path / "seed.txt")
    (tmp_path / "notes.md").write_text("ignored")
    assert [d.id for d in iter_documents(tmp_path)] == ["article", "feed", "seed", "world"]
    assert scan_documents(tmp_path) == 4


def test_several_inputs_are_read_in_order(tmp_path):
    docs = list(Inputs([str(EXAMPLES / "feed.xml"), str(SEED)]).documents())
    assert [d.id for d in docs] == ["feed", SEED.stem]


def test_a_single_bad_file_is_an_error_and_inside_a_folder_a_document_error(tmp_path):
    bad = tmp_path / "sitemap.xml"
    bad.write_text('<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>')
    with pytest.raises(InputError, match="neither an RSS or Atom feed nor HTML"):
        list(iter_documents(bad))
    shutil.copy(EXAMPLES / "feed.xml", tmp_path / "feed.xml")
    docs = list(iter_documents(tmp_path))
    assert [d.id for d in docs] == ["feed", "sitemap"]
    assert docs[1].error and "neither an RSS" in docs[1].error and not docs[0].error


def test_a_url_as_input_keeps_its_slashes_and_other_schemes_are_refused():
    with pytest.raises(InputError, match="only http and https"):
        Inputs(["ftp://x.example/feed"]).items()
    [item] = Inputs(["https://news.example.com/a"]).items()
    assert item.url and item.ref == "https://news.example.com/a"


def test_a_file_of_urls_is_read_as_its_urls(tmp_path):
    listing = tmp_path / "sources.txt"
    listing.write_text("# my feeds\nhttps://a.example/feed.xml\n\nhttps://b.example/\n")
    assert [(i.ref, i.url) for i in Inputs([str(listing)]).items()] == [("https://a.example/feed.xml", True), ("https://b.example/", True)]
    (tmp_path / "bad.urls").write_text("https://a.example/\nnot a url\n")
    with pytest.raises(InputError, match="not an http\\(s\\) URL"):
        Inputs([str(tmp_path / "bad.urls")]).items()


def test_urls_are_fetched_once_for_the_scan_and_the_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path))
    with serving(Site()) as site:
        site.routes["/feed.xml"] = Route((EXAMPLES / "feed.xml").read_bytes(), content_type="application/rss+xml")
        site.routes["/gone"] = Route(status=404, etag=False)
        inputs = Inputs([site.url("/feed.xml"), site.url("/gone")])
        assert inputs.scan() == 2
        docs = list(inputs.documents())
        inputs.close()
    assert site.paths().count("/feed.xml") == 1
    assert docs[0].id == site.url("/feed.xml") and docs[0].fetched and len(docs[0].teasers) == 3
    assert docs[1].error == f"{site.url('/gone')}: HTTP 404 Not Found"


def test_jsonl_teasers_may_be_objects_and_what_read_writes_reads_back(tmp_path):
    [doc] = list(iter_documents(EXAMPLES / "article.html"))
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps(doc.to_json()) + "\n")
    [back] = list(iter_documents(path))
    assert back.to_json() == doc.to_json()
    assert back.teaser(0).url == "https://news.example.com/energy/2026/12/03/gas-storage-winter"
