"""The ONNX Runtime backend on tiny models: same vectors and labels as torch, the export cached
and reused, and an interrupted export leaving nothing behind."""

from __future__ import annotations

import numpy as np
import pytest

from newsnlp.config import EncoderConfig, TopicsConfig
from newsnlp.models import onnx as onnx_backend
from newsnlp.models.encoder import Encoder
from newsnlp.models.runtime import Runtime
from newsnlp.tasks.nli import NLITopics

TEXTS = ["oil prices rose", "the team won the game and the president said peace talks began", "shares fell", "a", "bank"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("quantize, atol", [("none", 1e-5), ("int8", 0.1)])
def test_encoder_onnx_matches_torch(tiny_bert, quantize, atol):
    torch_vectors = Encoder(EncoderConfig(model=str(tiny_bert), max_length=16), Runtime("cpu", batch_size=2)).encode(TEXTS)
    onnx_vectors = Encoder(EncoderConfig(model=str(tiny_bert), max_length=16, backend="onnx", quantize=quantize), Runtime(batch_size=2)).encode(TEXTS)
    assert onnx_vectors.shape == torch_vectors.shape
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(onnx_vectors, torch_vectors, atol=atol)
    if quantize == "int8":
        assert ((onnx_vectors * torch_vectors).sum(axis=1) > 0.95).all()


def test_nli_onnx_gives_the_torch_labels(tiny_nli):
    torch_task = NLITopics(TopicsConfig(method="nli", model=str(tiny_nli), threshold=0.0), Runtime("cpu", "float32", 3))
    onnx_task = NLITopics(TopicsConfig(method="nli", model=str(tiny_nli), threshold=0.0, backend="onnx"), Runtime("cpu", "float32", 3))
    np.testing.assert_allclose(onnx_task.probabilities(TEXTS), torch_task.probabilities(TEXTS), atol=1e-5)
    assert [t["label"] for t in onnx_task.classify(TEXTS)] == [t["label"] for t in torch_task.classify(TEXTS)]


def test_export_is_cached_and_reused(tiny_bert, cache, monkeypatch):
    config = EncoderConfig(model=str(tiny_bert), max_length=16, backend="onnx")
    first = Encoder(config).encode(TEXTS)
    folders = list((cache / "onnx").iterdir())
    assert len(folders) == 1 and (folders[0] / "model.onnx").is_file()

    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_backend, "_export", no_export)
    np.testing.assert_array_equal(Encoder(config).encode(TEXTS), first)  # a new encoder, the same cached file
    assert list((cache / "onnx").iterdir()) == folders


def test_a_failed_export_leaves_no_cache_entry(tiny_bert, cache, monkeypatch):
    def broken(model_path, kind, target):
        target.write_bytes(b"half a model")
        raise KeyboardInterrupt  # killed mid-export

    monkeypatch.setattr(onnx_backend, "_export", broken)
    with pytest.raises(KeyboardInterrupt):
        onnx_backend.ensure_export(tiny_bert, "encoder")
    assert [p.name for p in (cache / "onnx").iterdir()] == []  # no final folder, no partial one


def test_onnx_on_a_gpu_device_is_a_config_error(tiny_bert, monkeypatch):
    import torch

    from newsnlp.errors import ConfigError

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a CUDA machine: the runtime resolves cuda
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    with pytest.raises(ConfigError, match="backend: torch"):
        Encoder(EncoderConfig(model=str(tiny_bert), backend="onnx", max_length=64), Runtime("cuda"))


@pytest.mark.parametrize("damage", ["same_size_bytes", "truncated", "garbled_manifest", "missing_model"])
def test_a_damaged_export_is_rebuilt_never_run(tiny_bert, tmp_path, monkeypatch, capsys, damage):
    """Step 2: bytes overwritten inside the cached model.onnx (same size) changed 27 scores and a
    label, exit 0; a truncated or garbled cache gave a traceback on every run."""
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache"))
    from newsnlp.models.onnx import OnnxModel, ensure_export

    folder = ensure_export(tiny_bert, "encoder")
    fresh = OnnxModel(tiny_bert, "encoder", "none", 32).run(["oil prices fell", "peace talks"])
    model, manifest = folder / "model.onnx", folder / "export.json"
    data = bytearray(model.read_bytes())
    if damage == "same_size_bytes":
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(64)
        model.write_bytes(bytes(data))
    elif damage == "truncated":
        model.write_bytes(bytes(data[: len(data) // 3]))
    elif damage == "garbled_manifest":
        manifest.write_text("{not json")
    else:
        model.unlink()
    capsys.readouterr()
    again = OnnxModel(tiny_bert, "encoder", "none", 32).run(["oil prices fell", "peace talks"])
    assert "is damaged" in capsys.readouterr().err
    np.testing.assert_allclose(again, fresh, atol=1e-6)


def test_an_unwritable_cache_is_one_line(tiny_bert, tmp_path, monkeypatch):
    from newsnlp.errors import ModelError
    from newsnlp.models.onnx import ensure_export

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("NLP_CACHE_DIR", str(blocker / "cache"))  # a cache 'folder' under a file cannot be made
    with pytest.raises(ModelError, match="cannot write the ONNX cache .*NLP_CACHE_DIR.*backend: torch"):
        ensure_export(tiny_bert, "encoder")
