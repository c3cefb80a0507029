"""HTML pages as documents: trafilatura finds the article (main text and metadata); a small rule
of ours over the same parsed page finds its teasers, the other stories it links to outside the
main text (trafilatura drops such link lists rather than returning them).

A teaser is a link to another page of the same site, outside the main text and outside
navigation, header and footer, whose text reads as a headline (enough words, not a menu phrase),
in a block that repeats (list items, cards, `article`/`section` children); its standfirst is the
paragraph after it in the same card. A page with little main text and more story links than
paragraphs is a front or section page: its lead is empty and its teasers are its story list.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml.html import HtmlElement

from newsnlp.config.inputs import HtmlConfig
from newsnlp.documents.budgets import check_budgets
from newsnlp.documents.document import Document, TeaserInfo
from newsnlp.documents.markup import collapse, decode_markup, split_url

# Regions that are never a page's stories: by tag, ARIA role, or a class/id word.
_SKIP_TAGS = {"nav", "header", "footer", "form", "button", "select", "script", "style", "noscript"}
_SKIP_ROLES = {"navigation", "banner", "contentinfo", "menu", "menubar", "search", "dialog"}
_SKIP_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|footer|masthead|cookies?|consent|gdpr|share|sharing|social|"
    r"pagination|pager|skip|subscribe|newsletter|login|signin|comments?|tags?|byline|author)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Link texts that are page furniture, not headlines (whole text or its start).
_MENU = re.compile(
    r"^(?:read more|continue reading|more from|see more|view all|show more|load more|sign (?:in|up)|log ?in|subscribe|"
    r"contact us|about us|privacy|cookie|terms (?:of|and)|all rights reserved|skip to|advertise|back to top|follow us|"
    r"share (?:on|this)|download (?:the|our) app|manage (?:your )?(?:cookies|preferences)|accept)",
    re.IGNORECASE,
)
_STANDFIRST = re.compile(r"summary|standfirst|dek|excerpt|description|teaser|intro|lede|blurb|abstract|strap|subtitle", re.IGNORECASE)
_BLOCKISH = {"p", "div", "span", "section"}
# Links to listings rather than stories: the site's root, tags, sections, authors, search.
_LISTING_PATH = re.compile(
    r"^/?$|/(?:tags?|category|categories|author|authors|search|label|labels|topics?|page|feed|rss|login|account|subscribe|archives?)(?:/|$)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
for _library in ("trafilatura", "htmldate", "courlan"):  # their parse notes are not the user's errors: a bad page gets a warning
    logging.getLogger(_library).addHandler(logging.NullHandler())
MAX_HEADLINE_CHARS = 300
MAX_STANDFIRST_CHARS = 400
CARD_LEVELS = 6  # how far up from a link its repeating card may be


@dataclass(frozen=True)
class Teaser:
    headline: str
    standfirst: str | None
    url: str
    published: str | None = None

    @property
    def text(self) -> str:
        """The headline, and the standfirst where the page shows one."""
        if not self.standfirst:
            return self.headline
        return f"{self.headline}{'' if self.headline[-1] in '.!?:' else '.'} {self.standfirst}"


def document_from_html(data: bytes, id: str, *, url: str | None = None, options: HtmlConfig | None = None, charset: str | None = None) -> Document:
    """The document of an HTML page: trafilatura's main text as the lead and its metadata (title,
    canonical url, date, site name, author), and the page's teasers with absolute urls."""
    from trafilatura import bare_extraction
    from trafilatura.settings import Document as Extracted
    from trafilatura.utils import load_html

    options = options or HtmlConfig()
    check_budgets(data, url or id, max_elements=options.max_elements, max_attributes=options.max_attributes, section="html")
    _english_date_parser()
    tree = load_html(decode_markup(data, charset))
    if tree is None:
        return Document(id=id, paragraphs=[], url=url, warnings=["no HTML content could be parsed: empty lead"])
    extracted = bare_extraction(tree, url=url, with_metadata=True, include_comments=False)  # works on its own copy of the tree
    found = extracted if isinstance(extracted, Extracted) else None
    lead = (found.text or "") if found is not None else ""
    title = (found.title if found is not None else None) or _title(tree)
    first, _, rest = lead.partition("\n")
    if title and collapse(first).lower() == collapse(title).lower():
        lead = rest  # the headline is the record's title, not the article's first sentence
    page_url = _http(found.url if found is not None else None) or url
    stories = page_teasers(tree, page_url or url, options)
    paragraphs = [line for line in lead.splitlines() if line.strip()]
    warnings = []
    if len(lead.split()) < options.min_article_words and len(stories) > len(paragraphs):
        lead, teasers = "", stories  # a front or section page: its story list is the document
    else:
        lead = "\n".join(line for line in paragraphs if not _is_story_line(line, stories))  # a related list the extractor kept
        in_lead = collapse(lead).lower()
        teasers = [story for story in stories if story.headline.lower() not in in_lead]  # links inside the article are not teasers
        if not lead.strip():
            warnings.append("no article text found on the page: empty lead")
    teasers = teasers[: options.max_teasers]
    host = urlsplit(page_url or "").hostname
    doc = Document.from_parts(
        id,
        lead,
        [t.text for t in teasers],
        source=(found.sitename if found is not None else None) or (host.removeprefix("www.") if host else None),
        title=title,
        info=[TeaserInfo(url=t.url, published=t.published) for t in teasers],
        url=page_url,
        published=found.date if found is not None else None,
        author=found.author if found is not None else None,
    )
    doc.warnings = warnings + doc.warnings
    return doc


@lru_cache(maxsize=1)
def _english_date_parser() -> None:
    """htmldate's last-resort date parser (dateparser) tries each of its 200-odd locales on a
    string its own patterns missed: about 2 s of a 110-page run's reading (the shared pages: 3
    such calls, none found a date). nlp reads English news, so that parser reads English;
    htmldate's own patterns, which find nearly every date, are unchanged."""
    try:
        from dateparser import DateDataParser
        from htmldate import extractors
    except ImportError:
        return
    if not callable(getattr(extractors, "get_external_parser", None)):
        return  # another htmldate: its own parser stands
    settings = {
        "NORMALIZE": True,
        "PARSERS": ["custom-formats", "absolute-time"],
        "PREFER_DATES_FROM": "past",
        "PREFER_LOCALE_DATE_ORDER": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": True,
    }  # htmldate's own settings (htmldate/extractors.py), with English as the language
    extractors.get_external_parser = lru_cache(maxsize=None)(lambda: DateDataParser(languages=["en"], settings=settings))


def _is_story_line(line: str, stories: list[Teaser]) -> bool:
    """A line of the extracted text that is a story card's headline or standfirst."""
    text = collapse(line).lower().rstrip(" .…[]")
    if len(text) < 20:
        return False
    return any(text == story.headline.lower() or (story.standfirst and story.standfirst.lower().startswith(text[:200])) for story in stories)


def _http(url: str | None) -> str | None:
    parts = split_url(url)
    return url if parts and parts.scheme in ("http", "https") and parts.hostname else None


def _title(tree: HtmlElement) -> str | None:
    titles = tree.xpath("//title/text()")
    return collapse(titles[0]) if titles and collapse(titles[0]) else None


def page_teasers(tree: HtmlElement, page_url: str | None, options: HtmlConfig) -> list[Teaser]:
    """The stories a page links to (outside navigation, header and footer), deduplicated, in
    page order; the caller leaves out those inside the article's text."""
    base = page_url or ""
    bases = tree.xpath("//base/@href")
    if bases:
        base = _joined(base, str(bases[0])) or base
    page = urldefrag(page_url or "").url.rstrip("/")
    scan = _Scan(page_url)
    seen: set[str] = set()
    texts: set[str] = set()
    found: list[Teaser] = []
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        target = _joined(base, href)
        parts = split_url(target)
        if (
            target is None
            or parts is None
            or parts.scheme not in ("http", "https")
            or target in seen
            or target.rstrip("/") == page
            or _LISTING_PATH.search(parts.path)
        ):
            continue
        if not scan.same_site(parts.hostname or "", href):
            continue
        headline = collapse(link.text_content())
        if not _reads_as_headline(headline, options.min_teaser_words) or headline.lower() in texts or scan.in_furniture(link):
            continue
        card = scan.repeating_card(link)
        if card is None:
            continue
        seen.add(target)
        texts.add(headline.lower())
        found.append(Teaser(headline, _standfirst(card, link, headline), target, _card_time(card)))
    return found


def _joined(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, without its fragment; None for a link that cannot be
    parsed (`http://[ccpa-preferences]`, a real one): that link is skipped, not the page."""
    try:
        return urldefrag(urljoin(base, href)).url
    except ValueError:
        return None


class _Scan:
    """One page's scan, with what it learns kept (hosts, furniture, the shapes of each block's
    children), so a page of thousands of links is read in linear time."""

    def __init__(self, page_url: str | None) -> None:
        self.page_url = page_url
        self.page_host = (urlsplit(page_url).hostname or "") if page_url else ""
        self.hosts: dict[str, bool] = {}
        self.furniture: dict[HtmlElement, bool] = {}
        self.shapes: dict[HtmlElement, Counter[tuple[str, frozenset[str]]]] = {}

    def same_site(self, host: str, href: str) -> bool:
        """Another page of the same site: the same host, or (courlan's check) the same registered
        domain; without a page URL, only relative links are the site's."""
        if not self.page_url:
            return not urlsplit(href).scheme and not href.startswith("//")
        if host == self.page_host:
            return True
        if host not in self.hosts:
            from courlan import is_external

            self.hosts[host] = not is_external(f"http://{host}/", self.page_url, ignore_suffix=False)
        return self.hosts[host]

    def in_furniture(self, element: HtmlElement | None) -> bool:
        """Inside navigation, a header or footer, a form, or a block named for menus, sharing,
        comments and the like (by tag, ARIA role, class or id)."""
        if element is None:
            return False
        if element not in self.furniture:
            tag = element.tag.lower() if isinstance(element.tag, str) else ""
            own = tag in _SKIP_TAGS or (element.get("role") or "").lower() in _SKIP_ROLES
            own = own or (tag not in ("html", "body") and bool(_SKIP_WORDS.search(f"{element.get('class') or ''} {element.get('id') or ''}")))
            self.furniture[element] = own or self.in_furniture(element.getparent())
        return self.furniture[element]

    def repeating_card(self, link: HtmlElement) -> HtmlElement | None:
        """The link's card: the nearest ancestor (or the link) that has at least two siblings of
        its own shape (tag and classes) that hold links too, as list items, cards and rows do."""
        node = link
        for _ in range(CARD_LEVELS):
            parent = node.getparent()
            if parent is None or not isinstance(parent.tag, str) or parent.tag in ("body", "html"):
                return None
            if parent not in self.shapes:
                self.shapes[parent] = Counter(_shape(child) for child in parent if isinstance(child.tag, str) and _has_link(child))
            if self.shapes[parent][_shape(node)] - 1 >= 2:  # the others of its shape, the node itself holding a link
                return node
            node = parent
        return None


def _reads_as_headline(text: str, min_words: int) -> bool:
    return min_words <= len(_WORD.findall(text)) and len(text) <= MAX_HEADLINE_CHARS and not _MENU.match(text)


def _shape(element: HtmlElement) -> tuple[str, frozenset[str]]:
    return element.tag, frozenset((element.get("class") or "").split())


def _has_link(element: HtmlElement) -> bool:
    return element.tag == "a" or element.find(".//a[@href]") is not None


def _standfirst(card: HtmlElement, link: HtmlElement, headline: str) -> str | None:
    """The paragraph that follows the headline in its card, if the card shows one."""
    after = False
    for element in card.iter():
        if element is link:
            after = True
            continue
        if not after or not isinstance(element.tag, str) or element.tag == "a" or _ancestor_is(element, link):
            continue
        if element.tag == "p" or (element.tag in _BLOCKISH and _STANDFIRST.search(element.get("class") or "")):
            text = collapse(element.text_content())
            if len(text.split()) >= 5 and headline.lower() not in text.lower():
                return text if len(text) <= MAX_STANDFIRST_CHARS else text[: text.rfind(" ", 0, MAX_STANDFIRST_CHARS)] + "..."
    return None


def _ancestor_is(element: HtmlElement, ancestor: HtmlElement) -> bool:
    node = element.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _card_time(card: HtmlElement) -> str | None:
    """A `<time datetime>` in the card: when the story was published."""
    stamps = card.xpath(".//time/@datetime")
    return str(stamps[0]).strip() or None if stamps else None
