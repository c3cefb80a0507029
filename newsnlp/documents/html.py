"""HTML pages as documents: trafilatura finds the article (main text and metadata); a small rule
of ours over the same parsed page finds its teasers, the other stories it links to outside the
main text (trafilatura drops such link lists rather than returning them).

A teaser is a link to another page of the same site, outside the main text and outside
navigation, header and footer, whose headline (the card's heading without its chrome:
newsnlp/documents/teasers.py) reads as one (enough words, not a menu phrase, a call to action or
a fragment), in a block that repeats (list items, cards, `article`/`section` children); its
standfirst is the paragraph after the headline in the same card. A page with little main text
and more story links than paragraphs is a front or section page: its lead is empty and its
teasers are its story list. Page furniture, the headline above the body and pages without main
text of their own: newsnlp/documents/page.py and furniture.py.
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
from newsnlp.documents.furniture import cut_related_tail, is_call_to_action, is_fragment, is_furniture, strip_leading_stamp
from newsnlp.documents.markup import collapse, decode_markup, split_url
from newsnlp.documents.page import PRUNE_XPATH, choose_title, headline_texts, lacks_main_text, prepare_tree, split_glued_headline
from newsnlp.documents.teasers import card_standfirst, in_prose, is_cut, link_headline

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
# Links to listings rather than stories: the site's root, tags, sections, authors, search.
_LISTING_PATH = re.compile(
    r"^/?$|/(?:tags?|category|categories|author|authors|search|label|labels|topics?|page|feed|rss|login|account|subscribe|archives?)(?:/|$)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_PAGED = re.compile(r"(?:^|&)page=", re.IGNORECASE)
_SLUG_SEPARATOR = re.compile(r"[-_+ ]|%20")
for _library in ("trafilatura", "htmldate", "courlan"):  # their parse notes are not the user's errors: a bad page gets a warning
    logging.getLogger(_library).addHandler(logging.NullHandler())
MAX_HEADLINE_CHARS = 300
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
    prepare_tree(tree)  # drop caps rejoined; furniture marked, left out of trafilatura's copy (after it reads the metadata)
    extracted = bare_extraction(tree, url=url, with_metadata=True, include_comments=False, prune_xpath=PRUNE_XPATH)
    found = extracted if isinstance(extracted, Extracted) else None
    page_url = _http(found.url if found is not None else None) or url
    host = (urlsplit(page_url or "").hostname or "").removeprefix("www.") or None
    sitename = found.sitename if found is not None else None
    title = choose_title((found.title if found is not None else None) or _title(tree), tree, [sitename or "", host or ""])
    text = (found.text or "") if found is not None else ""
    lead = _article_text(text, tree, title, found.description if found is not None else None)
    published = found.date if found is not None else None
    stories = page_teasers(tree, page_url or url, options)
    paragraphs = [line for line in lead.splitlines() if line.strip()]
    warnings = []
    if _is_front_page(text, stories, options):
        lead, teasers = "", stories  # a front or section page: its story list is the document
    else:
        lead = "\n".join(line for line in paragraphs if not _is_story_line(line, stories))  # a related list the extractor kept
        in_lead = collapse(lead).lower()
        teasers = [story for story in stories if story.headline.lower() not in in_lead]  # links inside the article are not teasers
        if lacks_main_text(tree, lead, options.min_article_words):
            lead, published = "", None  # a login, error or cookie page: its text is the interface, its date a copyright line's
            warnings.append("no main text on the page (a sign-in, error or cookie page): empty lead")
        elif not lead.strip():
            warnings.append("no article text found on the page: empty lead")
    teasers = teasers[: options.max_teasers]
    doc = Document.from_parts(
        id,
        lead,
        [t.text for t in teasers],
        source=sitename or host,
        title=title,
        info=[TeaserInfo(url=t.url, published=t.published) for t in teasers],
        url=page_url,
        published=published,
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


def _is_front_page(text: str, stories: list[Teaser], options: HtmlConfig) -> bool:
    """Little main text (as trafilatura read it: cleaning it does not make a page a front) and
    more story links than paragraphs."""
    return len(text.split()) < options.min_article_words and len(stories) > sum(1 for line in text.splitlines() if line.strip())


def _article_text(text: str, tree: HtmlElement, title: str | None, description: str | None) -> str:
    """trafilatura's main text without the headline above it (the record's title, not its first
    sentence; a standfirst glued on goes on a line of its own) and without lines that are
    furniture (bylines, timestamps, credits, disclosures)."""
    headlines = [title, *headline_texts(tree)] if title else headline_texts(tree)
    text = split_glued_headline(text, [h for h in headlines if h], [description] if description else [])
    lines = (strip_leading_stamp(cut_related_tail(line)) for line in text.split("\n") if not is_furniture(line))
    return "\n".join(line for line in lines if line.strip())


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
        if _is_section_front(parts.path, parts.query):
            continue
        if not scan.same_site(parts.hostname or "", href):
            continue
        headline, heading = link_headline(link)
        if not _reads_as_headline(headline, options.min_teaser_words) or headline.lower() in texts or scan.in_furniture(link):
            continue
        if in_prose(link) or is_cut(headline, parts.path):
            continue
        card = scan.repeating_card(link)
        if card is None:
            continue
        seen.add(target)
        texts.add(headline.lower())
        found.append(Teaser(headline, card_standfirst(card, heading, link, headline), target, _card_time(card)))
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
    """Enough words, not too long, not a menu phrase, a call to action or a cut fragment."""
    if len(_WORD.findall(text)) < min_words or len(text) > MAX_HEADLINE_CHARS:
        return False
    return not (_MENU.match(text) or is_call_to_action(text) or is_fragment(text))


def _is_section_front(path: str, query: str) -> bool:
    """A section or site front rather than a story: the path's last part is one or two words
    ("/world", "/en-us", "/photography/photo-day"), with no number, no file suffix and no query."""
    segments = [part for part in path.split("/") if part]
    if _PAGED.search(query):
        return True  # a listing's page of results
    if query or not segments:
        return not query
    last = segments[-1]
    return not _DIGIT.search(path) and "." not in last and len(_SLUG_SEPARATOR.split(last)) < 3


def _shape(element: HtmlElement) -> tuple[str, frozenset[str]]:
    return element.tag, frozenset((element.get("class") or "").split())


def _has_link(element: HtmlElement) -> bool:
    return element.tag == "a" or element.find(".//a[@href]") is not None


def _card_time(card: HtmlElement) -> str | None:
    """A `<time datetime>` in the card: when the story was published."""
    stamps = card.xpath(".//time/@datetime")
    return str(stamps[0]).strip() or None if stamps else None
