"""A chunk of documents as the encoder reads it: bounded documents (an over-long lead cut), every
distinct text once (`ChunkTexts`), the views tasks read, and progress by the encoder's batches."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from newsnlp.documents import Document, Paragraph
from newsnlp.documents.text import snippet_sentences
from newsnlp.tasks import DocView

T = TypeVar("T")

Progress = Callable[[float], None]


@dataclass
class ChunkTexts:
    """A chunk's documents split into what the encoder reads: each lead's sentences, each teaser's
    sentences (one unit per teaser unless scored by sentence), and every distinct text once."""

    docs: list[Document]
    sentences: list[list[str]]
    teaser_units: list[list[list[str]]]
    unique: list[str]
    whole_teasers: bool = True

    @classmethod
    def of(cls, docs: list[Document], by_sentence: bool, readable: int, whole_teasers: bool = True) -> ChunkTexts:
        """`readable`: characters of a teaser worth splitting (far past what the encoder reads).
        `whole_teasers` false (only with `by_sentence`: the cascade's sentiment-only tier): a
        teaser is read by its sentences alone, and its view's teaser vectors are zeros."""
        whole_teasers = whole_teasers or not by_sentence
        sentences = [doc.sentences() for doc in docs]
        units = [[snippet_sentences(t[:readable]) if by_sentence else [t] for t in doc.teasers] for doc in docs]
        unique: dict[str, None] = {}
        for doc, sents, parts in zip(docs, sentences, units):
            for text in [*sents, doc.lead, *(doc.teasers if whole_teasers else []), *(s for unit in parts for s in unit)]:
                if text:
                    unique.setdefault(text)
        return cls(docs, sentences, units, list(unique), whole_teasers)

    def views(self, vectors: np.ndarray) -> list[DocView]:
        """A view per document with text (a document without lead or teasers gets none)."""
        index = {text: i for i, text in enumerate(self.unique)}
        dim = vectors.shape[1]

        def rows(texts: list[str]) -> np.ndarray:
            return vectors[[index[t] for t in texts]] if texts else np.zeros((0, dim), dtype=np.float32)

        views = []
        for doc, sents, parts in zip(self.docs, self.sentences, self.teaser_units):
            if doc.error or (not sents and not doc.teasers):
                continue
            flat = [s for unit in parts for s in unit]
            lead = vectors[index[doc.lead]] if doc.lead else np.zeros(dim, dtype=np.float32)
            views.append(
                DocView(
                    doc=doc,
                    sentences=sents,
                    sentence_vectors=rows(sents),
                    lead_vector=lead,
                    teaser_vectors=rows(doc.teasers) if self.whole_teasers else np.zeros((len(doc.teasers), dim), dtype=np.float32),
                    teaser_sentences=parts,
                    teaser_sentence_vectors=rows(flat),
                )
            )
        return views


class ChunkProgress:
    """Documents done, reported as the encoder pass goes (most of a chunk's time): each batch of
    texts counts for its share of the chunk's documents; `finish` reports the rest."""

    def __init__(self, documents: int, texts: int, report: Progress | None) -> None:
        self.documents, self.texts, self.report, self.reported = documents, texts, report, 0.0

    def on_texts(self, n: int) -> None:
        if self.report and self.texts:
            step = min(self.documents * n / self.texts, self.documents - self.reported)
            self.reported += step
            self.report(step)

    def finish(self) -> None:
        if self.report and self.documents > self.reported:
            self.report(self.documents - self.reported)
            self.reported = self.documents


def bound_document(doc: Document, max_lead_chars: int, max_tokens: int) -> tuple[Document, list[str]]:
    """The document with an over-long lead cut at a paragraph (or, for one giant paragraph, a
    space) so memory and time stay bounded, and its warnings: the reader's, the cut's, and one
    per teaser far longer than the models read. The caller's document is left as it was."""
    warnings = list(doc.warnings)
    total = sum(len(p.text) for p in doc.paragraphs)
    if max_lead_chars and total > max_lead_chars:
        kept: list[Paragraph] = []
        used = 0
        for paragraph in doc.paragraphs:
            if used + len(paragraph.text) > max_lead_chars:
                room = max_lead_chars - used
                if room > 0 and not kept:  # a single giant paragraph: keep its start, cut at a space
                    cut = paragraph.text.rfind(" ", 0, room)
                    kept.append(replace(paragraph, text=paragraph.text[: cut if cut > 0 else room]))
                break
            kept.append(paragraph)
            used += len(paragraph.text)
        doc = replace(doc, paragraphs=kept)
        warnings.append(f"lead is {total:,} characters; the first {sum(len(p.text) for p in kept):,} were read (max_lead_chars)")
    for i, teaser in enumerate(doc.teasers):
        if len(teaser) > 10 * max_tokens:  # ~4 characters a token: far past what the encoder reads
            warnings.append(f"teaser {i} is {len(teaser):,} characters; the models read its first {max_tokens} tokens")
    return doc, warnings


def drain(steps: Generator[None, None, T]) -> T:
    """Run a stepped computation to its end; its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value
