"""Budgets checked on a page's or a feed's bytes before any parser sees them. lxml cannot be
interrupted once it runs (not from a thread, not by a timeout), and some shapes cost it far
more than their size: one element with 56,000 distinct attributes (0.88 MB) took 76 s, the
attribute check being quadratic; 400,000 empty elements (5.6 MB) took 65 s. A linear scan of
the bytes counts elements and each element's attributes; over a budget, the document is refused
in one line naming the count, the budget and its key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsnlp.errors import InputError

_TAG = re.compile(rb"<!--|<([A-Za-z][^\s/>]*)")
# One step through a start tag: an attribute (a name, an optional value), or a maximal run of
# the separators and stray quotes that lenient parsers skip. Each step consumes a byte or more,
# and no two runs follow each other, so a tag takes at most twice its attributes' steps.
_STEP = re.compile(rb"""\s*(?:([^\s"'<>/=`]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?|[/="'`]+)""")
_RAW_TEXT = {b"script", b"style", b"textarea", b"title", b"xmp"}  # their content is text to the parser, not tags


@dataclass(frozen=True)
class Shape:
    """What the scan found: elements (start tags), and the most attributes on one of them."""

    elements: int
    most_attributes: int


def scan(data: bytes, max_elements: int, max_attributes: int) -> Shape:
    """Count start tags and their attributes in one pass, in time linear in the bytes, stopping
    early past a budget. Comments and raw-text elements (script, style) are skipped as the
    parser skips them; CDATA is scanned (a feed's CDATA is HTML that is parsed next)."""
    elements = most = 0
    position = 0
    while elements <= max_elements and most <= max_attributes:
        match = _TAG.search(data, position)
        if match is None:
            break
        if match.group(1) is None:  # a comment: to its end
            close = data.find(b"-->", match.end())
            position = len(data) if close < 0 else close + 3
            continue
        elements += 1
        attributes, position = _attributes(data, match.end(), max_attributes)
        most = max(most, attributes)
        name = match.group(1).lower()
        if name in _RAW_TEXT:
            end = re.compile(rb"</" + name + rb"[\s/>]", re.IGNORECASE).search(data, position)
            position = len(data) if end is None else end.start()
    return Shape(elements, most)


def _attributes(data: bytes, position: int, limit: int) -> tuple[int, int]:
    """The attributes of the tag whose name ends at `position` (counted up to `limit` + 1), and
    where the count stopped."""
    count = 0
    while count <= limit:
        match = _STEP.match(data, position)
        if match is None or match.end() == position:
            return count, position
        count += match.group(1) is not None
        position = match.end()
    return count, position


def check_budgets(data: bytes, name: str, *, max_elements: int, max_attributes: int, section: str) -> None:
    """Refuse markup over its budgets (`section`: the config section the keys live in)."""
    shape = scan(data, max_elements, max_attributes)
    if shape.elements > max_elements:
        raise InputError(f"{name}: more than {max_elements:,} elements, over {section}.max_elements; not parsed")
    if shape.most_attributes > max_attributes:
        raise InputError(
            f"{name}: an element with {shape.most_attributes:,} attributes, over {section}.max_attributes ({max_attributes:,}); not parsed"
        )
