"""The bare script start-up is compared with: import torch and transformers, load the encoder,
encode one page's texts. `python -m newsnlp.bench.bare_encode_child MODEL_FOLDER PAGE`"""

from __future__ import annotations

import sys

import torch
from transformers import AutoModel, AutoTokenizer

from newsnlp.documents import iter_documents
from newsnlp.models.pooling import mean_pool


def main(path: str, page: str) -> None:
    doc = next(iter_documents(page))
    texts = doc.sentences() + [doc.lead] + doc.teasers
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    model = AutoModel.from_pretrained(path, trust_remote_code=False).eval()
    with torch.inference_mode():
        batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"].float()), dim=1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
