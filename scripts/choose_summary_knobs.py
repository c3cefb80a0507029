"""Choose the extractive summarizer's knobs on datasets they are scored apart from.

Leave one dataset out among CNN/DailyMail, Newsroom and XSum (../shared/data/summarization): for
each held-out dataset, pick the knob set whose worst lower 95% bound of ROUGE-1 minus lead-k over
the two other datasets is highest (never lose to the lead, with confidence, where it was tuned),
then score it on the held-out one with a paired bootstrap CI. The last table picks on all three
by the same rule: the default (configs/default.yaml) is that pick.

    python scripts/choose_summary_knobs.py [mpnet|minilm] [--set KEY=VALUE ...]

Embeddings go through the on-disk cache (cache.enabled), so a rerun takes about a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.config import load_config  # noqa: E402
from newsnlp.documents import Document  # noqa: E402
from newsnlp.documents.labelled import load_rows, references  # noqa: E402
from newsnlp.evaluate.metrics import paired_bootstrap_ci, rouge  # noqa: E402
from newsnlp.models.encoder import Encoder, open_encoder  # noqa: E402
from newsnlp.tasks.summarize import summarize_sentences  # noqa: E402

DATASETS = ("cnndm", "newsroom", "xsum")
GRID = [
    {"adaptive": False, "position_weight": pw, "position_decay": pd, "redundancy": rd}
    for pw in (0.5, 0.7, 0.85, 1.0)
    for pd in (1.5, 3.0)
    for rd in (0.0, 0.5)
]
GRID += [{"adaptive": True, "position_weight": pw, "adaptive_gap": gap} for pw in (0.7, 0.85) for gap in (-0.4, -0.6)]


def load(name: str, encoder: Encoder, overrides: list[str]):
    """Sentences, their vectors, the lead's vector and the references of each article; lead-k's ROUGE-1."""
    config = load_config(ROOT / "configs" / f"eval-{name}.yaml", overrides)
    data = config.data
    rows = load_rows(data, data.text_fields)
    docs = []
    for i, row in enumerate(rows):
        doc = Document.from_parts(str(i), "\n".join(str(row[f]) for f in data.text_fields if row.get(f)))
        sentences = doc.sentences()
        docs.append((sentences, encoder.encode(sentences), encoder.encode([doc.lead])[0]))
    refs = references(rows, data)
    k = config.tasks.summarize.sentences
    lead = rouge(["\n".join(d[0][:k]) for d in docs], refs)["rouge1"]
    return config.tasks.summarize, docs, refs, lead


def deltas(dataset, knobs) -> np.ndarray:
    """Per article: ROUGE-1 of the summary with `knobs` minus lead-k's."""
    base, docs, refs, lead = dataset
    config = base.model_copy(update=knobs)
    ours = ["\n".join(s["text"] for s in summarize_sentences(d[0], d[1], config, d[2])) for d in docs]
    return rouge(ours, refs)["rouge1"] - lead


def main(argv: list[str]) -> None:
    model = argv[0] if argv and not argv[0].startswith("--") else "mpnet"
    overrides = [f"encoder.model={model}", "cache.enabled=true"] + [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
    encoder = open_encoder(load_config(None, overrides))
    sets = {name: load(name, encoder, overrides) for name in DATASETS}
    table = [{name: deltas(sets[name], knobs) for name in DATASETS} for knobs in GRID]
    low = [{name: paired_bootstrap_ci(d[name])[0] for name in DATASETS} for d in table]

    def pick(on: list[str]) -> int:
        return max(range(len(GRID)), key=lambda i: (min(low[i][n] for n in on), np.mean([table[i][n].mean() for n in on])))

    print(f"encoder {model}; ROUGE-1 minus lead-k (lead-3; XSum lead-1), mean over articles, [95% CI]")
    print("\nleave one dataset out: knobs picked on the other two, scored on this one")
    for held in DATASETS:
        i = pick([n for n in DATASETS if n != held])
        d = table[i][held]
        print(f"  {held:9} {d.mean():+.2f} {paired_bootstrap_ci(d)}  knobs {GRID[i]}")
    i = pick(list(DATASETS))
    print(f"\npicked on all three (the default): {GRID[i]}")
    for name in DATASETS:
        print(f"  {name:9} {table[i][name].mean():+.2f} {paired_bootstrap_ci(table[i][name])}  (in-sample: tuned here)")
    print("\nevery knob set (mean delta per dataset)")
    for knobs, d in zip(GRID, table):
        print("  " + "  ".join(f"{n} {d[n].mean():+.2f}" for n in DATASETS) + f"  {knobs}")


if __name__ == "__main__":
    main(sys.argv[1:])
