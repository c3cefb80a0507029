"""Abstractive summaries on a tiny random BART: chunking, map-reduce and generation knobs."""

from __future__ import annotations

import pytest

from newsnlp.config import SummarizeConfig
from newsnlp.models.runtime import Runtime
from newsnlp.tasks.abstractive import AbstractiveSummarizer, pack_chunks, split_long


def words(text: str) -> int:
    return len(text.split())


def test_pack_chunks_fits_budget_overlaps_and_keeps_every_sentence():
    units = [f"s{i} " + "w " * (i % 4) for i in range(20)]
    units = [u.strip() for u in units]
    chunks = pack_chunks(units, words, budget=8, overlap=1)
    assert len(chunks) > 1
    assert all(words(c) <= 8 for c in chunks)
    joined = " ".join(chunks)
    assert all(f"s{i}" in joined.split() for i in range(20))
    for before, after in zip(chunks, chunks[1:]):  # each chunk repeats the previous chunk's last sentence
        last = [u for u in units if before.endswith(u)][-1]
        assert after.startswith(last)


def test_pack_chunks_without_overlap_partitions():
    units = ["a b", "c d", "e f", "g h"]
    assert pack_chunks(units, words, budget=4, overlap=0) == ["a b c d", "e f g h"]


def test_split_long_breaks_an_oversized_sentence_between_words():
    pieces = split_long(["one two three four five six seven", "short one"], words, 3, tokenizer=None)
    assert all(words(p) <= 3 for p in pieces)
    assert " ".join(pieces).split() == "one two three four five six seven short one".split()


@pytest.fixture(scope="module")
def summarizer(tiny_bart):
    return AbstractiveSummarizer(SummarizeConfig(method="abstractive", model=str(tiny_bart)), Runtime("cpu", "float32", 4))


ARTICLE = [
    f"The {w} rose and the talks fell in the market for the president."
    for w in ("oil", "gas", "bank", "team", "war", "game", "peace", "stocks", "shares", "minister", "market", "prices")
]


def test_short_article_is_one_chunk(summarizer):
    [summary] = summarizer.summarize([ARTICLE[:1]])
    assert summary["chunks"] == 1 and summary["rounds"] == 1
    assert isinstance(summary["text"], str)


def test_long_article_is_chunked_within_the_model_limit(summarizer, monkeypatch):
    limit = summarizer.loaded.limit
    seen: list[int] = []
    real = summarizer._generate

    def spy(jobs):
        seen.extend(len(summarizer.tokenizer(j.text)["input_ids"]) for j in jobs)
        return real(jobs)

    monkeypatch.setattr(summarizer, "_generate", spy)
    assert summarizer.count(" ".join(ARTICLE)) > limit  # the article does not fit
    chunks = summarizer.chunk(ARTICLE)
    [summary] = summarizer.summarize([ARTICLE])
    assert summary["chunks"] == len(chunks) > 1
    assert 1 < summary["rounds"] <= summarizer.config.max_rounds
    assert seen and max(seen) <= limit  # nothing the model saw was over its limit ...
    assert all(len(summarizer.tokenizer(c)["input_ids"]) <= limit for c in chunks)
    assert sum(seen) > limit  # ... and it saw more than one window's worth: nothing was cut


def test_documents_share_batches_and_keep_their_order(summarizer):
    out = summarizer.summarize([ARTICLE[:1], [], ARTICLE])
    assert [s["chunks"] for s in out] == [1, 0, len(summarizer.chunk(ARTICLE))]
    assert out[1]["text"] == ""


def test_generation_knobs_default_to_the_models_and_are_clamped(tiny_bart):
    runtime = Runtime("cpu", "float32", 4)
    own = AbstractiveSummarizer(SummarizeConfig(method="abstractive", model=str(tiny_bart)), runtime)
    assert own.max_new_tokens == 11 and own.generation["min_new_tokens"] == 3  # from generation_config max_length 12 / min_length 4
    assert "num_beams" not in own.generation  # left to the model's generation_config (2)
    cfg = SummarizeConfig(method="abstractive", model=str(tiny_bart), generation={"max_new_tokens": 5000, "min_new_tokens": 9000, "num_beams": 3})
    clamped = AbstractiveSummarizer(cfg, runtime, loaded=own.loaded)
    assert clamped.max_new_tokens == 62  # the decoder holds 64 positions
    assert clamped.generation["min_new_tokens"] == 62 and clamped.generation["num_beams"] == 3


def test_max_input_tokens_is_capped_at_the_model_limit(tiny_bart, summarizer):
    cfg = SummarizeConfig(method="abstractive", model=str(tiny_bart), max_input_tokens=10_000)
    assert AbstractiveSummarizer(cfg, summarizer.runtime, loaded=summarizer.loaded).limit == 64
    small = AbstractiveSummarizer(cfg.model_copy(update={"max_input_tokens": 24}), summarizer.runtime, loaded=summarizer.loaded)
    assert all(len(small.tokenizer(c)["input_ids"]) <= 24 for c in small.chunk(ARTICLE))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=40), budget=st.integers(6, 20), overlap=st.integers(0, 3))
def test_pack_chunks_properties(sizes, budget, overlap):
    units = [" ".join(f"u{i}w{j}" for j in range(n)) for i, n in enumerate(sizes)]
    chunks = pack_chunks(units, words, budget, overlap)
    assert all(words(c) <= budget for c in chunks)
    seen = [w for c in chunks for w in c.split()]
    assert sorted(set(seen)) == sorted(w for u in units for w in u.split())  # every word, none invented
    firsts = [int(c.split()[0][1:].split("w")[0]) for c in chunks]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)  # chunks move forward
