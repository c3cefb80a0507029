"""Extractive summaries: centrality to the article's centroid, a lead-position prior, and MMR.

Measured on the dev sets, plain centroid selection falls well below Lead-3 on news; adding the
position prior and redundancy removal is what brings it level with or above Lead-3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import SummarizeConfig
from ..text import word_count
from .base import DocView


def centrality(vectors: np.ndarray) -> np.ndarray:
    """Each sentence's cosine to the article's centroid, min-max scaled to [0, 1]."""
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    cos = vectors @ centroid
    spread = cos.max() - cos.min()
    return (cos - cos.min()) / spread if spread > 1e-9 else np.ones_like(cos)


def position_trust(scaled_centrality: np.ndarray, config: SummarizeConfig) -> float:
    """The position prior's weight for this article. Adaptive: full weight when the first
    sentence is about as central as the most central one (an inverted-pyramid lead), fading
    when it is not (an opening scene or quote)."""
    if not config.adaptive or len(scaled_centrality) < 2:
        return config.position_weight
    gap = float(scaled_centrality[0] - scaled_centrality.max())  # in [-1, 0]
    return config.position_weight / (1.0 + np.exp(-(gap - config.adaptive_gap) / config.adaptive_slope))


def sentence_scores(vectors: np.ndarray, position_weight: float, position_decay: float, scaled_centrality: np.ndarray | None = None) -> np.ndarray:
    """Blend of min-max-scaled centrality and a prior that halves every `position_decay` sentences."""
    scaled = centrality(vectors) if scaled_centrality is None else scaled_centrality
    prior = 0.5 ** (np.arange(len(vectors)) / position_decay)
    return (1 - position_weight) * scaled + position_weight * prior


def select_mmr(scores: np.ndarray, vectors: np.ndarray, k: int, redundancy: float, eligible: np.ndarray) -> list[int]:
    """Greedy maximal marginal relevance: score minus `redundancy` × max similarity to picked ones."""
    candidates = [i for i in range(len(scores)) if eligible[i]] or list(range(len(scores)))
    picked: list[int] = []
    while candidates and len(picked) < k:
        if picked:
            overlap = (vectors[candidates] @ vectors[picked].T).max(axis=1)
        else:
            overlap = np.zeros(len(candidates))
        best = candidates[int(np.argmax(scores[candidates] - redundancy * overlap))]
        picked.append(best)
        candidates.remove(best)
    return sorted(picked)


def summarize_sentences(sentences: list[str], vectors: np.ndarray, config: SummarizeConfig) -> list[dict[str, Any]]:
    if not sentences:
        return []
    scaled = centrality(vectors)
    scores = sentence_scores(vectors, position_trust(scaled, config), config.position_decay, scaled)
    eligible = np.array([word_count(s) >= config.min_words for s in sentences])
    picked = select_mmr(scores, vectors, config.sentences, config.redundancy, eligible)
    return [{"index": i, "text": sentences[i], "score": round(float(scores[i]), 4)} for i in picked]


class ExtractiveSummarizer:
    name = "summarize"
    needs_embeddings = True

    def __init__(self, config: SummarizeConfig) -> None:
        self.config = config

    def __call__(self, views: list[DocView]) -> list[dict[str, Any]]:
        records = []
        for view in views:
            chosen = summarize_sentences(view.sentences, view.sentence_vectors, self.config)
            text = " ".join(s["text"] for s in chosen)
            records.append({"summary": {"method": "extractive", "text": text, "sentences": chosen}})
        return records
