"""A story link's headline and standfirst as its card shows them, without the card's chrome: its
time, kicker, rank, counters and byline are elements of their own (a `time`, a class that names
them), so the headline is the card's heading, or the link's text without those elements; the
text patterns of newsnlp/documents/furniture.py clean what the markup does not separate.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from newsnlp.documents.furniture import clean_headline, is_furniture
from newsnlp.documents.markup import collapse
from newsnlp.documents.page import FURNITURE_ATTRIBUTE

# Class tokens of a card's chrome: when, who, which section, what rank, how many comments.
_CHROME_TOKEN = re.compile(
    r"(?:^|[-_])(?:date|dates|time|timestamp|ago|byline|author|authors|writer|writers|meta|rank|ranking|count|counter|number|num|kicker|rubric|eyebrow|"
    r"overline|category|categories|label|tag|tags|flag|badge|icon|sr|sr-only|visually-hidden|screen-reader-text|hidden|comments?|duration|"
    r"read-?time|sponsor|sponsored)(?:$|[-_])",
    re.IGNORECASE,
)
_HEADLINE_TOKEN = re.compile(r"(?:^|[-_])(?:headline|title|hed|heading)(?:$|[-_])", re.IGNORECASE)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"div", "p", "li", "br", "section", "article", "header", "footer", "figure", "figcaption", "time", *_HEADINGS}
_STANDFIRST = re.compile(r"summary|standfirst|dek|excerpt|description|teaser|intro|lede|blurb|abstract|strap|subtitle", re.IGNORECASE)
_BLOCKISH = {"p", "div", "span", "section"}
MAX_STANDFIRST_CHARS = 400


def is_chrome(element: HtmlElement) -> bool:
    """A card's time, kicker, rank, counter or byline, by tag, class or the furniture mark."""
    if element.tag == "time" or element.get(FURNITURE_ATTRIBUTE) is not None or element.get("aria-hidden") == "true":
        return True
    tokens = (element.get("class") or "").split()
    return any(_CHROME_TOKEN.search(token) for token in tokens) and not any(_HEADLINE_TOKEN.search(token) for token in tokens)


def link_headline(link: HtmlElement) -> tuple[str, HtmlElement]:
    """The story's headline and the element that holds it: the link's heading (an `h1`-`h6` or
    an element named headline or title) where it has one, else the link; chrome left out."""
    heading = _heading_in(link)
    element = heading if heading is not None else link
    return clean_headline(text_without_chrome(element)), element


def _heading_in(link: HtmlElement) -> HtmlElement | None:
    for element in link.iterdescendants():
        if not isinstance(element.tag, str) or is_chrome(element):
            continue
        if element.tag in _HEADINGS or any(_HEADLINE_TOKEN.search(token) for token in (element.get("class") or "").split()):
            if collapse(element.text_content()):
                return element
    return None


def text_without_chrome(element: HtmlElement) -> str:
    """The element's text without its chrome elements' text; block elements are kept apart by a
    space (a kicker in its own `div` is not glued to the headline)."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not is_chrome(child):
            block = child.tag in _BLOCKS
            parts += [" " if block else "", text_without_chrome(child), " " if block else ""]
        parts.append(child.tail or "")
    return collapse("".join(parts))


def card_standfirst(card: HtmlElement, headline_element: HtmlElement, link: HtmlElement, headline: str) -> str | None:
    """The paragraph that follows the headline in its card (inside the link or after it), if the
    card shows one: not chrome, not furniture, not another story's link."""
    after = False
    for element in card.iter():
        if element is headline_element:
            after = True
            continue
        if not after or not isinstance(element.tag, str) or element.tag == "a" or _ancestor_is(element, headline_element):
            continue
        if not (element.tag == "p" or (element.tag in _BLOCKISH and _STANDFIRST.search(element.get("class") or ""))):
            continue
        if _in_chrome_or_other_link(element, card, link):
            continue
        text = clean_headline(text_without_chrome(element))
        if len(text.split()) >= 5 and headline.lower() not in text.lower() and not is_furniture(text):
            return text if len(text) <= MAX_STANDFIRST_CHARS else text[: text.rfind(" ", 0, MAX_STANDFIRST_CHARS)] + "..."
    return None


def _in_chrome_or_other_link(element: HtmlElement, card: HtmlElement, link: HtmlElement) -> bool:
    node: HtmlElement | None = element
    while node is not None and node is not card:
        if is_chrome(node) or (node.tag == "a" and node is not link):
            return True
        node = node.getparent()
    href = link.get("href")
    return any(a.get("href") != href for a in element.iter("a") if a.get("href"))


def _ancestor_is(element: HtmlElement, ancestor: HtmlElement) -> bool:
    node = element.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def in_prose(link: HtmlElement) -> bool:
    """A link that is a phrase of a paragraph ("the share of <a>prime-working-age people</a>
    went down"), not a story's headline: its paragraph holds much more text, and the sentence
    goes on around it."""
    paragraph = next((a for a in link.iterancestors("p")), None)
    if paragraph is None:
        return False
    text, own = collapse(paragraph.text_content()), collapse(link.text_content())
    if len(text) <= 2 * len(own) + 40:
        return False
    tail = (link.tail or "").lstrip()
    return text.find(own) > 0 or tail[:1] in (",", ";", ":") or tail[:1].islower()


def is_cut(headline: str, path: str) -> bool:
    """A headline the page cut short mid-word ("Graphics Driv" for /graphics-driver-released):
    its last word is the start of a longer word of the story's URL slug, and no word of it."""
    words = re.findall(r"\w+", headline.lower())
    slug = set(re.split(r"[^\w]+|_", path.lower()))
    last = words[-1] if words else ""
    return bool(last) and last not in slug and any(w.startswith(last) and len(w) >= len(last) + 2 for w in slug)
