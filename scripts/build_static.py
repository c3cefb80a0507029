"""Build the packaged static model (newsnlp/resources/static_mpnet.npz) from the packaged MPNet:
model2vec's distillation (newsnlp.models.distill), then, with ../shared/data, a refit of the table on
MPNet's own vectors of real news sentences (the news train teasers and the summarization sets'
article sentences: never news dev, which scores the cascade out of fold, nor the topic and
sentiment corpora that score it out of source). Tens of minutes on 2 cores; never run by tests.

    python scripts/build_static.py [--dims 256] [--ridge 1.0] [--no-refine] [--vectors tokvec.npy]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.config import load_config  # noqa: E402
from newsnlp.documents.text import split_sentences  # noqa: E402
from newsnlp.models.distill import distill, from_token_vectors, refine  # noqa: E402
from newsnlp.models.encoder import open_encoder  # noqa: E402
from newsnlp.models.resolve import resolve_model  # noqa: E402
from newsnlp.models.static import StaticModel  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def corpus() -> list[str]:
    """Real news text, none of it scored anywhere: news train teasers, summarization articles' sentences."""
    texts: list[str] = []
    for name in ("teasers_train_a.jsonl", "teasers_train_b.jsonl"):
        texts += [json.loads(line)["text"] for line in (DATA / "news" / name).open(encoding="utf-8")]
    for name, field in (("newsroom_60.jsonl", "article"), ("realsumm_cnndm_test100.jsonl", "article"), ("xsum_dev100.jsonl", "document")):
        for line in (DATA / "summarization" / name).open(encoding="utf-8"):
            row = json.loads(line)
            text = row.get(field) or row.get("article") or row.get("document") or ""
            texts += [s for s in split_sentences(text) if len(s.split()) >= 4]
    return list(dict.fromkeys(texts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--ridge", type=float, default=1.0)
    parser.add_argument("--no-refine", action="store_true")
    parser.add_argument("--vectors", type=Path, help="token vectors saved by an earlier run (.npy with a .json tokenizer beside it)")
    parser.add_argument("--out", type=Path, default=ROOT / "newsnlp" / "resources" / "static_mpnet.npz")
    args = parser.parse_args()
    folder = resolve_model("mpnet")
    started = time.perf_counter()
    if args.vectors:
        tokenizer_json = args.vectors.with_suffix(".json").read_text(encoding="utf-8")
        model, pca = from_token_vectors(np.load(args.vectors), tokenizer_json, args.dims, "all-mpnet-base-v2")
    else:
        model, pca = distill(folder, args.dims, source="all-mpnet-base-v2")
    print(f"distilled {model.table.shape} in {time.perf_counter() - started:.0f}s", flush=True)
    if not args.no_refine:
        if not DATA.is_dir():
            sys.exit("../shared/data not found: the refit reads its news text (or pass --no-refine)")
        texts = corpus()
        encoder = open_encoder(load_config(None, {"cache.enabled": True}))
        teacher = encoder.encode(texts).astype(np.float64)
        print(f"teacher vectors of {len(texts)} sentences in {time.perf_counter() - started:.0f}s", flush=True)
        model = refine(model, texts, teacher, pca, ridge=args.ridge)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MB), fingerprint {StaticModel.load(args.out).fingerprint}")


if __name__ == "__main__":
    main()
