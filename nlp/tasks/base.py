"""The interface every task implements, and the view of a document that tasks read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from nlp.documents import Document


@dataclass
class DocView:
    """A document with its lead sentences and their embeddings from the one shared encoder pass."""

    doc: Document
    sentences: list[str]
    sentence_vectors: np.ndarray  # (n_sentences, dim), unit rows
    lead_vector: np.ndarray  # (dim,), the whole lead (truncated to the encoder's limit)
    teaser_vectors: np.ndarray  # (n_teasers, dim)
    # Each teaser's sentences (sentence-level scorers read them) and their vectors, flattened in
    # order; None: every teaser is one sentence, read from `doc.teasers` and `teaser_vectors`.
    teaser_sentences: list[list[str]] | None = None
    teaser_sentence_vectors: np.ndarray | None = None

    def teaser_units(self) -> list[list[str]]:
        return self.teaser_sentences if self.teaser_sentences is not None else [[t] for t in self.doc.teasers]

    def teaser_unit_vectors(self) -> np.ndarray:
        return self.teaser_sentence_vectors if self.teaser_sentence_vectors is not None else self.teaser_vectors


class Task(Protocol):
    """Reads a batch of document views and returns one partial record per document.

    Partial records are merged by the pipeline: top-level keys (e.g. `summary`), `article`
    keys, and per-teaser keys under `teasers` (a list aligned with the document's teasers).
    """

    name: str
    needs_embeddings: bool  # reads the shared encoder's vectors (else the pipeline may skip that pass)

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]: ...


def rounded(scores: dict[str, float], digits: int = 4) -> dict[str, float]:
    return {k: round(float(v), digits) for k, v in scores.items()}
