"""Shared fixtures: the seed page, a tiny random BERT built in code, and the real packaged MiniLM
(the fast preset, configs/fast.yaml): tests pin it, and only a few load the default's MPNet.

No test touches the network: HF_HUB_OFFLINE is set before transformers is imported.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("NLP_CACHE_DIR", tempfile.mkdtemp(prefix="nlp-test-cache-"))  # ONNX exports: never the user's cache

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_517d009a7ae7e6d3.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"
FAST = ROOT / "configs" / "fast.yaml"  # the fast preset (MiniLM), pinned by tests
DEFAULT = ROOT / "configs" / "default.yaml"  # the default (MPNet): a few tests only

WORDS = "the a of to in and is was on for said oil gas prices shares stocks market bank rose fell peace talks war president minister team game won".split()


def build_tiny_bert(folder: Path) -> Path:
    """A 2-layer, 32-wide random BERT with a word-level vocabulary, saved like a hub model."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, max_position_embeddings=64)
    import torch

    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory) -> Path:
    from tests.tiny_models import build_tiny_bart

    return build_tiny_bart(tmp_path_factory.mktemp("tiny-bart"))


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory) -> Path:
    from tests.tiny_models import build_tiny_classifier

    return build_tiny_classifier(tmp_path_factory.mktemp("tiny-nli"), ["entailment", "neutral", "contradiction"])


@pytest.fixture(scope="session")
def tiny_config(tiny_bert):
    """The default config on the tiny encoder (zero-shot sentiment: the packaged head is 384-d)."""
    from nlp.config import load_config

    return load_config(None, {"encoder.model": str(tiny_bert), "encoder.max_length": 64, "tasks.sentiment.method": "embedding", "tasks.topics.method": "embedding", "batch_size": 4})


@pytest.fixture(scope="session")
def default_pipeline():
    """The real fast preset (packaged all-MiniLM-L6-v2 and its heads), loaded once."""
    from nlp import Pipeline, load_config

    return Pipeline(load_config(FAST)).load()


@pytest.fixture(scope="session")
def seed_record(default_pipeline):
    from nlp import iter_documents

    return next(default_pipeline.run(iter_documents(SEED)))


def records_equal(a, b, tol: float = 1e-4, path: str = "record") -> str | None:
    """Where two records differ, or None: the same keys, labels, chosen sentences and texts, and
    every score within `tol`. The one definition of equal records that resume, serving and the
    cache are held to."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
        return None if ok else f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next((d for key in a if (d := records_equal(a[key], b[key], tol, f"{path}.{key}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := records_equal(x, y, tol, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def shared_data(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is a development-only folder)")
    return path
