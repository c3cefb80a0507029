"""Shared fixtures: the seed page, a tiny random BERT built in code, and the real packaged MiniLM
(the fast preset, configs/fast.yaml): tests pin it, and only a few load the default's MPNet.

No test touches the network: HF_HUB_OFFLINE is set before transformers is imported.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["NLP_NO_FETCH"] = "1"  # tests never fetch a model: `.ci/run` fetches MPNet before them (`nlp models fetch`)
if "NLP_MODELS_DIR" not in os.environ:  # the user's model store (read only here), before the cache moves to a temp dir
    from newsnlp.resources.disk import models_root

    os.environ["NLP_MODELS_DIR"] = str(models_root())
if "NLP_CACHE_DIR" not in os.environ:
    # ONNX exports and embeddings: never the user's cache. About 1 GB per run, so it goes when the
    # run ends: left behind, these filled CI's disk (mypy then died with an INTERNAL ERROR).
    _test_cache = tempfile.mkdtemp(prefix="nlp-test-cache-")
    os.environ["NLP_CACHE_DIR"] = _test_cache
    atexit.register(shutil.rmtree, _test_cache, ignore_errors=True)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.helpers import FAST, SEED  # noqa: E402
from tests.tiny_models import build_tiny_bart, build_tiny_bert, build_tiny_classifier  # noqa: E402


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory) -> Path:
    return build_tiny_bart(tmp_path_factory.mktemp("tiny-bart"))


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory) -> Path:
    return build_tiny_classifier(tmp_path_factory.mktemp("tiny-nli"), ["entailment", "neutral", "contradiction"])


@pytest.fixture(scope="session")
def tiny_config(tiny_bert):
    """The default config on the tiny encoder (zero-shot sentiment: the packaged head is 384-d)."""
    from newsnlp.config import load_config

    return load_config(
        None,
        {
            "encoder.model": str(tiny_bert),
            "encoder.max_length": 64,
            "tasks.sentiment.method": "embedding",
            "tasks.topics.method": "embedding",
            "batch_size": 4,
        },
    )


@pytest.fixture(scope="session")
def default_pipeline():
    """The real fast preset (packaged all-MiniLM-L6-v2 and its heads), loaded once."""
    from newsnlp import Pipeline, load_config

    return Pipeline(load_config(FAST)).load()


@pytest.fixture(scope="session")
def seed_record(default_pipeline):
    from newsnlp import iter_documents

    return next(default_pipeline.process(iter_documents(SEED)))
