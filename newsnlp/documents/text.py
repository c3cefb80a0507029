"""Sentence splitting and cleaning of scraped news text.

pysbd does the splitting; two guards make it robust to what real text holds: PTB-tokenised
sentence ends (`he said . Police`), which pysbd can merge, and glued sentences from scraped
pages (`community.Dr Venter`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import pysbd

from newsnlp.documents.furniture import strip_leading_stamp

# "said . Next" / "rose 5 % ." : a lone end mark between spaces closes a tokenised sentence.
_PTB_END = re.compile(r"(?<=\s[.!?])\s+(?=[\"'`(\[]*[A-Z0-9])")
# "community.Dr Venter": a word of 2+ lowercase letters, an end mark, then a capitalised word.
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
# Editor's or agency tags closing a paragraph: "(alg)", "(jk/dp)", "(Reporting by ...)" is kept.
_EDITOR_TAG = re.compile(r"\s*\((?:[a-z]{2,4})(?:/[a-z]{2,4})*\)\s*$")
_SPACES = re.compile(r"[ \t\u00a0]+")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    _compile_once_for_pysbd()
    return pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=16_384)
def _compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


class _PatternCache:
    """`re` for pysbd's modules, with a larger cache of compiled patterns: pysbd builds about
    2,000 distinct patterns (per abbreviation) on a few articles, more than `re`'s own cache
    keeps, so it compiled them again and again (measured: 0.83 s -> 0.60 s on 50 dev articles,
    the same sentences)."""

    def __getattr__(self, name: str) -> object:
        return getattr(re, name)

    def compile(self, pattern: str | re.Pattern[str], flags: int = 0) -> re.Pattern[str]:
        return _compiled(pattern, flags) if isinstance(pattern, str) else pattern

    def sub(self, pattern: str, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0, flags: int = 0) -> str:
        return self.compile(pattern, flags).sub(repl, string, count)

    def subn(self, pattern: str, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0, flags: int = 0) -> tuple[str, int]:
        return self.compile(pattern, flags).subn(repl, string, count)

    def search(self, pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
        return self.compile(pattern, flags).search(string)

    def match(self, pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
        return self.compile(pattern, flags).match(string)

    def fullmatch(self, pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
        return self.compile(pattern, flags).fullmatch(string)

    def findall(self, pattern: str, string: str, flags: int = 0) -> list[object]:
        return self.compile(pattern, flags).findall(string)

    def finditer(self, pattern: str, string: str, flags: int = 0) -> object:
        return self.compile(pattern, flags).finditer(string)

    def split(self, pattern: str, string: str, maxsplit: int = 0, flags: int = 0) -> list[str | object]:
        return self.compile(pattern, flags).split(string, maxsplit)


def _compile_once_for_pysbd() -> None:
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("pysbd") and getattr(module, "re", None) is re:
            vars(module)["re"] = _PatternCache()  # a module attribute pysbd reads at call time


def clean_paragraph(text: str) -> str:
    """Collapse spaces and drop a trailing editor's tag such as `(alg)`."""
    text = _SPACES.sub(" ", text).strip()
    return _EDITOR_TAG.sub("", text).strip()


def is_crosshead(line: str) -> bool:
    """A heading, never a sentence: a line in capitals (`THE CHOICE IS WAR OR PEACE, SAYS PUTIN`)
    or a title-case line that does not end as a sentence does (`Oil Market Counts the Cost`)."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and len(line.split()) >= 2:
        return True
    return _is_title_case_heading(line)


# Words a title leaves in lower case ("Counts the Cost of the Deal").
_MINOR_WORDS = frozenset(
    "a an and as at but by for from in into nor of off on onto or over per the to up upon via vs with without is are was be its it".split()
)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'’”)\]]*$")


def _is_title_case_heading(line: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’-]*", line)
    if not 2 <= len(words) <= 20 or _SENTENCE_END.search(line.strip()):
        return False
    major = [w for w in words if w.lower() not in _MINOR_WORDS]
    return len(major) >= 2 and all(w[0].isupper() for w in major)


# A dateline opening a paragraph: "LONDON, Nov 2 (Reuters) —", "NEW YORK (AP) --", "BEIJING —",
# "HOUSTON, Texas (KTRK) --",
# "(Reuters) -". It belongs to no sentence: a summary's first sentence starts after it.
_DATELINE = re.compile(
    r"^(?:"
    r"[A-Z][A-Z.'’]+(?:[ -][A-Z][A-Z.'’]+){0,3}"  # the place, in capitals
    r"(?:,\s*[A-Z][A-Za-z.'’]+(?:\s[A-Z][A-Za-z.'’]+){0,2}(?=\s*(?:\(|—|–|--)))?"  # its region: ", Texas (KTRK)", ", GAZA —"
    r"(?:(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*\([A-Z][A-Za-z .&/-]{0,30}\)\s*(?:—|–|--?)|,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2}(?:,\s*\d{4})?\s*(?:—|–|--?)|\s*(?:—|–))"
    r"|\([A-Z][A-Za-z .&/-]{0,30}\)\s*(?:—|–|--?)"  # or the agency alone
    r")\s+(?=[\"'“‘(]*[A-Z0-9])"
)


def strip_dateline(line: str) -> str:
    return _DATELINE.sub("", line, count=1)


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences; a newline is always a boundary. Each distinct
    paragraph is split once (crawls repeat teasers and boilerplate; pysbd is most of the time
    outside the encoder); a paragraph over PYSBD_BLOCK characters is not kept (memory stays bounded)."""
    return list(_split_once(paragraph) if len(paragraph) <= PYSBD_BLOCK else _split(paragraph))


@lru_cache(maxsize=65_536)
def _split_once(paragraph: str) -> tuple[str, ...]:
    return _split(paragraph)


def forget_splits() -> None:
    """Empty the split cache (nlp bench times a cold run)."""
    _split_once.cache_clear()


def _split(paragraph: str) -> tuple[str, ...]:
    sentences: list[str] = []
    for line in paragraph.splitlines():
        line = strip_leading_stamp(strip_dateline(clean_paragraph(line)))
        if not line:
            continue
        for chunk in _PTB_END.split(line):
            for piece in _GLUED.split(chunk):
                for block in _blocks(piece):
                    sentences.extend(s.strip() for s in _segmenter().segment(block) if s.strip())
    return tuple(sentences)


PYSBD_BLOCK = 4000  # characters: pysbd's time grows with the square of its input (80 KB took 6 s)
_LIKELY_END = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]*[A-Z0-9])")


def _blocks(text: str, limit: int = PYSBD_BLOCK) -> list[str]:
    """`text` in pieces of at most `limit` characters, each cut after a likely sentence end (else
    at a space), so pysbd's run time stays linear in the text's length."""
    blocks = []
    while len(text) > limit:
        ends = [m.end() for m in _LIKELY_END.finditer(text, 0, limit)]
        cut = ends[-1] if ends else (text.rfind(" ", 0, limit) + 1 or limit)
        blocks.append(text[:cut])
        text = text[cut:]
    return blocks + [text] if text else blocks


# An end mark, closing quotes or brackets, a space, then what can open a sentence.
_MAYBE_SEVERAL = re.compile(r"[.!?][\"')\]]*\s+[\"'(\[]*[A-Z0-9]")


def snippet_sentences(snippet: str) -> list[str]:
    """A teaser's sentences; pysbd runs only on a snippet that may hold more than one."""
    if not _MAYBE_SEVERAL.search(snippet):
        return [snippet]
    return split_sentences(snippet) or [snippet]


def teaser_cut(text: str, chars: int) -> str:
    """The opening of `text` as a news page shows it: cut at `chars` characters, mid-word as pages
    cut them, and closed with `...` (the seed page's teasers run 200-250 characters)."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars].rstrip() + "..."


def word_count(text: str) -> int:
    return len(text.split())
