"""The baseline users write by hand: per text, tokenizer -> model -> mean pooling at batch size 1
in fp32, one encoder pass per task that reads embeddings, then the same task heads."""

from __future__ import annotations

import numpy as np

from newsnlp.bench.texts import BenchTexts
from newsnlp.config import RunConfig
from newsnlp.engine.pipeline import Pipeline
from newsnlp.models.resolve import resolve_model
from newsnlp.records import Record


def naive_run(config: RunConfig, texts: BenchTexts, pipeline: Pipeline) -> list[Record]:
    """What users write by hand: batch size 1, fp32, one encoder pass per task, same heads."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from newsnlp.documents import base_record
    from newsnlp.documents.text import snippet_sentences
    from newsnlp.models.pooling import mean_pool
    from newsnlp.records import merge_partial
    from newsnlp.tasks import DocView

    path = resolve_model(config.encoder.model)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    model = (
        AutoModel.from_pretrained(path, local_files_only=True, trust_remote_code=False, dtype=torch.float32)
        .to(config.device if config.device != "auto" else "cpu")
        .eval()
    )

    @torch.inference_mode()
    def embed(text: str) -> np.ndarray:
        batch = tokenizer(text, truncation=True, max_length=config.encoder.max_length, return_tensors="pt").to(model.device)
        hidden = model(**batch).last_hidden_state
        pooled = mean_pool(hidden, batch["attention_mask"].to(hidden.dtype))
        return torch.nn.functional.normalize(pooled, dim=1)[0].cpu().numpy()

    def stack(texts_: list[str]) -> np.ndarray:
        return np.stack([embed(t) for t in texts_]) if texts_ else np.zeros((0, model.config.hidden_size), dtype=np.float32)

    records = []
    for doc in texts.docs:
        sentences = doc.sentences()
        record = base_record(doc)
        for task in pipeline.tasks:  # each task encodes what it reads, on its own, as a hand-written script would (by the task's name)
            reads_sentences = task.name in ("summarize", "sentiment")  # the summary; the article's sentiment
            parts = [snippet_sentences(t) for t in doc.teasers] if task.name == "sentiment" else None  # scored by sentence
            view = DocView(
                doc=doc,
                sentences=sentences,
                sentence_vectors=stack(sentences) if reads_sentences else stack([]),
                lead_vector=embed(doc.lead) if task.name in ("summarize", "topics") else np.zeros(model.config.hidden_size, dtype=np.float32),
                teaser_vectors=stack(doc.teasers) if task.name == "topics" else stack([]),
                teaser_sentences=parts,
                teaser_sentence_vectors=stack([x for unit in parts for x in unit]) if parts is not None else None,
            )
            merge_partial(record, task([view])[0])
        records.append(record)
    return records
