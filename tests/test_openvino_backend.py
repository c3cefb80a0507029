"""The OpenVINO backend (`encoder.backend: openvino`, the [openvino] extra) on the tiny encoder:
fp32 gives torch's vectors, bf16 close ones, the embedding cache keeps precisions apart, and a
missing package or a wrong pairing of keys is one line."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from newsnlp.config import EncoderConfig
from newsnlp.errors import ConfigError, ModelError
from newsnlp.models.encoder import Encoder
from newsnlp.models.runtime import Runtime

TEXTS = ["oil prices rose", "the team won the game and the president said peace talks began", "shares fell", "a", "bank"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def openvino_encoder(tiny_bert, dtype: str) -> Encoder:
    return Encoder(EncoderConfig(model=str(tiny_bert), max_length=16, backend="openvino"), Runtime("cpu", dtype, batch_size=2))


def test_openvino_fp32_matches_torch_and_bf16_stays_close(tiny_bert):
    pytest.importorskip("openvino")
    torch_vectors = Encoder(EncoderConfig(model=str(tiny_bert), max_length=16), Runtime("cpu", batch_size=2)).encode(TEXTS)
    fp32 = openvino_encoder(tiny_bert, "float32")
    np.testing.assert_allclose(fp32.encode(TEXTS), torch_vectors, atol=1e-5)
    assert fp32.numerics == "f32"
    bf16 = openvino_encoder(tiny_bert, "bfloat16").encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-3)
    assert ((bf16 * torch_vectors).sum(axis=1) > 0.99).all()


def test_auto_resolves_to_a_precision_and_the_cache_keeps_precisions_apart(tiny_bert, cache):
    pytest.importorskip("openvino")
    from newsnlp.config import CacheConfig

    auto = openvino_encoder(tiny_bert, "auto")
    from newsnlp.models.openvino import openvino_precision

    assert auto.numerics in ("f32", "bf16") and auto.numerics == openvino_precision("auto")  # OpenVINO's CPU plugin never picks f16

    def cached(dtype: str) -> Encoder:
        return Encoder(
            EncoderConfig(model=str(tiny_bert), max_length=16, backend="openvino"),
            Runtime("cpu", dtype, batch_size=2),
            CacheConfig(path=cache / "e.sqlite"),
        )

    fp32, bf16 = cached("float32"), cached("bfloat16")
    assert fp32.cache.fingerprint != bf16.cache.fingerprint
    assert fp32.encode(TEXTS).shape == bf16.encode(TEXTS).shape


def test_torch_dtypes_do_not_share_cached_vectors(tiny_bert, cache):
    """The cache's key named the backend and `quantize` only: torch fp32 and bf16 vectors shared it."""
    from newsnlp.config import CacheConfig

    def cached(dtype: str) -> Encoder:
        return Encoder(
            EncoderConfig(model=str(tiny_bert), max_length=16, backend="torch"), Runtime("cpu", dtype), CacheConfig(path=cache / "e.sqlite")
        )

    assert cached("float32").cache.fingerprint != cached("bfloat16").cache.fingerprint


def test_a_missing_openvino_is_one_line_naming_the_extra(tiny_bert, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)
    with pytest.raises(ModelError, match=r"pip install 'newsnlp\[openvino\]'"):
        openvino_encoder(tiny_bert, "auto").encode(TEXTS)


def test_openvino_takes_no_quantize_and_no_gpu(tiny_bert, monkeypatch):
    import torch

    with pytest.raises(ConfigError, match="encoder.quantize"):
        Encoder(EncoderConfig(model=str(tiny_bert), backend="openvino", quantize="int8", max_length=64), Runtime("cpu"))
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)  # Apple silicon: the runtime resolves mps
    with pytest.raises(ConfigError, match="runs on the CPU"):
        Encoder(EncoderConfig(model=str(tiny_bert), backend="openvino", max_length=64), Runtime("mps"))


@pytest.mark.parametrize("chosen, expected", [("bf16", "bf16"), ("f32", "f32"), ("f16", "f32")])
def test_auto_takes_bf16_or_f32_never_f16(monkeypatch, chosen, expected):
    from newsnlp.models import openvino as ov_backend

    class Hint:
        def get_type_name(self) -> str:
            return chosen

    class Core:
        def get_property(self, device: str, key: str) -> Hint:
            assert (device, key) == ("CPU", "INFERENCE_PRECISION_HINT")
            return Hint()

    monkeypatch.setattr(ov_backend, "openvino_core", Core)
    assert ov_backend.openvino_precision("auto") == expected
    assert ov_backend.openvino_precision("float16") == "f16"  # asked for by name, it is honoured
