"""HTML pages: the article through trafilatura, the teasers through our rule over the same page."""

from __future__ import annotations

from newsnlp.config.inputs import HtmlConfig
from newsnlp.documents.html import document_from_html
from tests.helpers import ROOT

ARTICLE = ROOT / "examples" / "article.html"


def test_the_article_is_the_lead_and_the_furniture_is_not():
    doc = document_from_html(ARTICLE.read_bytes(), "article")
    assert doc.lead.startswith("Oil prices rose on Thursday after a group of major producers")
    assert "Shares of large energy companies rose" in doc.lead
    for furniture in ("cookies", "Comments", "heating my house", "All rights reserved", "Markets news and analysis", "More from Energy", "Most read"):
        assert furniture not in doc.lead, furniture
    assert doc.title == "Oil rises as producers agree deeper output cuts"
    assert not doc.lead.startswith(doc.title)  # the headline is the title, not the first sentence
    assert doc.url == "https://news.example.com/energy/2026/12/04/oil-rises-output-cuts"  # canonical
    assert doc.published == "2026-12-04"
    assert doc.source == "Harbour Ledger"
    assert doc.author == "Dana Whitfield"
    assert "<" not in doc.lead and "dataLayer" not in doc.lead


def test_teasers_are_the_sites_other_stories_with_absolute_urls_and_standfirsts():
    doc = document_from_html(ARTICLE.read_bytes(), "article")
    urls = [doc.teaser(i).url for i in range(len(doc.teasers))]
    assert urls == [
        "https://news.example.com/energy/2026/12/03/gas-storage-winter",
        "https://news.example.com/energy/2026/12/02/solar-auction-record",
        "https://news.example.com/markets/2026/12/02/central-bank-holds",
        "https://news.example.com/world/2026/12/03/ceasefire-talks-resume",
        "https://news.example.com/world/2026/12/01/trade-pact-signed",
    ]  # nav, footer, cookie and another site's links left out, in page order
    assert doc.teasers[0] == (
        "European gas storage falls faster than expected as cold snap bites. "
        "Stocks dropped by four percentage points in a week as temperatures fell across northern Europe."
    )
    assert doc.teasers[3] == "Ceasefire talks resume in Geneva as envoys meet for a second day"  # no standfirst shown


def test_teasers_are_capped_and_deduplicated():
    cards = "".join(f'<li><a href="/s/{i % 40}">Story number {i % 40} about the markets today</a></li>' for i in range(80))
    page = f"<html><head><title>Front</title></head><body><ul>{cards}</ul></body></html>".encode()
    doc = document_from_html(page, "front", url="https://site.example/", options=HtmlConfig(max_teasers=30))
    assert len(doc.teasers) == 30 and len(set(doc.teasers)) == 30


def test_a_front_page_has_an_empty_lead_and_its_story_list_as_teasers():
    cards = "".join(
        f'<article class="card"><h3><a href="/news/{i}">Headline {i} of the day in world news</a></h3><p>A standfirst for story {i} that says more.</p></article>'
        for i in range(6)
    )
    page = f"<html><head><title>World</title></head><body><main><h1>World</h1>{cards}</main></body></html>".encode()
    doc = document_from_html(page, "world", url="https://site.example/world")
    assert doc.lead == ""
    assert len(doc.teasers) == 6 and doc.teasers[0] == "Headline 0 of the day in world news. A standfirst for story 0 that says more."
    assert doc.teaser(5).url == "https://site.example/news/5"


def test_an_empty_page_is_a_document_with_an_empty_lead_and_a_warning():
    doc = document_from_html(b"<html><head><title>Nothing</title></head><body></body></html>", "empty")
    assert doc.lead == "" and doc.teasers == []
    assert doc.warnings and "empty lead" in doc.warnings[0]


def test_hostile_markup_is_bounded():
    deep = b"<html><body>" + b"<div>" * 50_000 + b"deep text" + b"</div>" * 50_000 + b"</body></html>"
    huge_attribute = b'<html><body><p title="' + b"x" * 5_000_000 + b'">Some article text here.</p></body></html>'
    for data in (deep, huge_attribute, b"\x00\x01\x02<html>", b"<<<>>>" * 1000):
        doc = document_from_html(data, "hostile")
        assert isinstance(doc.lead, str)


def test_the_charset_a_page_declares_is_used():
    text = "<html><head><meta charset='iso-8859-1'><title>Caf\u00e9</title></head><body><p>Le caf\u00e9 est ouvert.</p></body></html>"
    doc = document_from_html(text.encode("latin-1"), "latin")
    assert doc.title == "Caf\u00e9"
