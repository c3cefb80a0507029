"""The static tier's distillation and table, on the tiny local BERT (the real MPNet's ~10-minute
distillation runs only in scripts/build_static.py)."""

from __future__ import annotations

import numpy as np
import pytest

from newsnlp.models.distill import bag_of_tokens, distill, fitted_pca, refine
from newsnlp.models.static import StaticModel

TEXTS = ["oil prices rose", "the team won the game", "peace talks said the minister", "shares fell on the market", "gas prices fell"]


@pytest.fixture(scope="module")
def distilled(tiny_bert):
    return distill(tiny_bert, dims=8, source="tiny")


def test_distillation_is_deterministic_to_the_bit(tiny_bert, distilled):
    again, _ = distill(tiny_bert, dims=8, source="tiny")
    model, _ = distilled
    assert model.table.shape[1] == 8 and np.array_equal(model.table, again.table)
    assert model.fingerprint == again.fingerprint


def test_pca_sign_is_fixed():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 6))
    _, first = fitted_pca(data, 3)
    _, flipped = fitted_pca(-data, 3)  # the same directions, SVD free to flip them
    for row in np.vstack([first, flipped]):
        assert row[np.abs(row).argmax()] > 0
    assert np.allclose(np.abs(first), np.abs(flipped), atol=1e-8)


def test_encode_is_unit_vectors_in_order_and_batch_independent(distilled):
    model, _ = distilled
    vectors = model.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([model.encode([t]) for t in TEXTS])
    small_batches = model.encode(TEXTS, batch=2)
    assert np.allclose(vectors, one_by_one, atol=1e-6) and np.allclose(vectors, small_batches, atol=1e-6)
    assert np.allclose(model.encode(list(reversed(TEXTS))), vectors[::-1], atol=1e-6)


def test_a_text_without_tokens_is_the_zero_vector(distilled):
    model, _ = distilled
    vectors = model.encode(["", "oil"])
    assert not vectors[0].any() and np.isclose(np.linalg.norm(vectors[1]), 1.0)


def test_save_and_load_keep_the_fingerprint_heads_are_fitted_to(distilled, tmp_path):
    model, _ = distilled
    path = tmp_path / "static.npz"
    model.save(path)
    loaded = StaticModel.load(path)
    assert loaded.card["from"] == "tiny" and loaded.table.dtype == np.float32
    assert np.allclose(loaded.table, model.table, atol=1e-2)  # stored as fp16
    assert StaticModel.load(path).fingerprint == loaded.fingerprint
    assert np.array_equal(loaded.encode(TEXTS), StaticModel.load(path).encode(TEXTS))


def test_a_damaged_file_is_a_model_error(tmp_path):
    from newsnlp.errors import ModelError

    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a static model"):
        StaticModel.load(bad)


def test_refine_brings_static_vectors_toward_the_teacher(tiny_bert, distilled):
    from newsnlp.config import load_config
    from newsnlp.models.encoder import open_encoder

    model, pca = distilled
    teacher = (
        open_encoder(load_config(None, {"encoder.model": str(tiny_bert), "encoder.backend": "torch", "encoder.max_length": 64}))
        .encode(TEXTS)
        .astype(np.float64)
    )
    target = (teacher - pca["mean"]) @ pca["components"].T
    target /= np.linalg.norm(target, axis=1, keepdims=True)

    def agreement(m: StaticModel) -> float:
        return float((m.encode(TEXTS) * target).sum(axis=1).mean())

    refined = refine(model, TEXTS, teacher, pca, ridge=0.01)
    assert agreement(refined) > agreement(model) + 0.05
    assert refined.card["refined"]["texts"] == len(TEXTS)
    unseen = np.setdiff1d(np.arange(len(model.table)), bag_of_tokens(model, TEXTS).indices)
    assert np.allclose(refined.table[unseen], model.table[unseen], atol=1e-4)  # tokens never seen keep their rows


def test_the_tiny_models_tokenizers_know_their_words(tiny_bert):
    """transformers 5 built them with five special tokens only: every word was [UNK], so the
    tiny models' outputs never depended on the text."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    ids = tokenizer("oil prices rose", add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id not in ids and len(set(ids)) == 3
