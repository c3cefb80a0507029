"""Which language a text is in: the packaged encoders and heads read English, so a record says
what it read (`lang`), and a text in a language the encoder does not read gets no topic or
sentiment from it (`abstained`, reason `language`).

Headlines are short, so one rule does not fit all scripts. Text written mostly in a non-Latin
script (CJK, Hangul, Cyrillic, Arabic, ...) is not English whatever its length: py3langid names
the language among those of that script. Latin-script text is called another language only when
py3langid gives English almost no chance (`NOT_ENGLISH`), is sure of the other language
(`SURE_OTHER`), and the text holds none of English's commonest function words. Measured on 3,301
English headlines and teasers of the development data, each also cut to its first five words
(datelines and names: "Rio de Janeiro, Nov. 19,"), that rule named none of the 6,602 another
language; it named 19 of 24 short Portuguese, Spanish, German, French, Italian, Dutch, Polish,
Turkish and Indonesian headlines written for the check (the five it missed read English to it:
"Neymar volta ao Santos"). py3langid's model ships in its wheel (no download, no pickle)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from newsnlp.documents.document import Document

SAMPLE_CHARS = 2000  # of the lead and teasers: enough to tell a language, bounded for long pages
NOT_ENGLISH = 0.02  # Latin script: py3langid's probability of English under this, ...
SURE_OTHER = 0.8  # ... its best other language's at least this, and ...
MIN_WORDS = 3  # ... at least this many words, or the language is undetermined ("und")
ENGLISH = "en"
UNDETERMINED = "und"
# Languages py3langid chooses among: widely written ones. Its full set holds English-based creoles
# (Nigerian Pidgin) that it gave to one English headline in eight.
LANGUAGES = (
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk ml mr ne nl no pa pl pt ro ru sk sl sq sv sw "
    "ta te th tl tr uk ur vi zh"
).split()
_FUNCTION_WORDS = re.compile(
    r"\b(?:the|of|and|for|with|from|after|over|says|will|has|have|are|was|were|this|that|its|their|how|why|what|who|into|about)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def _latin_share(text: str) -> float:
    """Of the text's letters, the share written in the Latin script (1.0 without letters)."""
    if text.isascii():
        return 1.0
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    latin = sum(1 for c in letters if c.isascii() or unicodedata.name(c, "").startswith("LATIN"))
    return latin / len(letters)


def language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or `und` when too little text says which."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if sample.isascii() and len(sample.split()) >= MIN_WORDS and _FUNCTION_WORDS.search(sample):
        return ENGLISH  # the rule's answer, without the identifier: most English text (a turbo run asks per teaser)
    letters = sum(c.isalpha() for c in sample)
    if _latin_share(sample) < 0.5:  # another script: not English, however short
        return str(_identifier().classify(sample)[0]) if letters >= 2 else UNDETERMINED
    if len(sample.split()) < MIN_WORDS:
        return UNDETERMINED
    probe = sample.lower() if sum(c.isupper() for c in sample) > letters / 2 else sample  # an all-caps headline
    ranked = _identifier().rank(probe)
    best = str(ranked[0][0])
    if best == ENGLISH or dict(ranked).get(ENGLISH, 0.0) >= NOT_ENGLISH or ranked[0][1] < SURE_OTHER or _FUNCTION_WORDS.search(sample):
        return ENGLISH
    return best


def document_language(doc: Document) -> str:
    return language(" ".join([doc.lead, *doc.teasers]))


def unreadable(code: str, readable: Iterable[str]) -> bool:
    """Whether a text of language `code` is one the encoder does not read (undetermined: read)."""
    return code != UNDETERMINED and code not in readable


def not_read_warning(code: str) -> str:
    return f"the text reads as language '{code}', which the encoder does not read: no topic or sentiment is given for it (encoder.languages)"
