"""Which language a document is in: nlp's models and heads read English, so a record says what
it read (`lang`) and a document in another language gets a warning. py3langid's model ships in
its wheel (no download, no pickle) and classifies a text in well under a millisecond."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from newsnlp.documents.document import Document

SAMPLE_CHARS = 2000  # of the lead and teasers: enough to tell a language, bounded for long pages
SURE = 0.5  # below this probability the language is undetermined ("und")
ENGLISH = "en"
UNDETERMINED = "und"


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or `und` when too little text says which."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if len(sample.split()) < 3:
        return UNDETERMINED
    code, probability = _identifier().classify(sample)
    return str(code) if probability >= SURE else UNDETERMINED


def document_language(doc: Document) -> str:
    return language(" ".join([doc.lead, *doc.teasers]))


def not_english_warning(code: str) -> str:
    return f"the text reads as language '{code}', not English: nlp's models and heads read English, so its labels may be wrong"
