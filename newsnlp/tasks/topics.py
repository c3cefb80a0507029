"""Topics from label prototypes (zero-shot), optionally blended with a trained head, with
abstention to the `other` label.

A head trained on one source collapses on another (measured: 0.87 → 0.31 macro-F1 from AG News
to Reuters). The packaged heads are fitted on news teasers and on open-web headlines (sport,
gadgets, recipes, local news: what `other` holds) and blended with the prototypes at one weight
on every text, chosen with each group of sources held out (README, Quality). A head may instead
be trusted per text by its familiarity (`train.familiarity`: how close the text is to the head's
training texts), which the news-only heads did: off the beat, the prototypes then decided, and
gave news labels to recipes and sport.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from newsnlp.config import LabelSpec, TopicsConfig, packaged_default
from newsnlp.heads.predict import LinearHead, load_head
from newsnlp.numeric import blend, softmax
from newsnlp.records import Abstained, Partial, TopicResult
from newsnlp.tasks.base import DocView, Reads, embeddings_of, rounded
from newsnlp.tasks.prototypes import PrototypeScorer

PACKAGED_TOPICS = tuple(packaged_default()["tasks"]["topics"]["labels"])


class HeadPart(NamedTuple):
    """What the head says of a batch of texts, in the task's label order."""

    probs: np.ndarray  # (n, n_labels) probabilities
    label_scores: np.ndarray  # (n, n_labels) independent scores, NaN where the head has none
    weight: np.ndarray  # (n,) head_weight × familiarity
    known: np.ndarray | None = None  # (n_labels,) labels the head was trained on; None: exactly the task's labels


# How much nearer (in cosine) a new label's prototypes must be than the catch-all's description
# for one of the catch-all's examples to be set aside (README: your own topic labels).
SET_ASIDE_MARGIN = 0.15


class EmbeddingTopics:
    """Topics from the shared embeddings: label prototypes, blended with a head where trusted."""

    name = "topics"
    reads: frozenset[Reads] = frozenset({"embeddings"})

    def __init__(self, config: TopicsConfig, encode, head: LinearHead | None = None, *, encoder: str = "mpnet") -> None:
        self.config = config
        self.scorer = PrototypeScorer(topic_labels(config), encode, config.prototype_smoothing, without=[config.other_label])
        set_aside = self._set_aside_for_new_labels()
        self.labels = self.scorer.labels
        self.other = self.labels.index(config.other_label)
        if head is None and config.method == "head":
            head = load_head(config.head, "topics", encoder)
        self.head = head
        head_labels = list(dict.fromkeys(head.task_labels)) if head is not None else []
        exact = head is None or set(head_labels) == set(self.labels)
        self.known = None if exact else np.isin(self.labels, head_labels)
        self.notes = label_notes(config, head_labels) + set_aside + self._overshadowed(encode)

    def _set_aside_for_new_labels(self) -> list[str]:
        """A user's labels take over the catch-all's examples that read as them (see
        `PrototypeScorer.set_aside`); a note names those examples."""
        other = self.config.other_label
        new = [n for n in self.scorer.labels if n != other and n not in PACKAGED_TOPICS]
        spec = self.config.labels.get(other)
        if not new or spec is None or not spec.description.strip():
            return []
        gone = self.scorer.set_aside(other, new, SET_ASIDE_MARGIN)
        if not gone:
            return []
        return [
            f"topics: {len(gone)} of {other!r}'s examples read as {', '.join(map(repr, new))} and no longer count for {other!r}: {'; '.join(gone)}"
        ]

    def _overshadowed(self, encode) -> list[str]:
        """A label of the user's whose own name is classified as another label: texts about it
        will mostly go there (a user's `technology` under `other`, which has `technology` among
        its examples)."""
        names = [n for n in self.labels if n != self.config.other_label and n not in PACKAGED_TOPICS]
        if not names:
            return []
        probs = self.combine(self.scorer.similarities(encode(names)), None, self.config.temperature)
        notes = []
        for name, winner, row in zip(names, self.decide(probs, self.config.threshold), probs):
            if self.labels[winner] != name:
                rival = self.labels[winner]
                notes.append(
                    f"topics: the text {name!r} is itself classified {rival!r} ({row[winner]:.2f}), so texts about {name!r} may "
                    f"be too: add examples to {name!r}, or remove overlapping ones from {rival!r}"
                )
        return notes

    def head_part(self, texts: Sequence[str] | None, vectors: np.ndarray, head: LinearHead | None = None) -> HeadPart | None:
        """The head's (or another head's: a fold's, in cross-validation) scores in this task's
        label order and its per-text weight, from one pass over its features; None without one."""
        head = head or self.head
        if head is None:
            return None
        probs, independent = head.task_scores(vectors, texts, self.labels)
        return HeadPart(probs, independent, self.config.head_weight * head.familiarity(vectors), self.known)

    def combine(self, similarities: np.ndarray, head_part: HeadPart | None, temperature: float) -> np.ndarray:
        """Prototype softmax, blended per text with the head where it is trusted."""
        probs = softmax(similarities, temperature)
        return probs if head_part is None else blend(with_new_labels(head_part, probs), probs, head_part.weight)

    def independent(self, similarities: np.ndarray, head_part: HeadPart | None) -> np.ndarray:
        """(n, n_labels) independent scores in [0, 1], one per label (not shares of a softmax):
        the prototypes' cosine through a sigmoid (`label_center`, `label_scale`), and, for labels
        the head has a one-vs-rest score for, that score blended in by the head's weight."""
        scores = prototype_label_scores(similarities, self.config)
        if head_part is None:
            return scores
        weight = head_part.weight[:, None]
        return np.where(np.isnan(head_part.label_scores), scores, weight * np.nan_to_num(head_part.label_scores) + (1 - weight) * scores)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None, head: LinearHead | None = None) -> np.ndarray:
        """(n, n_labels) scores summing to 1: what the threshold reads."""
        vectors = embeddings_of(texts, vectors)
        return self.combine(self.scorer.similarities(vectors), self.head_part(texts, vectors, head), self.config.temperature)

    def label_scores(self, texts: Sequence[str], vectors: np.ndarray | None = None, head: LinearHead | None = None) -> np.ndarray:
        """(n, n_labels) independent scores in [0, 1]: what decides the labels that apply."""
        vectors = embeddings_of(texts, vectors)
        return self.independent(self.scorer.similarities(vectors), self.head_part(texts, vectors, head))

    def decide(self, probs: np.ndarray, threshold: float) -> np.ndarray:
        return decide(probs, self.other, threshold)

    def classify(self, texts: Sequence[str], vectors: np.ndarray | None = None, head: LinearHead | None = None) -> list[TopicResult]:
        """One topic per text: label, scores of every label, the labels that apply and their
        independent scores. `head`: another head than the task's own (a fold's: `nlp train`
        cross-validates through this method, so it scores the method exactly as it runs)."""
        vectors = embeddings_of(texts, vectors)
        similarities, head_part = self.scorer.similarities(vectors), self.head_part(texts, vectors, head)  # each once, for both views
        return topic_records(
            self.combine(similarities, head_part, self.config.temperature),
            self.labels,
            self.other,
            self.config,
            self.independent(similarities, head_part),
        )

    def __call__(self, views: list[DocView]) -> list[Partial]:
        texts = [t for view in views for t in (view.doc.lead, *view.doc.teasers)]
        if not views:
            return []
        vectors = np.vstack([np.vstack([view.lead_vector[None, :], view.teaser_vectors]) for view in views])
        return split_per_document(views, self.classify(texts, vectors))


def with_new_labels(head_part: HeadPart, prototype_probs: np.ndarray) -> np.ndarray:
    """The head's probabilities over the task's labels when they are not the head's own: a label
    the head was never trained on (a user's `technology`) takes its prototype probability, and
    the head shares the rest among the labels it knows (a class the config dropped is left
    out). Without this, a new label got 0 from the head and could never win."""
    if head_part.known is None:
        return head_part.probs
    known = head_part.known
    new_mass = prototype_probs[:, ~known].sum(axis=1, keepdims=True)
    head_known = head_part.probs[:, known]
    share = head_known / np.clip(head_known.sum(axis=1, keepdims=True), 1e-12, None)
    probs = prototype_probs.copy()
    probs[:, known] = share * (1.0 - new_mass)
    return probs


def label_notes(config: TopicsConfig, head_labels: Sequence[str]) -> list[str]:
    """One line each for what a user's labels do that they might not expect (said at start-up)."""
    notes = []
    left_out = [name for name in PACKAGED_TOPICS if name not in config.labels]
    if left_out:
        abstain = f"; {config.other_label!r} is then the abstain label only, with no prototypes" if config.other_label in left_out else ""
        notes.append(f"topics: the labels leave out {', '.join(map(repr, left_out))} (labels_mode: {config.labels_mode}){abstain}")
    if head_labels:
        new = [name for name in config.labels if name not in head_labels and name != config.other_label]
        if new:
            notes.append(
                f"topics: {', '.join(repr(n) for n in new)} {'is' if len(new) == 1 else 'are'} not among the head's labels "
                f"({', '.join(head_labels)}): scored by {'its' if len(new) == 1 else 'their'} prototypes (description and examples) alone"
            )
    bare = [
        name
        for name, spec in config.labels.items()
        if name != config.other_label and not spec.description.strip() and not any(e.strip() for e in spec.examples)
    ]
    if bare and config.method != "nli":
        notes.append(
            f"topics: {', '.join(repr(n) for n in bare)} {'has' if len(bare) == 1 else 'have'} no description or examples: "
            "the label's name alone is its prototype; add a description and a few examples"
        )
    return notes


def topic_labels(config: TopicsConfig) -> dict[str, LabelSpec]:
    """The configured labels, plus the abstain label (always reported, even when not described)."""
    labels = dict(config.labels)
    if config.other_label not in labels:
        labels[config.other_label] = LabelSpec()
    return labels


def decide(probs: np.ndarray, other: int, threshold: float) -> np.ndarray:
    """Label index per row: the best real label, or `other` when it wins or the best real label
    scores under `threshold`. Every topics method abstains by this one rule."""
    real = probs.copy()
    real[:, other] = -1.0
    best = real.argmax(axis=1)
    abstain = (probs.argmax(axis=1) == other) | (probs[np.arange(len(probs)), best] < threshold)
    return np.where(abstain, other, best)


def prototype_label_scores(similarities: np.ndarray, config: TopicsConfig) -> np.ndarray:
    """Each label's smoothed-max prototype cosine through a sigmoid: 0.5 at `label_center`;
    0 for a label without prototypes."""
    z = (similarities - config.label_center) / config.label_scale
    return np.where(np.isfinite(z), 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))), 0.0)


def applicable_labels(label: int, label_scores: np.ndarray, labels: list[str], other: int, threshold: float) -> list[str]:
    """The decided label first, then every other real label whose independent score reaches
    `threshold`, best first; an abstention stays `[other]`."""
    if label == other:
        return [labels[other]]
    extra = [j for j in np.argsort(-label_scores) if j not in (label, other) and label_scores[j] >= threshold]
    return [labels[label]] + [labels[j] for j in extra]


def topic_records(probs: np.ndarray, labels: list[str], other: int, config: TopicsConfig, label_scores: np.ndarray) -> list[TopicResult]:
    """Per row: the decided label, every label's score (the distribution the threshold reads),
    the labels that apply, and each label's independent score."""
    chosen = decide(probs, other, config.threshold) if len(probs) else np.zeros(0, dtype=int)
    results: list[TopicResult] = []
    for row, label, independent in zip(probs, chosen, label_scores):
        result: TopicResult = {
            "label": labels[label],
            "scores": rounded(dict(zip(labels, row))),
            "labels": applicable_labels(int(label), independent, labels, other, config.label_threshold),
            "label_scores": rounded({name: independent[i] for i, name in enumerate(labels) if i != other}),
        }
        why = abstention(row, int(label), labels, other, config.threshold)
        if why is not None:
            result["abstained"] = why
        results.append(result)
    return results


def abstention(row: np.ndarray, label: int, labels: list[str], other: int, threshold: float) -> Abstained | None:
    """Why a text is `other` when the threshold made it so: the best real label and its score
    under the threshold. None when a real label won, or `other` won outright."""
    if label != other or row.argmax() == other or len(labels) < 2:
        return None
    real = row.copy()
    real[other] = -1.0
    best = int(real.argmax())
    return {"reason": "threshold", "best": labels[best], "score": round(float(row[best]), 4), "threshold": float(threshold)}


def split_per_document(views: list[DocView], topics: list[TopicResult]) -> list[Partial]:
    """Topics computed for [lead, *teasers] of every view, in order -> one partial record per document."""
    records: list[Partial] = []
    start = 0
    for view in views:
        mine = topics[start : start + 1 + len(view.doc.teasers)]
        start += len(mine)
        partial: Partial = {"teasers": [{"topic": t} for t in mine[1:]]}
        if view.doc.lead.strip():  # a page without a lead (a feed, a front page) has no article to label
            partial["article"] = {"topic": mine[0]}
        records.append(partial)
    return records
