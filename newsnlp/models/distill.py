"""Distil a static token table from a sentence encoder, by model2vec's method (MIT): every
vocabulary token goes through the transformer alone ([CLS] token [SEP], mean-pooled as the
encoder pools sentences), PCA keeps `dims` directions (sign fixed so a rerun gives the same
table), and SIF weights (Zipf by token rank) damp frequent tokens.

`refine` then fits the table to the transformer's own vectors of real sentences (tokenlearn's
idea, as one ridge regression): a text's static vector, the mean of its tokens' rows, is pulled
toward the transformer's vector of that text projected by the same PCA.

Minutes on a CPU for a base-size model: this runs in scripts/build_static.py, never in a run,
a test on a real model, the server or a benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.models.static import StaticModel

SIF = 1e-4  # model2vec's default SIF coefficient


def token_vectors(folder: Path, batch: int = 512, on_batch: Callable[[int], None] | None = None) -> tuple[np.ndarray, str]:
    """Every vocabulary token's vector from the model in `folder` (fp32 torch on the CPU), and
    the tokenizer's JSON."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    model = AutoModel.from_pretrained(folder, local_files_only=True, trust_remote_code=False, dtype=torch.float32).eval()
    size = len(tokenizer)
    first, last = tokenizer.cls_token_id, tokenizer.sep_token_id
    if first is None or last is None:
        first = last = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else 0
    rows = []
    with torch.inference_mode():
        for start in range(0, size, batch):
            ids = torch.arange(start, min(start + batch, size))[:, None]
            inputs = torch.cat([torch.full_like(ids, first), ids, torch.full_like(ids, last)], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            rows.append(hidden.mean(dim=1).float().numpy())
            if on_batch:
                on_batch(len(ids))
    return np.vstack(rows).astype(np.float64), tokenizer.backend_tokenizer.to_str()


def fitted_pca(vectors: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the top `dims` principal directions (rows), each signed so its largest
    loading is positive: SVD's sign is arbitrary, and heads are fitted to one exact table."""
    mean = vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    components = vt[: min(dims, vt.shape[0])]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return mean, components * signs[:, None]


def sif_weights(size: int) -> np.ndarray:
    """model2vec's SIF weights with a Zipf prior by token id (vocabularies list common tokens first)."""
    inverse_rank = 1.0 / np.arange(2, size + 2)
    probability = inverse_rank / inverse_rank.sum()
    return SIF / (SIF + probability)


def distill(
    folder: Path, dims: int = 256, on_batch: Callable[[int], None] | None = None, source: str = ""
) -> tuple[StaticModel, dict[str, np.ndarray]]:
    """The static model of the encoder in `folder`, and its PCA (refine projects with it)."""
    vectors, tokenizer_json = token_vectors(folder, on_batch=on_batch)
    return from_token_vectors(vectors, tokenizer_json, dims, source or folder.name)


def from_token_vectors(vectors: np.ndarray, tokenizer_json: str, dims: int, source: str) -> tuple[StaticModel, dict[str, np.ndarray]]:
    """PCA and SIF weights over token vectors (`token_vectors`'): the table `distill` makes, and its PCA."""
    mean, components = fitted_pca(vectors, dims)
    table = ((vectors - mean) @ components.T) * sif_weights(len(vectors))[:, None]
    card = {
        "method": "model2vec distillation (token vectors, PCA, SIF)",
        "from": source,
        "dims": int(components.shape[0]),
        "vocabulary": len(vectors),
    }
    return StaticModel(table.astype(np.float32), tokenizer_json, card), {"mean": mean, "components": components}


def bag_of_tokens(model: StaticModel, texts: Sequence[str]) -> Any:
    """(n_texts, vocabulary) sparse matrix: each row a text's token counts over its length, so
    `rows @ table` is the text's static vector before normalisation."""
    from scipy import sparse

    ids = model.token_ids(texts)
    lengths = np.array([max(len(row), 1) for row in ids], dtype=np.float64)
    cols = np.fromiter((i for row in ids for i in row), dtype=np.int64)
    owner = np.repeat(np.arange(len(ids)), [len(row) for row in ids])
    data = 1.0 / lengths[owner]
    return sparse.csr_matrix((data, (owner, cols)), shape=(len(ids), len(model.table)))


def refine(
    model: StaticModel, texts: Sequence[str], teacher: np.ndarray, pca: dict[str, np.ndarray], ridge: float = 1.0, iterations: int = 200
) -> StaticModel:
    """The table refitted so texts' static vectors approach the teacher's (PCA-projected, at
    the static vectors' own scale): min |A E - T|² + ridge·|E - E0|², by block conjugate gradient.
    Tokens never seen in `texts` keep their distilled rows."""
    a = bag_of_tokens(model, texts)
    start = model.table.astype(np.float64)
    target = (teacher - pca["mean"]) @ pca["components"].T
    scale = np.linalg.norm(a @ start, axis=1).mean() / max(np.linalg.norm(target, axis=1).mean(), 1e-12)
    target *= scale
    gram = (a.T @ a).tocsr()

    def apply(x: np.ndarray) -> np.ndarray:
        return gram @ x + ridge * x

    rhs = a.T @ target + ridge * start
    x = start.copy()
    residual = rhs - apply(x)
    direction = residual.copy()
    rr = (residual * residual).sum(axis=0)
    for _ in range(iterations):
        moved = apply(direction)
        alpha = rr / np.maximum((direction * moved).sum(axis=0), 1e-30)
        x += direction * alpha
        residual -= moved * alpha
        new_rr = (residual * residual).sum(axis=0)
        if np.sqrt(new_rr.max()) < 1e-8:
            break
        direction = residual + direction * (new_rr / np.maximum(rr, 1e-30))
        rr = new_rr
    card = {**model.card, "refined": {"texts": len(texts), "ridge": ridge}}
    return StaticModel(x.astype(np.float32), model.tokenizer_json, card)
