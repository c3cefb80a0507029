"""Write N single-teaser documents (`{"id", "lead": "", "teasers": [text]}`, JSONL) of real
teasers no packaged head was fitted on (AG News dev, Reuters R8 titles, stories/ items of a
folder laid out as ../shared/data), repeated in order: the input of docs/speed.md's million run.

    python scripts/teaser_docs.py --n 200000 --data ../shared/data -o /tmp/teasers.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.bench.texts import unseen_teasers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    texts = unseen_teasers(args.data)
    if not texts:
        sys.exit(f"no teasers under {args.data} (topics/ag_news_dev.jsonl, topics/reuters_r8_test.jsonl, stories/items.jsonl)")
    with args.out.open("w", encoding="utf-8") as out:
        for i in range(args.n):
            out.write(json.dumps({"id": f"t{i}", "lead": "", "teasers": [texts[i % len(texts)]]}) + "\n")
    print(f"{args.n} documents of {len(texts)} distinct teasers -> {args.out}")


if __name__ == "__main__":
    main()
