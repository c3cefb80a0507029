"""The on-disk embedding cache: hits equal fresh vectors, keys follow the encoder, damage rebuilds."""

import numpy as np

from nlp.config import CacheConfig, EncoderConfig
from nlp.models.cache import EmbeddingCache, cached_encode, encoder_fingerprint
from nlp.models.encoder import Encoder
from nlp.models.runtime import Runtime

TEXTS = ["Stocks rose on Friday.", "The peace talks stalled again.", "oil", "Stocks rose on Friday."]


def test_cached_vectors_equal_fresh_ones_and_only_new_texts_are_encoded(tmp_path, tiny_bert):
    cache = CacheConfig(enabled=True, path=tmp_path / "e.sqlite")
    fresh = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu")).encode(TEXTS)
    encoder = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu"), cache=cache)
    first = encoder.encode(TEXTS)
    np.testing.assert_allclose(first, fresh, atol=1e-6)
    seen = []
    again = cached_encode(encoder.cache, lambda texts: seen.append(list(texts)) or encoder._encode_all(texts, None), TEXTS + ["new text"])
    assert seen == [["new text"]]  # the cached ones were read, not encoded
    np.testing.assert_allclose(again[:4], fresh, atol=1e-6)


def test_other_settings_are_other_keys(tmp_path, tiny_bert):
    a = encoder_fingerprint(tiny_bert, 64, "onnx", "none")
    assert a == encoder_fingerprint(tiny_bert, 64, "onnx", "none")
    assert (
        len(
            {
                a,
                encoder_fingerprint(tiny_bert, 128, "onnx", "none"),
                encoder_fingerprint(tiny_bert, 64, "torch", "none"),
                encoder_fingerprint(tiny_bert, 64, "onnx", "int8"),
            }
        )
        == 4
    )
    path = tmp_path / "e.sqlite"
    EmbeddingCache(path, a).put(["x"], np.ones((1, 3), dtype=np.float32))
    assert EmbeddingCache(path, "another-model").get(["x"]) == [None]
    assert EmbeddingCache(path, a, dim=4).get(["x"]) == [None]  # a vector of the wrong size is never returned


def test_a_damaged_cache_file_is_set_aside_and_rebuilt(tmp_path, capsys):
    path = tmp_path / "e.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(path, "fp")
    assert cache.get(["x"]) == [None] and "unreadable" in capsys.readouterr().err
    cache.put(["x"], np.ones((1, 2), dtype=np.float32))
    assert np.array_equal(EmbeddingCache(path, "fp").get(["x"])[0], np.ones(2, dtype=np.float32))
    assert path.with_suffix(".corrupt").exists()


def test_progress_counts_every_text_once_cached_or_not(tmp_path, tiny_bert):
    encoder = Encoder(
        EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu", batch_size=2), cache=CacheConfig(enabled=True, path=tmp_path / "e.sqlite")
    )
    encoder.encode(TEXTS[:2])
    steps = []
    encoder.encode(TEXTS + ["new text"], on_batch=steps.append)
    assert sum(steps) == len(TEXTS) + 1
