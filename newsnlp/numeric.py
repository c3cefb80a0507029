"""Small numeric helpers shared by tasks and heads."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of `logits / temperature`; -inf logits get probability 0."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def blend(head_probs: np.ndarray, fallback_probs: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per row: `weight` × the head's probabilities + (1 − weight) × the fallback's."""
    return weight[:, None] * head_probs + (1 - weight[:, None]) * fallback_probs
