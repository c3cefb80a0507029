"""Feeds: RSS and Atom through feedparser, JSON Feed as JSON; items as teasers or documents."""

from __future__ import annotations

import json

import pytest

from newsnlp.config.inputs import FeedConfig
from newsnlp.documents.feeds import documents_from_feed
from newsnlp.errors import InputError
from tests.helpers import ROOT

RSS = ROOT / "examples" / "feed.xml"
ATOM = ROOT / "examples" / "world.atom"


def test_rss_items_are_teasers_with_url_id_and_published_and_no_markup():
    [doc] = documents_from_feed(RSS.read_bytes(), "feed")
    assert doc.title == "Harbour Ledger: Business" and doc.lead == ""
    assert len(doc.teasers) == 3
    assert doc.teasers[0] == (
        "Stocks climb to a record as inflation cools. The main index rose 1.2% to a record close after consumer prices rose less than forecast & bond yields fell."
    )  # markup stripped, entities decoded, "Read more" gone
    assert doc.teasers[1].endswith("halting diesel production at two coastal refineries for at least a week.")
    info = doc.teaser(0)
    assert (info.url, info.id, info.published) == (
        "https://news.example.com/markets/2026/12/05/stocks-record",
        "hl-2026-12-05-0001",
        "2026-12-05T08:15:00Z",
    )
    assert not any("<" in t or "&amp;" in t for t in doc.teasers)


def test_atom_entries_are_teasers():
    [doc] = documents_from_feed(ATOM.read_bytes(), "world")
    assert (
        doc.teasers[0]
        == "Envoys agree to extend the ceasefire by thirty days. Negotiators said the extension would allow aid convoys to reach the border towns."
    )
    assert doc.teaser(1).url == "https://wire.example.net/markets/2026/12/05/rates-rise"
    assert doc.teaser(1).published == "2026-12-05T08:00:00Z"


def test_items_as_documents_take_the_full_content_as_lead():
    docs = documents_from_feed(RSS.read_bytes(), "feed", options=FeedConfig(items_as="documents"))
    assert [d.id for d in docs] == ["hl-2026-12-05-0001", "hl-2026-12-05-0002", "hl-2026-12-04-0003"]
    assert docs[2].title == "Ministers meet to finalise the regional trade agreement"
    assert docs[2].lead == (
        "Trade ministers from six countries gathered on Friday to settle the last chapters of a pact on tariffs and customs.\n"
        "Officials said the agreement could be signed before the end of the year if talks on farm goods succeed."
    )
    assert docs[2].url == "https://news.example.com/world/2026/12/04/trade-ministers" and docs[2].published == "2026-12-04T17:05:00Z"


def test_json_feed():
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Example JSON",
        "home_page_url": "https://j.example/",
        "items": [
            {
                "id": "1",
                "url": "https://j.example/1",
                "title": "Port strike ends after a week",
                "content_html": "<p>Dockers <b>returned</b> to work.</p>",
            },
            {"id": "2", "content_text": "A note without a title.", "date_published": "2026-12-01T10:00:00Z"},
        ],
    }
    [doc] = documents_from_feed(json.dumps(feed).encode(), "j", json_feed=True)
    assert doc.teasers == ["Port strike ends after a week. Dockers returned to work.", "A note without a title."]
    assert doc.teaser(1).published == "2026-12-01T10:00:00Z"


def test_a_feed_declaring_entities_is_refused_before_parsing():
    laughs = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss version="2.0"><channel><title>&b;</title></channel></rss>'
    with pytest.raises(InputError, match="declares XML entities"):
        documents_from_feed(laughs, "laughs")


def test_a_malformed_feed_is_read_as_far_as_it_goes_with_a_warning():
    broken = RSS.read_bytes().replace(b"</channel>", b"").replace(b"</rss>", b"<item><title>cut off")
    [doc] = documents_from_feed(broken, "broken")
    assert len(doc.teasers) >= 3
    assert any("malformed feed" in w for w in doc.warnings)


def test_json_that_is_not_a_json_feed_is_an_error():
    with pytest.raises(InputError, match="not a JSON Feed"):
        documents_from_feed(b'{"version": "other"}', "x", json_feed=True)
