"""Page furniture told from text alone: bylines, datelines and timestamps, photo credits,
disclosures, newsletter and letters-to-the-editor boilerplate, and the chrome a story link carries
(dates, counters, ranks, bylines, `> ` prefixes, calls to action).

The page's markup is the first signal (newsnlp/documents/page.py marks bylines, `time` elements,
captions and the like before the article is extracted); these patterns catch what arrives as
plain text, from any input. They are few and anchored, so that a sentence that merely mentions a
date or a newsletter stays a sentence.
"""

from __future__ import annotations

import re

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?(?![a-z])\.?"
_FULL_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day(?![a-z])"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|{_DAY}\.?\s+{_MONTH},?(?:\s+\d{{2,4}})?|{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
)
_TIME = r"(?:(?:at\s+|um\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?\s?m\.?|uhr|h)(?![a-z])|\d{1,2}:\d{2}(?::\d{2})?)(?:\s+(?:utc|gmt|[ecmp][sd]?t|bst|cest?|aest|aedt|ist)(?![a-z]))?"
_RELATIVE = r"\d+\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|months?|y|years?)\s+ago"
_AGO = rf"(?:{_RELATIVE}|just now|yesterday|today)"
_STAMP = re.compile(rf"{_DATE}|{_TIME}|{_AGO}|{_FULL_WEEKDAY}", re.IGNORECASE)
# Words that label a timestamp: "Posted:", "Latest update", "Datum", "Published on".
_STAMP_LABEL = re.compile(
    r"^(?:(?:last|latest)\s+updated?|updated?|published|posted|modified|datum|veröffentlicht|aktualisiert|(?:news\s+)?date(?=\s*:))\b(?:\s+(?:on|at|am))?\s*:?\s*",
    re.IGNORECASE,
)
_LEADING_STAMP = re.compile(
    rf"^{_STAMP_LABEL.pattern[1:]}(?:{_DATE})(?:,?\s+(?:{_TIME}))?[.,]?\s*(?:[|•·–—-]\s*)?(?=\S)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s,|/•·:;()\[\]–—-]+")
_BYLINE_PREFIX = re.compile(
    r"^(?:by|written\s+by|words\s+by|text\s+by|story\s+by|reported\s+by|reporting\s+by|posted\s+by|von|par|por)\s*:?\s+", re.IGNORECASE
)
# Words a byline holds besides names: roles and connectors ("By Jane Roe and Ann Poe, Staff Writers").
_BYLINE_WORDS = frozenset(
    "and & in for of the at with staff writer writers reporter reporters correspondent editor editors contributor contributing senior "
    "chief political business news desk team special guest columnist photographer updated published posted".split()
)
_CREDIT = re.compile(
    r"^\(?(?:(?:photo(?:graph)?s?|images?|pictures?|illustrations?|videos?|graphics?|fotos?|bilder?|header|cover|top|lead|featured)"
    r"\s*(?:image\s*|photo\s*)?(?:credits?|courtesy|source|by|:|©|/)|(?:credits?|courtesy|source)\s*:|©|\(c\)\s*\d{4}|copyright\b)",
    re.IGNORECASE,
)
# Boilerplate anywhere in a short line (each alternative holds one of _BOILERPLATE_KEYS), or opening it.
_BOILERPLATE = re.compile(
    r"advertiser\s+disclosure|affiliate\s+(?:links?|commissions?|partnerships?)|advertisers?\s+(?:do|does)\s+not\s+influence"
    r"|\b(?:we|i|this\s+site)\s+(?:may|might|will|could)\s+(?:earn|receive|get|be\s+paid)\s+(?:an?\s+)?(?:small\s+)?(?:commission|compensation|fee)"
    r"|(?:paid|sponsored)\s+(?:partnership|content|post)\b|this\s+(?:post|article|page)\s+(?:may\s+)?contains?\s+(?:affiliate|sponsored)"
    r"|(?:submit|send|write|e-?mail)\s+(?:us\s+)?(?:your|a)\s+letters?\b|we\s+welcome\s+(?:your\s+)?(?:responses|letters)"
    r"|subscribe\s+to\s+(?:our|my)\s+(?:youtube|channel|podcast|newsletter|feed|mailing\s+list)",
    re.IGNORECASE,
)
_BOILERPLATE_KEYS = ("disclos", "affiliate", "advertis", "commission", "compensation", "fee", "paid", "sponsor", "letter", "welcome", "subscribe")
_BOILERPLATE_START = re.compile(
    r"(?:letters?\s+to\s+the\s+editor\b"
    r"|(?:sign\s*up|subscribe|register|join|get|receive)\b.{0,60}\b(?:newsletters?|inbox|e-?mail\s+alerts?)\b"
    r"|(?:follow\s+us|like\s+us\s+on|click\s+(?:here|through)|tap\s+here|download\s+(?:our|the)\s+app|all\s+rights\s+reserved)\b"
    r"|share\s+this(?:\s+(?:article|story|post|page))?\s*[:!.]?\s*$"
    r"|this\s+(?:article|story|post|piece|interview|essay)\b.{0,40}\b(?:originally|first)\s+(?:appeared|published|ran)\b"
    r"|this\s+(?:article|story|post|piece)\s+(?:is|was|has\s+been)\s+republished\b"
    r"|already\s+(?:have|a|an|registered|subscribed)\b.{0,60}\?|(?:don't|do\s+not)\s+have\s+an\s+account\b"  # sign-in and upsell prompts
    r"|at\s+(?-i:[A-Z])[\w&.'’-]*(?:\s+(?-i:[A-Z])[\w&.'’-]*){0,3},\s+we(?:'re|\s+are)?\s+"  # the publisher about itself: "At Acme, we provide"
    r"(?:provide|offer|help|believe|build|deliver|speciali[sz]e|strive|committed|dedicated|passionate)\b"
    r"|welcome\s+to\s+(?:the\s+)?(?-i:[A-Z])[^,]{0,60},\s+(?:our|the|a)\s)",  # a series' or newsletter's welcome line
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…](?:\s?[\"'’”)\]»`])*$")  # closing quotes may stand apart, as tokenised text has them ("fine . '")
_WORD = re.compile(r"[^\W_][\w'’.&-]*")
MAX_FURNITURE_WORDS = 30  # a line longer than this is prose, whatever it starts with


def is_furniture(text: str) -> bool:
    """A sentence or line that is page furniture, never article text: a byline, a timestamp or
    dateline standing alone, a photo credit, a disclosure, newsletter, letters or re-publication
    boilerplate."""
    text = text.strip()
    words = _WORD.findall(text)
    if not words or len(words) > MAX_FURNITURE_WORDS:
        return False
    return is_byline(text) or _is_stamp(text, words) or bool(_CREDIT.match(text) or _BOILERPLATE_START.match(text)) or _has_boilerplate(text)


def _has_boilerplate(text: str) -> bool:
    lower = text.lower()
    return any(key in lower for key in _BOILERPLATE_KEYS) and bool(_BOILERPLATE.search(text))


def is_byline(text: str) -> bool:
    """ "By Jane Roe, March 3, 2024 2:30 pm", "Written by: Ann Poe": a byline prefix, then only
    names (capitalised), roles, dates and separators."""
    prefix = _BYLINE_PREFIX.match(text)
    if prefix is None:
        return False
    rest = [w for w in _WORD.findall(_STAMP.sub(" ", text[prefix.end() :])) if w.lower() not in _BYLINE_WORDS]
    return 1 <= len(rest) <= 8 and all(w[0].isupper() or w[0].isdigit() for w in rest)


def _is_stamp(text: str, words: list[str]) -> bool:
    """A date or time with at most two other words ("October 22, 2019 report", "Datum
    28.01.2022"), unless it reads as a sentence that merely says when; a labelled timestamp
    ("Posted: Thursday, April 21, 2022.") is furniture even with its full stop."""
    labelled = _STAMP_LABEL.match(text)
    if len(words) > 12 or (_SENTENCE_END.search(text) and not labelled) or not _STAMP.search(text):
        return False
    rest = _WORD.findall(_STAMP.sub(" ", text[labelled.end() if labelled else 0 :]))
    return len(rest) <= 2


def strip_leading_stamp(line: str) -> str:
    """A line opened by a labelled timestamp ("Latest update May 6th, 2022 12:49 AM The minister
    said...") without it; other lines unchanged."""
    return _LEADING_STAMP.sub("", line, count=1)


def ends_as_sentence(text: str) -> bool:
    """Closes with a sentence's end mark (quotes and brackets after it allowed): a line that does
    not (a heading, a list item, a caption, a label) is no summary sentence."""
    return bool(_SENTENCE_END.search(text.strip()))


# A story link's chrome, by text: "> " and bullet prefixes, a rank ("01 ", "3."), a kicker glued
# or labelled before the headline ("NewsLuke Combs...", "RELATED: "), a date or time opening it,
# and closing it: a relative time, a date glued on or set off by a separator, a byline, a counter.
_PREFIX = re.compile(r"^[\s>»›•▶►|·:–—-]+")
_RANK = re.compile(r"^(?:0\d|#\d{1,3}|\d{1,2}[.)])\s+(?=\S)")
_KICKER = re.compile(
    r"^(?:(?i:news|opinion|video|videos|analysis|review|interview|exclusive|watch|live|breaking|sponsored|podcast|photos|gallery)(?=[A-Z][a-z])"
    r"|(?i:related|read\s+more|read\s+also|see\s+also|also\s+read|more|recommended|watch|listen|sponsored|advertisement)\s*:\s*)",
)
_LEADING_STAMP_TEXT = re.compile(rf"^(?:(?:{_DATE}|{_TIME}|{_AGO})(?:\s*[-–—]\s*(?:{_DATE}))?\s*[|•·:–—-]?\s*)+(?=\S)", re.IGNORECASE)
_TRAILING_AGO = re.compile(rf"(?:\s*[|•·–—-]?\s*{_RELATIVE}|\s*[|•·–—-]\s*{_AGO})\s*$", re.IGNORECASE)
_TRAILING_DATE = re.compile(rf"(?:(?<=[a-z.!?’'\")])(?=[A-Z0-9])|\s*[|•·–—-]\s*)(?:{_DATE})(?:,?\s+(?:{_TIME}))?\s*$", re.IGNORECASE)
_NAMES = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von))*\s*$"
_TRAILING_BYLINE = re.compile(rf"\s*(?:[|•·–—-]\s*)?\bBy\s+{_NAMES}")
_QUOTED_BYLINE = re.compile(rf"^['‘\"“](.+?),?['’\"”]\s+by\s+{_NAMES}")  # "'Two Poems,' by Jo Roe": the title is Two Poems
_COUNTER = re.compile(
    r"(?:^\d+\s+(?:photos?|images?|pictures?|videos?|comments?|slides?)\b|\s*\(?\b\d+\s+(?:comments?|replies|photos?|views)\)?\s*$)", re.IGNORECASE
)
_SOFT = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]")


def clean_headline(text: str) -> str:
    """A story link's text without its chrome: prefixes, rank, kicker, dates and times, counter,
    byline (each pattern once, in that order)."""
    text = collapse_spaces(_SOFT.sub("", text))
    for pattern in (_PREFIX, _KICKER, _LEADING_STAMP_TEXT, _RANK, _COUNTER, _TRAILING_AGO, _TRAILING_DATE):
        text = pattern.sub("", text, count=1).strip()
    text = _QUOTED_BYLINE.sub(r"\1", text, count=1)
    for pattern in (_TRAILING_BYLINE, _TRAILING_AGO):
        text = pattern.sub("", text, count=1).strip()
    return text


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


_CALL_TO_ACTION = re.compile(
    r"^(?:go\s+to|back\s+to|learn\s+more|find\s+out\s+more|see\s+(?:all|more)|view\s+(?:all|more)|shop\s+now|buy\s+now|order\s+now|watch\s+now|"
    r"listen\s+now|sign\s*up|subscribe|register|log\s*in|sign\s*in|click\s+here|join\s+us|get\s+(?:the|our)\s+app|download)\b"
    r"|\b(?:click\s+here|sign\s*up|signup|subscribe|newsletters?|in\s+your\s+inbox|jetzt\s+anmelden|abonnieren)\b|(?:>>|→)\s*$",
    re.IGNORECASE,
)


def is_call_to_action(text: str) -> bool:
    """A link that asks rather than tells: sign up, subscribe, go to the home page, learn more."""
    return bool(_CALL_TO_ACTION.search(text))


def is_fragment(text: str) -> bool:
    """A cut piece of text, not a headline: it opens in lower case (a brand such as "iPhone"
    aside) and does not end as a sentence or a question does."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first[:1].islower() and first == first.lower() and not _SENTENCE_END.search(text)


_SHARE_ROW = re.compile(
    r"(?:\b(?:share|facebook|twitter|whatsapp|e-?mail|telegram|linkedin|pinterest|reddit|print|messenger|flipboard|tumblr|copy\s+link)\b[\s|,·•]*){3,}",
    re.IGNORECASE,
)
MAX_HEADER_CHARS = 600


def cut_share_row(line: str) -> str:
    """A line whose opening is a page header glued together (breadcrumbs, headline, byline, a row
    of share buttons: "... By Jo Roe - Share Facebook Twitter WhatsApp Email A senior official
    said") from after the share row; other lines unchanged."""
    row = _SHARE_ROW.search(line, 0, MAX_HEADER_CHARS)
    return line[row.end() :].lstrip() if row else line


# A list of other stories run on after the article's last sentence: "... could do so. Related
# Videos Related articles More from author ...".
_RELATED_TAIL = re.compile(
    r"(?:^|(?<=[.!?”\"’])\s+)(?:Related\s+(?:Videos?|Articles?|Stories|Posts|Content|Links|Reading)|More\s+from\s+(?:the\s+)?author"
    r"|Recommended\s+for\s+you|You\s+may\s+also\s+like)\b.*$",
    re.DOTALL,
)


def cut_related_tail(line: str) -> str:
    """A line without the list of other stories glued after its last sentence (or opening it)."""
    return _RELATED_TAIL.sub("", line, count=1)
