"""The interface every task implements, and the view of a document that tasks read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from newsnlp.documents import Document
from newsnlp.records import Partial, TopicResult


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


Reads = Literal["embeddings", "teaser_sentences"]  # what a task reads of a DocView beyond the document itself


class Task(Protocol):
    """Reads a batch of document views and returns one partial record per document.

    `reads` says what the pipeline must prepare: the shared encoder's vectors ("embeddings"; with
    no such task the encoder is neither loaded nor run) and each teaser split into sentences
    ("teaser_sentences"). Partials are merged by the pipeline (`newsnlp.records.merge_partial`).
    """

    name: str
    reads: frozenset[Reads]

    def __call__(self, views: list[DocView]) -> list[Partial]: ...


class TopicsTask(Task, Protocol):
    """Every topics method: one label per text (the abstain label `labels[other]` when unsure),
    the labels that apply, and every label's score."""

    labels: list[str]
    other: int  # index of the abstain label
    notes: list[str]  # said at start-up: what the configured labels do that a user may not expect

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, len(labels)) scores summing to 1 per text; `vectors`: the texts' embeddings, for
        methods that read them."""
        ...

    def classify(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[TopicResult]: ...


class SentimentTask(Task, Protocol):
    """Every sentiment method: probabilities of negative, neutral, positive per sentence."""

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive; `vectors` as for topics."""
        ...


def embeddings_of(texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
    """The texts' embeddings, which embedding methods cannot do without."""
    if vectors is None or len(vectors) != len(texts):
        raise ValueError(
            f"{len(texts)} texts need their {len(texts)} embeddings (the shared encoder's vectors); got {'none' if vectors is None else len(vectors)}"
        )
    return vectors


def rounded(scores: dict[str, float], digits: int = 4) -> dict[str, float]:
    return {k: round(float(v), digits) for k, v in scores.items()}
