"""Texts in, answers out: what `nlp classify --json` and `nlp sentiment --json` print, and a summary."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from newsnlp.documents.text import split_sentences
from newsnlp.serve.requests import SummarizeIn, TextsIn
from newsnlp.serve.state import SECURED, State, bounded

router = APIRouter(dependencies=SECURED)


@router.post("/v1/classify")
async def classify(body: TextsIn, state: State) -> dict[str, Any]:
    """What `nlp classify --json` prints: each text's topic, every label's score, the labels that apply."""
    bounded(len(body.texts), state.config.serve.max_texts, "texts", "max_texts")
    state.long_texts(body.texts, "texts")
    return {"results": [{"text": text, **row} for text, row in zip(body.texts, await state.answer("classify", body.texts))]}


@router.post("/v1/sentiment")
async def sentiment(body: TextsIn, state: State) -> dict[str, Any]:
    """What `nlp sentiment --json` prints: each text's label, score in [-1, 1] and probabilities."""
    bounded(len(body.texts), state.config.serve.max_texts, "texts", "max_texts")
    state.long_texts(body.texts, "texts")
    return {"results": [{"text": text, **row} for text, row in zip(body.texts, await state.answer("sentiment", body.texts))]}


@router.post("/v1/summarize")
async def summarize(body: SummarizeIn, state: State) -> dict[str, Any]:
    """The summary of one article's text (`sentences`: the extractive summary's length)."""
    state.long_texts([body.text], "text")
    sentences = await state.off_loop(state.offload.parse(lambda: sum(len(split_sentences(p)) for p in body.text.splitlines())))
    limit = state.config.serve.max_sentences
    if sentences > limit:
        raise HTTPException(413, {"error": f"{sentences} sentences in the text; at most {limit} (serve.max_sentences)", "field": "text"})
    (summary,) = await state.answer(("summarize", body.sentences), [body.text])
    return {"summary": summary}
