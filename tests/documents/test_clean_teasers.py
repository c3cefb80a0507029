"""Step 2 (the open web, item 6): a teaser is a story's headline (and standfirst), without the
card's chrome. On held-out real pages about a fifth of the teasers carried glued dates, rank
numbers, counters, "> " prefixes, bylines, or were no story at all (newsletter sign-ups, home
links) or a fragment. Each case is a card written for its test, among three clean cards."""

from __future__ import annotations

import pytest

from newsnlp.documents.html import document_from_html

ARTICLE = "".join(
    f"<p>{text}</p>"
    for text in (
        "The county council met on Tuesday evening to approve the budget for the new school year, after a debate of three hours.",
        "Teachers had asked for smaller classes and more support staff, and the final plan funds twelve new posts across the district.",
        "The vote passed by nine to four, with the opposition saying the money should have gone to repairing older buildings first.",
    )
)
CLEAN = [
    ("/news/2024/05/02/river-path-reopens-after-repairs", "River path reopens after three months of repairs"),
    ("/news/2024/05/02/library-extends-weekend-hours", "Library extends its weekend opening hours"),
    ("/news/2024/05/01/bus-route-returns-to-old-town", "Bus route returns to the old town in June"),
]


def teasers_of(card: str) -> list[str]:
    cards = "".join(f'<li class="story"><a href="{url}">{text}</a></li>' for url, text in CLEAN) + card
    html = (
        "<html><head><title>Council approves school budget</title></head><body><article><h1>Council approves school budget</h1>"
        f'{ARTICLE}</article><section class="more"><ul class="stories">{cards}</ul></section></body></html>'
    )
    doc = document_from_html(html.encode(), "page", url="https://news.example.com/news/2024/05/03/council-budget")
    return doc.teasers


CASES = {
    "a date glued to the headline": (
        '<li class="story"><a href="/news/2024/04/21/concert-review">Band fills the arena at Harbour Stadium<span>April 21, 2024</span></a></li>',
        "Band fills the arena at Harbour Stadium",
    ),
    "a relative time": (
        '<li class="story"><a href="/news/2024/05/03/ferry-delays">Ferry delays expected as storm nears the coast <small>1 hour ago</small></a></li>',
        "Ferry delays expected as storm nears the coast",
    ),
    "a rank number": (
        '<li class="story"><a href="/news/2024/05/03/passport-renewals">01 You must now renew your passport online</a></li>',
        "You must now renew your passport online",
    ),
    "a counter of photos": (
        '<li class="story"><a href="/gallery/2024/05/02/flood-pictures"><span class="count">23 Photos</span>'
        "<h3>Flood waters rise across the valley overnight</h3></a></li>",
        "Flood waters rise across the valley overnight",
    ),
    'a "> " prefix': (
        '<li class="story"><a href="/news/2024/05/03/market-report">&gt; Markets rally as hopes of a rate cut grow</a></li>',
        "Markets rally as hopes of a rate cut grow",
    ),
    "a byline": (
        '<li class="story"><a href="/news/2024/05/03/harbour-wall">Harbour wall to be rebuilt before winter By Jane Roe</a></li>',
        "Harbour wall to be rebuilt before winter",
    ),
    "a newsletter sign-up": (
        '<li class="story"><a href="/newsletters/daily-briefing">Free Headlines in your Inbox Click here to sign up</a></li>',
        None,
    ),
    "a link home": ('<li class="story"><a href="https://news.example.com/en-gb">Go to Harbour News Home</a></li>', None),
    "a fragment": ('<li class="story"><a href="/news/2024/05/03/recycling-scheme">with varying measures of success</a></li>', None),
    "a link inside a sentence": (
        '<li class="story"><p>Officials said <a href="/news/2024/05/01/housing-report">The Housing Report For Spring</a>'
        " would be published next week, after a delay of a month.</p></li>",
        None,
    ),
    "a headline the page cut mid-word": (
        '<li class="story"><a href="/news/2024/05/03/harbour-board-approves-new-lighthouse-repairs">Harbour board approves new lighthouse rep</a></li>',
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_teaser_carries_no_chrome(case):
    card, expected = CASES[case]
    clean = [text for _, text in CLEAN]
    assert teasers_of(card) == clean + ([expected] if expected else [])


def test_a_card_link_gives_its_heading_and_standfirst_without_its_chrome():
    card = (
        '<li class="story"><a href="/news/2024/05/03/tram-line"><time datetime="2024-05-03T07:00">7:00 a.m.</time>'
        '<div class="rubric">transport</div><div class="headline">Tram line extension wins final approval</div>'
        '<div class="byline"><span>By</span> <span>Sam Poe</span></div>'
        '<div class="teaser">Work on the four new stops will begin in the autumn and take two years.</div></a></li>'
    )
    assert teasers_of(card)[-1] == (
        "Tram line extension wins final approval. Work on the four new stops will begin in the autumn and take two years."
    )


def test_the_next_cards_headline_is_no_standfirst():
    """Cards in a block that repeats at a higher level: the paragraph after a card's link is the
    next card's headline, inside that card's own link."""
    pair = "".join(
        f'<div class="c"><a href="/news/2024/05/0{i}/story-{i}"><p>Headline number {i} about the harbour works</p></a></div>' for i in (1, 2)
    )
    others = "".join(f'<div><a href="/news/2024/04/2{i}/other-{i}">Another story number {i} from the harbour desk</a></div>' for i in (1, 2))
    html = (
        f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>{ARTICLE}</article>"
        f"<div><div><section>{pair}</section></div>{others}</div></body></html>"
    )
    doc = document_from_html(html.encode(), "cards", url="https://news.example.com/harbour")
    assert "Headline number 1 about the harbour works" in doc.teasers, doc.teasers
