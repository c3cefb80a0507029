"""Dev figures on JSONL data: summaries against Lead-k, topics against gold labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..config import RunConfig
from ..documents import Document
from ..pipeline import Pipeline
from .metrics import classification_metrics, rouge


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def summaries(config: RunConfig, articles: list[str]) -> tuple[list[str], list[str]]:
    """(ours, lead-k) for each article, sentences joined by newlines; k = the configured count."""
    cfg = config.model_copy(deep=True)
    cfg.tasks.topics.enabled = cfg.tasks.sentiment.enabled = False
    docs = [Document.from_parts(str(i), text) for i, text in enumerate(articles)]
    k = cfg.tasks.summarize.sentences
    ours = ["\n".join(s["text"] for s in r.get("summary", {}).get("sentences", [])) for r in Pipeline(cfg).run(docs)]
    lead = ["\n".join(doc.sentences()[:k]) for doc in docs]
    return ours, lead


def score_summaries(config: RunConfig, path: str | Path, text_field: str = "article", ref_field: str = "highlights") -> dict[str, Any]:
    rows = list(read_jsonl(path))
    ours, lead = summaries(config, [r[text_field] for r in rows])
    refs = [r[ref_field] for r in rows]
    mean = lambda scores: {k: round(float(np.mean(v)), 2) for k, v in scores.items()}  # noqa: E731
    return {"n": len(rows), "ours": mean(rouge(ours, refs)), f"lead{config.tasks.summarize.sentences}": mean(rouge(lead, refs))}


def score_topics(config: RunConfig, path: str | Path, text_fields: tuple[str, ...], label_field: str, label_map: dict[str, str]) -> dict[str, Any]:
    rows = list(read_jsonl(path))
    texts = [". ".join(str(r[f]).strip() for f in text_fields if r.get(f)) for r in rows]
    gold = [label_map[str(r[label_field])] for r in rows]
    predicted = [t["label"] for t in Pipeline(config).classify(texts)]
    return classification_metrics(gold, predicted)
