"""Mean pooling, written once: the sentence-transformers recipe (the mean of the token vectors
the attention mask keeps). The encoder, its ONNX export and the bench's naive baseline all pool
through it; it takes torch tensors or numpy arrays alike."""

from __future__ import annotations

from typing import Any

Array = Any  # a torch.Tensor or a numpy.ndarray: the same operators on both (no common type says so)


def mean_pool(hidden: Array, mask: Array) -> Array:
    """(batch, tokens, dim) token vectors and a (batch, tokens) 0/1 mask in the vectors' dtype ->
    (batch, dim) means over the kept tokens; an all-padding row stays 0 (no division by zero)."""
    kept = mask[..., None]  # (batch, tokens, 1)
    return (hidden * kept).sum(1) / kept.sum(1).clip(min=1e-9)
