"""Bytes to text for markup: the charset a page declares, what kind of input a file holds
(sniffed from its content), and HTML fragments (feed summaries) stripped to plain text."""

from __future__ import annotations

import codecs
import re
from typing import Literal
from urllib.parse import SplitResult, urlsplit

Kind = Literal["html", "feed", "jsonfeed", "jsonl", "urls", "page"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(?:[a-z0-9]+:)?(?:rss|feed|rdf)\b", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|div|p|article|section|main|h1|h2|table)\b", re.IGNORECASE)
_URL_LINE = re.compile(r"^https?://\S+$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
SNIFF_BYTES = 4096
HTML_SNIFF_BYTES = 1 << 16  # a page may open with a long <style> or <script> block


def sniff(data: bytes) -> Kind | None:
    """What a file holds, from its first bytes: HTML, an RSS/Atom feed, JSON (a JSON Feed or
    JSONL), a list of URLs, a text page; None for XML that is neither a feed nor HTML."""
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = head.lower()
    if lower.startswith(b"<?xml") or lower.startswith((b"<rss", b"<feed", b"<rdf")):
        if _FEED_ROOT.search(head):
            return "feed"
        return "html" if b"<html" in lower else None
    if re.match(rb"<[a-z!]", lower) and _HTML_TAG.search(data[:HTML_SNIFF_BYTES]):
        return "html"
    if lower.startswith(b"{") or lower.startswith(b"["):
        return "jsonfeed" if b"jsonfeed.org/version" in lower else "jsonl"
    return "urls" if urls_only(data) else "page"


def urls_only(data: bytes) -> bool:
    """A text whose every line (blank lines and `#` comments aside) is an http(s) URL."""
    try:
        lines = [line.strip() for line in data[: 1 << 20].decode("utf-8").splitlines()]
    except UnicodeDecodeError:
        return False
    kept = [line for line in lines if line and not line.startswith("#")]
    return bool(kept) and all(_URL_LINE.match(line) for line in kept)


def url_lines(text: str) -> list[str]:
    """The URLs of a URL list: one a line, blank lines and `#` comments skipped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def declared_charset(data: bytes, header: str | None = None) -> str | None:
    """The charset a response or page declares: a byte-order mark, the Content-Type header, then
    `<meta charset>` or the XML declaration in the first bytes; None if none is a text charset
    Python can decode with (`usable_charset`)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:SNIFF_BYTES]
    match = _XML_ENCODING.match(head.lstrip()) or _META_CHARSET.search(head)
    for name in (header, match.group(1).decode("ascii", "replace") if match else None):
        usable = usable_charset(name)
        if usable:
            return usable
    return None


# Codecs Python knows that are no page's charset: they fail on ordinary bytes with errors other
# than UnicodeDecodeError (undefined, punycode), or turn escapes in the text into characters
# (unicode_escape makes lone surrogates of "\ud800"); WHATWG's Encoding Standard has none of them.
_NOT_A_CHARSET = {"undefined", "punycode", "idna", "unicode_escape", "raw_unicode_escape", "utf_7", "utf-7"}


def usable_charset(name: str | None) -> str | None:
    """`name`'s codec if it is a text charset to decode a page with, else None."""
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name holding NUL
        return None
    if info.name in _NOT_A_CHARSET or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes as text in `charset` if it decodes them, else UTF-8, else Windows-1252 (which decodes
    any byte: a mis-declared page reads with a few wrong characters rather than not at all)."""
    for name in (usable_charset(charset), "utf-8"):
        if name:
            try:
                return data.decode(name)
            except (UnicodeError, LookupError, ValueError):  # a codec's own failure, not only UnicodeDecodeError
                continue
    return data.decode("cp1252", errors="replace")


def charset_that_decodes(data: bytes, charset: str | None) -> str:
    """The charset to read a response's text with: the server's if it decodes the bytes, else
    UTF-8 if that does, else Latin-1 (which decodes any byte)."""
    for name in (usable_charset(charset), "utf-8"):
        if name:
            try:
                data.decode(name)
                return name
            except (UnicodeError, LookupError, ValueError):
                continue
    return "latin-1"


def split_url(url: str | None) -> SplitResult | None:
    """`url` split into its parts, or None where it cannot be (`http://[ccpa-preferences]`, a
    real link, is a ValueError to urlsplit and urljoin)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        return None
    return parts


def decode_markup(data: bytes, header: str | None = None) -> str:
    """Markup as text: its declared charset, else UTF-8, else Windows-1252."""
    return decode_bytes(data, declared_charset(data, header))


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """A lone surrogate (JSON's "\\ud800", XML's `&#55296;`) is no character: no encoder,
    tokenizer or JSON writer takes it. Each becomes U+FFFD, as a decoder marks a bad byte."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table", "section", "article", "figure", "pre"}


def strip_markup(fragment: str, paragraphs: bool = False) -> str:
    """An HTML fragment (a feed's summary or content) as plain text: tags removed, entities
    decoded, scripts and styles dropped; `paragraphs` keeps block elements as lines."""
    if "<" not in fragment and "&" not in fragment:
        return collapse(fragment)
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return collapse(re.sub(r"<[^>]*>", " ", fragment))
    for junk in root.xpath(".//script|.//style|.//noscript|.//iframe"):
        junk.drop_tree()
    if paragraphs:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
                element.tail = "\n" + (element.tail or "")
        lines = (collapse(line) for line in root.text_content().split("\n"))
        return "\n".join(line for line in lines if line)
    return collapse(root.text_content())


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
