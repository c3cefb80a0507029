"""Feeds as documents: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.0/1.1 read as
JSON. One document per feed whose teasers are its items (title and summary, markup stripped,
with url, id and published), or (`feed.items_as: documents`) one document per item.

A feed that declares XML entities is refused before parsing (nlp never expands them: the
"billion laughs" attack); a malformed feed is read as far as it goes, with a warning."""

from __future__ import annotations

import calendar
import codecs
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from newsnlp.config.inputs import FeedConfig
from newsnlp.documents.budgets import check_budgets
from newsnlp.documents.document import Document, TeaserInfo
from newsnlp.documents.markup import collapse, scrub_surrogates, split_url, strip_markup, usable_charset
from newsnlp.errors import InputError
from newsnlp.records import utc_stamp

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(rb"&(amp;)?#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));")
_XML_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]+encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])""", re.IGNORECASE)
# What feeds append to a summary: "Read more", "Continue reading →", WordPress's "The post X
# appeared first on Y.", "[…]".
_BOILERPLATE = re.compile(
    r"\s*(?:\[(?:…|\.\.\.|&hellip;)\]|(?:read more|continue reading|read the full (?:story|article))\b.*|"
    r"the post .{1,300} appeared first on .{1,200}|\(?more\.{3}\)?)\s*$",
    re.IGNORECASE,
)


@dataclass
class Item:
    """One feed item, as text."""

    title: str
    summary: str
    content: str
    url: str | None
    id: str | None
    published: str | None

    @property
    def teaser(self) -> str:
        """Title and summary, as one teaser (the summary alone when it repeats the title)."""
        if not self.title or self.summary.lower().startswith(self.title.lower()):
            return self.summary or self.title
        if not self.summary:
            return self.title
        return f"{self.title}{'' if self.title[-1] in '.!?:' else '.'} {self.summary}"


@dataclass
class Feed:
    title: str | None
    link: str | None
    items: list[Item]
    warnings: list[str]


def documents_from_feed(
    data: bytes, id: str, *, url: str | None = None, options: FeedConfig | None = None, json_feed: bool = False, where: str | None = None
) -> list[Document]:
    """The documents of an RSS, Atom or JSON feed (`id`: the file's stem or the feed's URL;
    `where`: how errors and warnings name it, the file's path or the URL)."""
    options = options or FeedConfig()
    name = where or id
    feed = read_json_feed(data, name, options) if json_feed else read_xml_feed(data, name, options)
    parts = split_url(feed.link) or split_url(url)
    host = parts.hostname if parts else None
    source = feed.title or (host.removeprefix("www.") if host else None)
    if options.items_as == "documents":
        docs = []
        for n, item in enumerate(feed.items):
            doc = Document.from_parts(item.id or item.url or f"{id}#{n}", item.content or item.summary, source=source, title=item.title or None)
            doc.url, doc.published = item.url, item.published
            docs.append(doc)
        if feed.warnings and docs:
            docs[0].warnings = feed.warnings + docs[0].warnings
        return docs
    doc = Document.from_parts(
        id,
        "",
        [item.teaser for item in feed.items],
        source=source,
        title=feed.title,
        info=[TeaserInfo(url=item.url, published=item.published, id=item.id) for item in feed.items],
        url=url or feed.link,
    )
    doc.warnings = feed.warnings + doc.warnings
    if not feed.items:
        doc.warnings.append("the feed has no items")
    return [doc]


def read_xml_feed(data: bytes, name: str, options: FeedConfig) -> Feed:
    import feedparser

    if _ENTITY_DECLARATION.search(data[:65536]):
        raise InputError(f"{name}: the feed declares XML entities, which nlp never expands; not read")
    check_budgets(data, name, max_elements=options.max_elements, max_attributes=options.max_attributes, section="feed")
    try:
        parsed = feedparser.parse(
            _no_surrogate_references(_readable_declaration(data)), sanitize_html=True, resolve_relative_uris=True
        )  # bytes: never fetches
    except (UnicodeError, LookupError, ValueError, RecursionError) as exc:
        raise InputError(f"{name}: a feed feedparser could not read ({type(exc).__name__}: {collapse(str(exc))[:120]})") from None
    warnings = []
    if parsed.get("bozo"):
        reason = collapse(str(parsed.get("bozo_exception", "")))[:160]
        warnings.append(f"{name}: malformed feed ({reason}); read as far as it goes")
    if not parsed.get("version") and not parsed.entries:
        raise InputError(f"{name}: not an RSS or Atom feed (nothing feedparser could read)")
    items = []
    for entry in parsed.entries:
        content = " ".join(c.get("value", "") for c in entry.get("content", []) if isinstance(c, dict))
        items.append(
            _item(
                title=entry.get("title", ""),
                summary=entry.get("summary", ""),
                content=content,
                url=entry.get("link"),
                id=entry.get("id"),
                published=_stamp(entry.get("published_parsed") or entry.get("updated_parsed")),
                options=options,
            )
        )
    info = parsed.get("feed", {})
    return _repaired(Feed(title=collapse(info.get("title", "")) or None, link=info.get("link"), items=items, warnings=warnings), name)


def read_json_feed(data: bytes, name: str, options: FeedConfig) -> Feed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1): `items` with id, url, title,
    content_html/content_text, summary, date_published."""
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{name}: not a JSON Feed (invalid JSON: {str(exc)[:80]})") from None
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith("https://jsonfeed.org/version/1"):
        raise InputError(f"{name}: JSON but not a JSON Feed (no 'version' of https://jsonfeed.org/version/1.x)")
    items = []
    for entry in feed.get("items") or []:
        if not isinstance(entry, dict):
            continue
        items.append(
            _item(
                title=_text(entry.get("title")),
                summary=_text(entry.get("summary")),
                content=_text(entry.get("content_html")) or _text(entry.get("content_text")),
                url=_text(entry.get("url")) or None,
                id=_text(entry.get("id")) or None,
                published=_iso(_text(entry.get("date_published"))),
                options=options,
            )
        )
    title, link = collapse(_text(feed.get("title"))) or None, _text(feed.get("home_page_url")) or None
    return _repaired(Feed(title=title, link=link, items=items, warnings=[]), name)


def _readable_declaration(data: bytes) -> bytes:
    """The feed with an XML declaration naming a codec that is no charset (`undefined`,
    `punycode`: feedparser's decoding raises on them) read as UTF-8 instead."""
    match = _XML_DECLARED_ENCODING.match(data[:1024])
    if not match:
        return data
    name = match.group(2).decode("ascii")
    try:
        codecs.lookup(name)
    except LookupError:
        return data  # unknown to Python: feedparser falls back by itself
    if usable_charset(name):
        return data
    return match.group(1) + b"utf-8" + match.group(3) + data[match.end() :]


def _no_surrogate_references(data: bytes) -> bytes:
    """`&#55296;` (or `&amp;#xD800;` in an escaped summary) names a lone surrogate, which
    feedparser decodes and then fails to encode: each becomes U+FFFD's reference."""
    if b"&#" not in data and b"&amp;#" not in data:
        return data

    def replace(match: re.Match[bytes]) -> bytes:
        value = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
        return b"&" + (match.group(1) or b"") + b"#xFFFD;" if 0xD800 <= value <= 0xDFFF else match.group(0)

    return _CHARACTER_REFERENCE.sub(replace, data)


def _repaired(feed: Feed, name: str) -> Feed:
    """The feed with each lone surrogate (a JSON Feed's "\\ud800", an RSS item's `&#55296;`)
    made U+FFFD and each url that cannot be parsed dropped: a bad item is repaired, not the
    feed's end."""
    repaired = 0
    for item in feed.items:
        for key in ("title", "summary", "content", "id", "published"):
            value = getattr(item, key)
            if value and scrub_surrogates(value) != value:
                setattr(item, key, scrub_surrogates(value))
                repaired += 1
        if item.url and (scrub_surrogates(item.url) != item.url or split_url(item.url) is None):
            item.url = None
            repaired += 1
    if feed.title and scrub_surrogates(feed.title) != feed.title:
        feed.title, repaired = scrub_surrogates(feed.title), repaired + 1
    if feed.link and (scrub_surrogates(feed.link) != feed.link or split_url(feed.link) is None):
        feed.link, repaired = None, repaired + 1
    if repaired:
        feed.warnings.append(f"{name}: {repaired} field(s) held a lone surrogate or an unreadable url; repaired (U+FFFD) or dropped")
    return feed


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _item(*, title: str, summary: str, content: str, url: str | None, id: str | None, published: str | None, options: FeedConfig) -> Item:
    title = strip_markup(title)
    text = _BOILERPLATE.sub("", strip_markup(summary or content))
    limit = options.max_summary_chars
    if limit and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > 0 else limit].rstrip(",;:") + "..."
    return Item(
        title=title,
        summary=text,
        content=_BOILERPLATE.sub("", strip_markup(content, paragraphs=True)) if content else "",
        url=url,
        id=id,
        published=published,
    )


def _stamp(parsed: time.struct_time | None) -> str | None:
    """feedparser's UTC time tuple as ISO 8601."""
    if not parsed:
        return None
    return utc_stamp(calendar.timegm(parsed))


def _iso(value: str) -> str | None:
    """An RFC 3339 date as given (JSON Feed's format); None if blank."""
    return value.strip() or None
