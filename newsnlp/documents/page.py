"""What a page's markup says about its article beyond what trafilatura reads: drop caps to rejoin,
furniture to leave out (bylines, timestamps, captions, disclosures, newsletter boxes), the
headline to take as the title, a headline glued to the first sentence, and pages with no main
text of their own (a login, an error, a cookie wall, an empty shell).
"""

from __future__ import annotations

import re

from lxml.etree import XPath
from lxml.html import HtmlElement

from newsnlp.documents.furniture import cut_share_row, is_byline, is_call_to_action, is_furniture
from newsnlp.documents.markup import collapse

FURNITURE_ATTRIBUTE = "data-nlp-furniture"
PRUNE_XPATH = f"//*[@{FURNITURE_ATTRIBUTE}]"  # trafilatura prunes its copy of the tree with it
# A class or id token that names furniture: "byline", "post-date", "photo-credit", "advertiser-disclosure", "author-card".
_FURNITURE_TOKEN = re.compile(
    r"(?:^|[-_])(?:byline|bylines|dateline|timestamp|disclosure|disclaimer|newsletter|signup|sign-up|credits?|pubdate|"
    r"published|updated|date|datetime|posted-on|posted|read-?time|reading-?time|notice|spoiler|ambox|author|authors|bio)(?:$|[-_])",
    re.IGNORECASE,
)
# Substrings one of which every furniture name holds: a cheap test before the token patterns.
_FURNITURE_HINTS: tuple[str, ...] = ("byline", "date", "time", "disclos", "disclaim", "newsletter", "sign", "credit", "published", "posted")
_FURNITURE_HINTS += ("notice", "spoiler", "ambox", "author", "bio", "caption", "image", "img", "photo", "picture")
_CAPTION_TOKEN = re.compile(r"(?:^|[-_])(?:caption|captions|figcaption)(?:$|[-_])|(?:image|img|photo|picture)[-_]*(?:title|caption|credit)")
_FURNITURE_TAGS = frozenset({"div", "p", "span", "section", "aside", "small", "ul", "li", "dl", "address", "table", "figcaption", "time"})
_BYLINE_TAGS = frozenset({"div", "p", "span", "em", "strong", "b", "i", "small"})
MAX_FURNITURE_WORDS = 80  # a longer block is content, whatever its class says
GALLERY_CAPTIONS = 8  # a page with more figure captions is a gallery, told by its captions
_WORD = re.compile(r"\w+")


def prepare_tree(tree: HtmlElement) -> None:
    """One pass over the page before trafilatura reads it: drop caps rejoined to their words, and
    furniture marked for trafilatura to leave out (`PRUNE_XPATH`): figure captions (but a
    gallery's), `time` elements standing alone, short blocks whose class or id names a byline,
    date, credit, disclosure or newsletter."""
    drop_caps = []
    captions = tree.xpath("count(//figcaption)") <= GALLERY_CAPTIONS  # a gallery's captions are its text
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if not len(element) and _is_drop_cap(element):
            drop_caps.append(element)
        if (
            (tag in _FURNITURE_TAGS and _is_furniture_block(element, captions)) or (tag in _BYLINE_TAGS and _is_byline_element(element))
        ) and not _inside_marked(element):
            element.set(FURNITURE_ATTRIBUTE, "1")
    for element in drop_caps:
        _rejoin(element)
    for block in _sign_up_boxes(tree):
        block.set(FURNITURE_ATTRIBUTE, "1")


_ACCOUNT_LINKS = XPath(
    "//a[" + " or ".join(f"contains(@href, '{w}')" for w in ("signup", "sign-up", "register", "login", "subscribe", "newsletter")) + "]"
)
MAX_BOX_WORDS = 60


def _sign_up_boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The short block around a sign-up, log-in or subscribe call to action ("Sign up to join this
    community"): a promotion of the site, not the article."""
    boxes = []
    for link in _ACCOUNT_LINKS(tree):
        if not is_call_to_action(collapse(link.text_content())):
            continue
        box = next(link.iterancestors("div", "section", "aside", "form"), None)
        if box is not None and len(_WORD.findall(box.text_content())) <= MAX_BOX_WORDS and len(box.findall(".//p")) <= 2:
            boxes.append(box)
    return boxes


def _inside_marked(element: HtmlElement) -> bool:
    return any(a.get(FURNITURE_ATTRIBUTE) is not None for a in element.iterancestors())


def _is_furniture_block(element: HtmlElement, captions: bool) -> bool:
    """A caption (unless the page is a gallery), a `time` standing alone, a dialog, or a block
    whose class or id names furniture; short, whatever it is named."""
    if element.tag == "time":
        return _stands_alone(element)
    if element.tag == "figcaption":
        return captions and _short(element)
    if element.get("role") in ("dialog", "alertdialog"):
        return _short(element)
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if not any(hint in names for hint in _FURNITURE_HINTS):
        return False
    tokens = names.split()
    if any(_CAPTION_TOKEN.search(t) for t in tokens):
        return captions and _short(element)
    return any(_FURNITURE_TOKEN.search(t) for t in tokens) and _short(element)


def _short(element: HtmlElement) -> bool:
    return len(_WORD.findall(element.text_content())) <= MAX_FURNITURE_WORDS


def _is_byline_element(element: HtmlElement) -> bool:
    """An element of its own that holds a byline ("---- by Ann Poe"), whatever its class."""
    own = (element.text or "").lstrip(" \t\n-–—|·").lower()
    return (own[:3] in ("by ", "by\n") or own.strip() == "by") and is_byline(collapse(element.text_content()).strip(" -–—|·"))


def _stands_alone(element: HtmlElement) -> bool:
    """A `time` that is not part of a sentence: nothing but it in its parent."""
    parent = element.getparent()
    return parent is not None and collapse(parent.text_content()) == collapse(element.text_content())


def _is_drop_cap(element: HtmlElement) -> bool:
    """A drop cap is the first letter of a word set in its own element (`<span class="dropcap">T</span>urkey`,
    or a block before the paragraph); extractors drop it or set it apart ("urkey"): an element
    holding one capital letter right before text that goes on in lower case."""
    letter = (element.text or "").strip()
    if len(letter) != 1 or not letter.isupper() or element.tag in ("script", "style"):
        return False
    following = _next_text(element)
    return following is not None and following[0][:1].islower()


def _rejoin(element: HtmlElement) -> None:
    """Give the drop cap's letter back to the text that follows it."""
    following = _next_text(element)
    if following is None:
        return
    text, owner, is_tail = following
    letter = (element.text or "").strip()
    if is_tail:
        owner.tail = letter + text
    else:
        owner.text = letter + text
    element.text = ""


def _next_text(element: HtmlElement) -> tuple[str, HtmlElement, bool] | None:
    """The text right after an element in document order (its tail, else the first text of what
    follows), with the element that holds it and whether it is that element's tail."""
    if element.tail and element.tail.strip():
        return (element.tail, element, True) if not element.tail[0].isspace() else None
    found = element.xpath("(following::text()[normalize-space()])[1]")
    if not found:
        return None
    text = str(found[0])
    owner = found[0].getparent()
    if text[:1].isspace() or owner is None:
        return None
    return text, owner, bool(found[0].is_tail)


def headline_texts(tree: HtmlElement) -> list[str]:
    """The page's own statements of its headline: og:title, twitter:title, the first `h1`, the
    `<title>`."""
    found = [str(v) for v in tree.xpath("//meta[@property='og:title' or @name='og:title' or @name='twitter:title']/@content")]
    found += [h.text_content() for h in tree.xpath("//h1")[:1]] + [str(t) for t in tree.xpath("//title/text()")[:1]]
    return [text for text in dict.fromkeys(collapse(t) for t in found) if text]


# Titles that name no page: a CMS or a placeholder.
_PLACEHOLDER_TITLES = frozenset(
    "escenic wordpress drupal joomla typo3 ghost wix squarespace blogger sitecore contao brightspot arc hugo jekyll "
    "untitled home homepage index default page document".split()
)


def choose_title(title: str | None, tree: HtmlElement, names: list[str]) -> str | None:
    """The page's headline: trafilatura's title, unless it is the site's or a CMS's name (or a
    placeholder), or one word that no title of the page states (a box's label, "Contact"), when
    og:title, the `h1` or the `<title>` gives the headline."""
    candidates = headline_texts(tree)
    if title and not _names_site(title, tree, names) and not _is_label(title, candidates):
        return title
    for candidate in candidates:
        if not _names_site(candidate, tree, names) and len(candidate) <= 300 and len(candidate.split()) > 1:
            return candidate
    return title


def _is_label(title: str, candidates: list[str]) -> bool:
    key = _key(title)
    return len(key.split()) == 1 and not any(key in _key(c).split() for c in candidates)


def _names_site(title: str, tree: HtmlElement, names: list[str]) -> bool:
    key = _key(title)
    generators = " ".join(str(g) for g in tree.xpath("//meta[@name='generator']/@content")).lower()
    return (
        key in _PLACEHOLDER_TITLES or any(key == _key(name) for name in names if name) or (len(key.split()) <= 2 and bool(key) and key in generators)
    )


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def split_glued_headline(lead: str, headlines: list[str], standfirsts: list[str] | None = None) -> str:
    """The lead without the page's headline where the extractor put it before the first sentence:
    an opening line that is the headline (or part of a title that adds the site's name) is
    dropped, a headline glued to the first sentence without a full stop ("... amid outbreak
    Images have emerged") is cut off it, and so is a header glued on whole (breadcrumbs,
    headline, byline, then a row of share buttons). A standfirst glued to the first sentence
    (the page's description) is set on a line of its own: article text, but no sentence of it."""
    lines = lead.split("\n")
    lines[:3] = [cut_share_row(line) for line in lines[:3]]
    keys = sorted({_key(h) for h in headlines if h and _key(h)}, key=len, reverse=True)  # the longest first
    dek = sorted({_key(d) for d in standfirsts or [] if d and not d.rstrip().endswith(("...", "…")) and _key(d)}, key=len, reverse=True)
    for i, line in enumerate(lines[:3]):
        cut = next((c for c in (_headline_end(line, key) for key in keys) if c is not None), None)
        if cut is not None:
            lines[i] = line[cut:]
            continue
        glued = next((c for c in (_headline_end(line, key, glued_only=True) for key in dek) if c is not None), None)
        if glued is not None:
            lines[i] = line[:glued].rstrip(" :;,|–—-") + "\n" + line[glued:]
    return "\n".join(line for line in "\n".join(lines).split("\n") if line.strip())


_NEXT_WORD = re.compile(r"\W*(\w+)")


def _headline_end(line: str, key: str, glued_only: bool = False) -> int | None:
    """Where `line` goes on after the headline (`key`: its words, lower case): the line's end
    where the line is the headline or most of it (three words or more), or the same words in
    another order; where the rest starts where the line opens with a headline of three words or
    more and the rest opens a sentence; else None. `glued_only`: only the latter."""
    own, wanted = _key(line), key.split()
    whole = own == key or (len(own.split()) >= max(3, len(wanted) / 2) and f" {own} " in f" {key} ")
    if whole or (len(wanted) >= 3 and sorted(own.split()) == sorted(wanted)):
        return None if glued_only else len(line)
    if len(wanted) < 3:
        return None
    position = 0
    for word in wanted:
        match = _NEXT_WORD.match(line, position)
        if match is None or match.group(1).lower() != word:
            return None
        position = match.end()
    rest = line[position:].lstrip(" .:;,|!?…’”)»–—-")
    if not rest and glued_only:
        return None
    if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘("):
        return None  # the line goes on with the same sentence: the headline is its opening words
    return len(line) - len(rest)


# What a page with no main text says instead: sign-in forms, errors, cookie walls, script shells.
_INTERFACE = re.compile(
    r"\b(?:log\s?in|log\s?out|sign\s?in|sign\s?up|register\s+(?:now|here|for\s+free)|(?:create|have|open)\s+an\s+account|your\s+account|"
    r"(?:forgot|reset)\s+(?:your\s+)?password|password|username|remember\s+me|(?:enable|turn\s+on)\s+javascript|javascript\s+is\s+(?:disabled|required)|"
    r"(?:update|upgrade)\s+your\s+browser|(?:accept|use|uses)\s+(?:all\s+)?cookies|cookie\s+(?:settings|policy|preferences)|"
    r"page\s+(?:not\s+found|does\s+not\s+exist|doesn't\s+exist|cannot\s+be\s+found)|not\s+found|error\s+(?:404|403|500)|\b40[34]\b|"
    r"access\s+denied|forbidden|no\s+longer\s+available|subscribe\s+to\s+(?:continue|read|keep)|verify\s+you\s+are\s+(?:a\s+)?human|captcha)\b",
    re.IGNORECASE,
)


def lacks_main_text(tree: HtmlElement, lead: str, min_words: int) -> bool:
    """A page whose extracted text is short and is the page's interface rather than an article:
    text most of whose lines are about accounts, cookies, errors or the browser, or a sign-in
    form (a password field) with such a line."""
    if len(lead.split()) >= min_words:
        return False
    lines = [line for line in lead.split("\n") if line.strip()]
    if not lines:
        return False
    interface = sum(bool(_INTERFACE.search(line)) or is_furniture(line) for line in lines)
    sign_in = bool(tree.xpath("//input[translate(@type, 'PASWORD', 'pasword')='password']"))
    return interface * 2 >= len(lines) or (sign_in and interface > 0)
