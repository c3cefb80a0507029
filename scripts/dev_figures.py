"""Print the dev figures quoted in README (needs ../shared/data; about 2 minutes on 2 cores).

    python scripts/dev_figures.py [--data ../shared/data] [--set KEY=VALUE ...]

Summaries: ROUGE F1 ×100 (rouge-score, stemming) of the configured summarizer, of Lead-3, and
of a plain embedding centroid (no position prior, no MMR). Topics: macro-F1 over the labels in
the gold data. The sentiment head's CV figures come from scripts/train_sentiment_head.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nlp.config import load_config
from nlp.evaluate.dev import score_summaries, score_topics

AG_NEWS = {"World": "diplomacy", "Business": "markets", "Sports": "other", "Sci/Tech": "other"}
R8 = {"crude": "energy", "earn": "markets", "acq": "markets", "money-fx": "markets", "interest": "markets",
      "trade": "other", "ship": "other", "grain": "other"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    config = load_config(None, args.sets)
    centroid = load_config(None, [*args.sets, "tasks.summarize.position_weight=0", "tasks.summarize.redundancy=0", "tasks.summarize.min_words=1"])

    print("Summaries (dev), ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1")
    for name in ("realsumm_cnndm_test100", "newsroom_60"):
        path = args.data / "summarization" / f"{name}.jsonl"
        ours = score_summaries(config, path)
        plain = score_summaries(centroid, path)["ours"]
        row = lambda s: f"{s['rouge1']:5.1f} / {s['rouge2']:4.1f} / {s['rougeLsum']:4.1f}"  # noqa: E731
        print(f"  {name:24s} n={ours['n']:3d}  lead3 {row(ours['lead3'])}   centroid {row(plain)}   default {row(ours['ours'])}")

    print("Topics (dev), macro-F1 over the gold labels")
    ag = score_topics(config, args.data / "topics/ag_news_dev.jsonl", ("title", "description"), "label_name", AG_NEWS)
    r8 = score_topics(config, args.data / "topics/reuters_r8_test.jsonl", ("title", "text"), "label", R8)
    for name, m in (("ag_news_dev", ag), ("reuters_r8_test", r8)):
        per = ", ".join(f"{k} {v['f1']:.2f}" for k, v in m["per_class"].items())
        print(f"  {name:24s} n={m['n']:4d}  macro-F1 {m['macro_f1']:.3f}  accuracy {m['accuracy']:.3f}  ({per})")


if __name__ == "__main__":
    main()
