"""Abstractive summaries from any seq2seq model (`AutoModelForSeq2SeqLM` + `generate`), with
map-reduce for articles longer than the model can read: nothing is silently cut.

An article over the input limit is packed, sentence by sentence, into token-budgeted chunks
(each repeating the last `chunk_overlap` sentences of the one before); every chunk is
summarized, the partial summaries are joined and summarized again, until the text fits in one
chunk. A map round's output budget is at most half its input budget, so every round shrinks
the text and the loop ends; `max_rounds` bounds it all the same. Chunks of every document in
a batch go through the batching helper together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import torch

from newsnlp.batching import run_batched
from newsnlp.config import SummarizeConfig
from newsnlp.documents.text import split_sentences
from newsnlp.errors import ModelError
from newsnlp.models.hub import LoadedModel, load_model
from newsnlp.models.runtime import Runtime
from newsnlp.records import Partial, Summary
from newsnlp.tasks.base import DocView, Reads


def pack_chunks(units: list[str], count: Callable[[str], int], budget: int, overlap: int) -> list[str]:
    """Greedily join consecutive units (sentences) into chunks of at most `budget` tokens, each
    starting with up to `overlap` units from the end of the previous chunk. Every unit must fit
    alone (see `split_long`); each chunk's length is checked by tokenizing it."""
    lengths = [count(u) for u in units]
    chunks: list[str] = []
    start, carried = 0, 0  # carried: how many units at `start` repeat the previous chunk
    while start < len(units):
        end = start + carried + 1  # at least one new unit
        while end < len(units) and sum(lengths[start : end + 1]) <= budget:
            end += 1
        while end - start > 1 and count(" ".join(units[start:end])) > budget:  # joins can tokenize longer
            if end - start - 1 > carried:
                end -= 1  # give back new content ...
            else:
                start, carried = start + 1, carried - 1  # ... but never all of it: drop overlap first
        chunks.append(" ".join(units[start:end]))
        if end >= len(units):
            break
        keep = min(overlap, end - start - 1)
        while keep and sum(lengths[end - keep : end + 1]) > budget:
            keep -= 1
        start, carried = end - keep, keep
    return chunks


def split_long(units: list[str], count: Callable[[str], int], budget: int, tokenizer: Any) -> list[str]:
    """Units as they are, except one over `budget` tokens: split between words (or, for a single
    giant word, between tokens) into pieces that fit."""
    out: list[str] = []
    for unit in units:
        if count(unit) <= budget:
            out.append(unit)
            continue
        piece: list[str] = []
        for word in unit.split():
            if count(word) > budget:  # a 'word' longer than the budget: cut between its tokens
                if piece:
                    out.append(" ".join(piece))
                    piece = []
                ids = tokenizer(word, add_special_tokens=False)["input_ids"]
                out += [tokenizer.decode(ids[i : i + budget // 2]) for i in range(0, len(ids), budget // 2)]
                continue
            if piece and count(" ".join([*piece, word])) > budget:
                out.append(" ".join(piece))
                piece = []
            piece.append(word)
        if piece:
            out.append(" ".join(piece))
    return out


@dataclass
class _Job:
    doc: int
    text: str
    max_new_tokens: int


class AbstractiveSummarizer:
    name = "summarize"
    reads: frozenset[Reads] = frozenset()

    def __init__(self, config: SummarizeConfig, runtime: Runtime, loaded: LoadedModel | None = None) -> None:
        self.config = config
        self.runtime = runtime
        self.loaded = loaded or load_model(config.model, "seq2seq", runtime, "tasks.summarize.model")
        self.tokenizer = self.loaded.tokenizer
        limit = self.loaded.limit
        special = self.tokenizer.num_special_tokens_to_add(pair=False)
        self.limit = min(config.max_input_tokens or limit, limit)
        self.budget = self.limit - special  # content tokens per chunk
        if self.budget < 16:
            raise ModelError(f"tasks.summarize: an input limit of {self.limit} tokens leaves no room to summarize; raise max_input_tokens")
        self.generation = self._generation_kwargs()
        self.max_new_tokens = self.generation.pop("max_new_tokens")

    def _generation_kwargs(self) -> dict[str, Any]:
        """Knobs set in YAML override the model's generation_config; lengths are clamped to
        what the decoder can hold and min ≤ max."""
        knobs = self.config.generation
        own = self.loaded.lengths
        decoder_limit = getattr(self.loaded.model.config, "max_position_embeddings", None) or 4096
        max_length = own.get("max_length")
        max_new = knobs.max_new_tokens or own.get("max_new_tokens") or (max_length - 1 if max_length else 128)
        max_new = max(1, min(int(max_new), int(decoder_limit) - 2))
        min_new = (
            knobs.min_new_tokens if knobs.min_new_tokens is not None else (own.get("min_new_tokens") or max(0, (own.get("min_length") or 1) - 1))
        )
        kwargs: dict[str, Any] = {"max_new_tokens": max_new, "min_new_tokens": min(int(min_new), max_new)}
        for name in ("num_beams", "length_penalty", "no_repeat_ngram_size"):
            value = getattr(knobs, name)
            if value is not None:
                kwargs[name] = value
        return kwargs

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])  # long on purpose: no warning

    def chunk(self, sentences: list[str]) -> list[str]:
        units = split_long([s for s in sentences if s.strip()], self.count, self.budget, self.tokenizer)
        return pack_chunks(units, self.count, self.budget, self.config.chunk_overlap)

    @torch.inference_mode()
    def _generate(self, jobs: list[_Job]) -> list[str]:
        batch = self.tokenizer([j.text for j in jobs], padding=True, truncation=True, max_length=self.limit, return_tensors="pt")
        batch = {k: v.to(self.loaded.device) for k, v in batch.items()}
        budget = jobs[0].max_new_tokens  # a batch shares one output budget (see _run)
        kwargs = {**self.generation, "max_new_tokens": budget, "min_new_tokens": min(self.generation["min_new_tokens"], budget)}
        out = self.loaded.model.generate(**batch, **kwargs)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def _run(self, jobs: list[_Job]) -> list[str]:
        """Generate for jobs of any documents: one batched pass per output budget."""
        results: list[str] = [""] * len(jobs)
        for budget in sorted({j.max_new_tokens for j in jobs}):
            idx = [i for i, j in enumerate(jobs) if j.max_new_tokens == budget]
            outs = run_batched([jobs[i] for i in idx], self._generate, batch_size=self.runtime.batch_size, length=lambda j: len(j.text))
            for i, text in zip(idx, outs):
                results[i] = text
        return results

    def summarize(self, articles: list[list[str]]) -> list[dict[str, Any]]:
        """One summary dict per article (given as its sentences): text, chunks, rounds."""
        units = {i: sents for i, sents in enumerate(articles) if any(s.strip() for s in sents)}
        done: dict[int, dict[str, Any]] = {i: {"text": "", "chunks": 0, "rounds": 0} for i in range(len(articles)) if i not in units}
        first_chunks: dict[int, int] = {}
        map_budget = max(1, min(self.max_new_tokens, self.budget // 2))
        for round_no in range(1, self.config.max_rounds + 1):
            plans = {i: self.chunk(sents) for i, sents in units.items()}
            for i, chunks in plans.items():
                first_chunks.setdefault(i, len(chunks))
            jobs = [_Job(i, text, self.max_new_tokens if len(chunks) == 1 else map_budget) for i, chunks in plans.items() for text in chunks]
            outputs = self._run(jobs)
            by_doc: dict[int, list[str]] = {}
            for job, text in zip(jobs, outputs):
                by_doc.setdefault(job.doc, []).append(text)
            for i, chunks in plans.items():
                if len(chunks) == 1 or round_no == self.config.max_rounds:
                    done[i] = {"text": " ".join(by_doc[i]), "chunks": first_chunks[i], "rounds": round_no}
            units = {i: split_sentences(" ".join(by_doc[i])) for i in plans if i not in done}
            for i in [i for i, sents in units.items() if not sents]:  # the partial summaries came out empty
                done[i] = {"text": "", "chunks": first_chunks[i], "rounds": round_no}
                del units[i]
            if not units:
                break
        return [done[i] for i in range(len(articles))]

    def __call__(self, views: list[DocView]) -> list[Partial]:
        summaries = self.summarize([view.sentences for view in views])
        return [{"summary": cast(Summary, {"method": "abstractive", "model": self.loaded.ref, **s})} for s in summaries]
