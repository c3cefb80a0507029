"""README's first quality tables: each default beside the zero-shot prototypes, on news dev (out
of fold) and on every other corpus out of source (scored by the default fitted and tuned without
it). Reads ../shared/data (development only) and the packaged heads' cards.

    python scripts/quality_tables.py [mpnet|minilm]      # mpnet: configs/default.yaml; minilm: configs/fast.yaml

Embeddings go through the on-disk cache (cache.enabled), so a rerun takes a minute or two.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.config import load_config, read_yaml  # noqa: E402
from newsnlp.evaluate.evaluator import evaluate  # noqa: E402
from newsnlp.heads.predict import packaged_head_path  # noqa: E402


def preset(encoder: str) -> list[str]:
    """The preset's own keys as --set pairs, so an eval config (data + defaults) runs that preset."""
    if encoder == "mpnet":
        return ["cache.enabled=true"]
    fast = read_yaml(ROOT / "configs" / "fast.yaml")
    pairs = ["cache.enabled=true", f"encoder.model={fast['encoder']['model']}"]
    for task, keys in fast["tasks"].items():
        pairs += [f"tasks.{task}.{k}={v}" for k, v in keys.items() if not isinstance(v, dict)]
    return pairs


def scored(task: str, name: str, pairs: list[str], *extra: str) -> dict:
    return evaluate(task, load_config(ROOT / "configs" / f"eval-{name}.yaml", [*pairs, *extra])).metrics


def card(task: str, encoder: str, name: str = "default") -> dict:
    return json.loads(packaged_head_path(task, name, encoder).with_suffix(".json").read_text())


def main(encoder: str) -> None:
    pairs = preset(encoder)
    topics_card, sentiment_card, finance_card = card("topics", encoder), card("sentiment", encoder), card("sentiment", encoder, "finance")
    print(f"## encoder {encoder} ({'configs/default.yaml' if encoder == 'mpnet' else 'configs/fast.yaml'})\n")
    print("### Topics: macro-F1 (strict: the gold label; lenient: a label the row's `also` names counts too)\n")
    print("| data | kind of figure | default (head + prototypes) | zero-shot prototypes alone | target |")
    print("|---|---|---|---|---|")
    dev = topics_card["cv_by_file"]["teasers_dev.jsonl"]
    zero = scored("topics", "news-teasers", pairs, "tasks.topics.method=embedding")
    print(
        f"| news dev (219 teasers) | out-of-fold | **{dev['macro_f1']:.3f}**; energy recall {dev['per_class']['energy']['recall']:.3f}; "
        f"lenient {dev['lenient']['macro_f1']:.3f}; multi-label sample-F1 {dev['multi_label']['sample_f1']:.3f} | "
        f"{zero['macro_f1']:.3f}; energy recall {zero['per_class']['energy']['recall']:.3f}; lenient {zero['lenient']['macro_f1']:.3f}; "
        f"sample-F1 {zero['multi_label']['sample_f1']:.3f} | ≥ 0.95, energy ≥ 0.92 |"
    )
    for name, label in (("ag-news", "AG News dev half (3,800)"), ("reuters-r8", "Reuters R8 (2,189)")):
        ours, proto = scored("topics", name, pairs), scored("topics", name, pairs, "tasks.topics.method=embedding")
        print(
            f"| {label} | out-of-source | {ours['macro_f1']:.3f}; lenient {ours['lenient']['macro_f1']:.3f} | "
            f"{proto['macro_f1']:.3f}; lenient {proto['lenient']['macro_f1']:.3f} | ≥ prototypes |"
        )
    print("\n### Sentiment: accuracy / macro-F1 (3 classes)\n")
    print("| data | kind of figure | default (head + prototypes) | zero-shot prototypes alone | target |")
    print("|---|---|---|---|---|")
    dev = sentiment_card["cv_by_file"]["teasers_dev.jsonl"]
    zero = scored("sentiment", "news-sentiment", pairs, "tasks.sentiment.method=embedding")
    print(
        f"| news dev (219 teasers) | out-of-fold | **{dev['accuracy']:.3f}** / {dev['macro_f1']:.3f} | {zero['accuracy']:.3f} / {zero['macro_f1']:.3f} | accuracy ≥ 0.78 |"
    )
    held, zero_fpb = sentiment_card["source_held_out"]["fpb_majority_only"], sentiment_card["zero_shot_by_source"]["fpb_majority_only"]
    print(
        f"| Financial PhraseBank, majority (2,582) | out-of-source (head fitted on news alone) | {held['accuracy']:.3f} / {held['macro_f1']:.3f} | "
        f"– / {zero_fpb:.3f} | ≥ prototypes |"
    )
    fin = finance_card["cv"]
    print(
        f"| Financial PhraseBank, majority | out-of-fold, `head: finance` (fitted on FPB alone) | {fin['accuracy']:.3f} / **{fin['macro_f1']:.3f}** | | macro-F1 ≥ 0.70 |"
    )
    ours, proto = scored("sentiment", "sentence-polarity", pairs), scored("sentiment", "sentence-polarity", pairs, "tasks.sentiment.method=embedding")
    print(
        f"| sentence polarity (10,662 movie snippets, pos/neg) | out-of-source | {ours['accuracy']:.3f} / {ours['macro_f1']:.3f} | "
        f"{proto['accuracy']:.3f} / {proto['macro_f1']:.3f} | ≥ prototypes |"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--preset-sets"]:  # for scripts/evaluate_dev.sh: the preset's keys as --set options
        print(" ".join(f"--set {pair}" for pair in preset(sys.argv[2])))
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "mpnet")
