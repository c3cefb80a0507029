"""Records stay what they were across refactors: the fast preset's records of the seed page and of
300 documents built from it equal the stored ones (tests/data/records_*.jsonl.gz) by `records_equal`.

A change that alters records on purpose (a bug fix, a new field) rewrites them, and says so in
its commit:

    NLP_WRITE_RECORDS=1 pytest tests/test_records_unchanged.py
"""

from __future__ import annotations

import gzip
import json
import os
import random

import pytest

from newsnlp import iter_documents
from newsnlp.documents import Document
from tests.helpers import ROOT, SEED, records_equal

STORED = ROOT / "tests" / "data"
N_DOCS = 300


def three_hundred_documents() -> list[Document]:
    """Documents mixing the seed's lead sentences and teasers, in seeded random order and number:
    real news text, varied lengths, repeated texts across documents (the encoder's dedup)."""
    seed = next(iter_documents(SEED))
    sentences, teasers = seed.sentences(), seed.teasers
    rng = random.Random(0)
    docs = []
    for i in range(N_DOCS):
        lead = " ".join(rng.sample(sentences, rng.randint(1, 6)))
        docs.append(Document.from_parts(f"doc-{i}", lead, rng.sample(teasers, rng.randint(0, 4)), source="test"))
    return docs


def check(name: str, records: list[dict]) -> None:
    path = STORED / f"records_{name}.jsonl.gz"
    if os.environ.get("NLP_WRITE_RECORDS"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        pytest.skip(f"wrote {path}")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        stored = [json.loads(line) for line in f]
    assert len(records) == len(stored)
    for got, want in zip(records, stored):
        difference = records_equal(got, want, tol=1e-3, path=got["id"])
        assert difference is None, difference


def test_seed_records_unchanged(default_pipeline):
    check("seed", list(default_pipeline.process(iter_documents(SEED))))


def test_300_document_records_unchanged(default_pipeline):
    check("300", list(default_pipeline.process(three_hundred_documents())))
