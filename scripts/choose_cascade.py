"""Choose the cascade's escalation margins out of source (configs/turbo.yaml), and print the curve.

Each tier's news dev predictions are out of source: news dev's sites fall in 5 groups, and each
group is scored by heads fitted on everything else (the train files, the open web and the other
groups' sites; sentiment with Financial PhraseBank at weight 0.1, as scripts/train_default_heads.sh
fits the packaged heads), through the tasks' own prediction path. A teaser escalates for a task
when its margin for it (two best scores) is under that task's knob, and takes the transformer
tier's answer for that task alone. The margins are chosen as the fewest escalations (any task)
that reach the goals (topic macro-F1 >= 0.93, sentiment accuracy >= 0.72; else the best sentiment
reaching the topic goal), within --budget (the share escalated the speed goal affords), on four groups and scored on the fifth, in turn (the out-of-source figure); the shipped margins are
chosen on all of news dev (in-sample for the knob).

    python scripts/choose_cascade.py [--static newsnlp/resources/static_mpnet.npz] [--tier mpnet|minilm] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.config import CascadeConfig, load_config, read_yaml  # noqa: E402
from newsnlp.engine.cascade import escalated, escalation, margins  # noqa: E402
from newsnlp.evaluate.metrics import classification_metrics  # noqa: E402
from newsnlp.models.encoder import open_encoder  # noqa: E402
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS  # noqa: E402
from newsnlp.tasks.topics import topic_labels  # noqa: E402
from newsnlp.training.data import encoded, read_rows  # noqa: E402
from newsnlp.training.train import zero_shot_task  # noqa: E402

TRAIN = {  # as scripts/train_default_heads.sh fits the packaged heads
    "topics": ["train-news-topics.yaml", "train-news-dev-topics.yaml", "train-openweb-topics.yaml"],
    "sentiment": ["train-news-sentiment.yaml", "train-news-dev-sentiment.yaml", "train-fpb-weighted.yaml", "train-openweb-sentiment.yaml"],
}
if (ROOT.parent / "devdata" / "openweb_extra" / "openweb_extra.jsonl").is_file():  # the project's own open-web rows, if beside the checkout
    TRAIN["topics"].append("train-openweb-extra-topics.yaml")
    TRAIN["sentiment"].append("train-openweb-extra-sentiment.yaml")
DEV = "teasers_dev.jsonl"
GOALS = {"topic_f1": 0.93, "sentiment_accuracy": 0.72}
GRID = np.round(np.arange(0.0, 1.0001, 0.025), 3)
FOLDS = 5
DATA = ROOT.parent / "shared" / "data"


def preset_pairs(config: Path) -> list[str]:
    """A preset file's keys (encoder, tasks) as --set pairs over the training configs."""
    data = read_yaml(config)
    pairs = ["cache.enabled=true"]
    if "encoder" in data:
        pairs += [f"encoder.{k}={v}" for k, v in data["encoder"].items()]
    for task, keys in (data.get("tasks") or {}).items():
        for key, value in keys.items():
            if isinstance(value, dict) and key == "train":
                pairs += [f"tasks.{task}.train.{k}={v}" for k, v in value.items()]
            elif not isinstance(value, dict):
                pairs += [f"tasks.{task}.{key}={value}"]
    return pairs


def out_of_source(task: str, pairs: list[str], predict_pairs: list[str]) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """News dev's texts, gold labels, out-of-source decided labels and scores (probabilities).
    With `predict_pairs` (e.g. encoder.quantize=int8), the heads are fitted on the encoder's own
    vectors and predict from the vectors with those keys: as a run with the packaged heads does."""
    configs = [
        load_config(ROOT / "configs" / name, [p for p in pairs if p.startswith(("encoder.", "cache.", f"tasks.{task}."))]) for name in TRAIN[task]
    ]
    config = configs[0]
    train = getattr(config.tasks, task).train
    labels = list(topic_labels(config.tasks.topics)) if task == "topics" else SENTIMENT_LABELS
    rows = read_rows(configs, labels, train.data_labels)
    encoder = open_encoder(config)
    data = encoded(rows, encoder, train, None, None)
    scorer = zero_shot_task(task, config, encoder)
    vectors = data.vectors
    if predict_pairs:
        predicting = open_encoder(
            load_config(ROOT / "configs" / TRAIN[task][0], [p for p in pairs + predict_pairs if p.startswith(("encoder.", "cache."))])
        )
        vectors, scorer = predicting.encode(list(data.texts)), zero_shot_task(task, config, predicting)
    decided = np.empty(len(data.labels), dtype=object)
    scores = np.zeros((len(data.labels), len(labels)))
    for fit, held in site_folds(data):
        head = data.fit(fit, train)
        texts = [data.texts[i] for i in held]
        if task == "topics":
            records = scorer.classify(texts, vectors[held], head=head)
            decided[held] = [r["label"] for r in records]
            scores[held] = [[r["scores"][name] for name in labels] for r in records]
        else:
            probs = scorer.probabilities(texts, vectors[held], head=head)
            decided[held] = [SENTIMENT_LABELS[i] for i in probs.argmax(axis=1)]
            scores[held] = probs
    dev = np.flatnonzero(np.asarray(rows.files) == DEV)
    return [data.texts[i] for i in dev], list(data.labels[dev]), list(decided[dev]), scores[dev]


@cache
def dev_sites() -> dict[str, str]:
    """Each news dev row's site (its source's host), keyed by its text, read once from the dev file."""
    rows = [json.loads(line) for line in (DATA / "news" / DEV).read_text(encoding="utf-8").splitlines() if line.strip()]
    return {" ".join(row["text"].split()): urlparse(row.get("source") or "").netloc.removeprefix("www.") for row in rows}


def site_of(text: str) -> str:
    """The site of a news dev row, by its text."""
    return dev_sites().get(" ".join(text.split()), "")


def site_group(site: str) -> int:
    """One of FOLDS groups, by site: a site's rows are never split between fit and score."""
    return int(hashlib.md5(site.encode()).hexdigest(), 16) % FOLDS


def site_folds(data) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, scored rows) per group of news dev's sites: every other row (the train files,
    the other sites) fits the head that scores a group's rows: out of source, not out of fold."""
    dev = np.asarray(data.files) == DEV
    groups = np.array([site_group(site_of(text)) if d else -1 for text, d in zip(data.texts, dev)])
    return [(np.flatnonzero(groups != k), np.flatnonzero(groups == k)) for k in range(FOLDS)]


def tier_predictions(pairs: list[str], predict_pairs: list[str] | None = None) -> dict[str, dict]:
    out = {}
    for task in ("topics", "sentiment"):
        texts, gold, decided, scores = out_of_source(task, pairs, predict_pairs or [])
        out[task] = {"texts": texts, "gold": gold, "decided": decided, "margin": margins(scores)}
    assert out["topics"]["texts"] == out["sentiment"]["texts"], "news dev rows in another order for the two tasks"
    return out


def figures(static: dict, tier: dict, rows: np.ndarray, topic_margin: float, sentiment_margin: float) -> dict[str, float]:
    rule = CascadeConfig(topic_margin=topic_margin, sentiment_margin=sentiment_margin)
    per_task = escalation(static["topics"]["margin"][rows], static["sentiment"]["margin"][rows], rule)
    result = {"escalated": float(escalated(per_task).mean()) if len(rows) else 0.0}
    for task, decided, key, metric in (("topics", "topic", "topic_f1", "macro_f1"), ("sentiment", "sentiment", "sentiment_accuracy", "accuracy")):
        gold = [static[task]["gold"][i] for i in rows]
        final = [tier[task]["decided"][i] if u else static[task]["decided"][i] for i, u in zip(rows, per_task[decided])]
        result[key] = classification_metrics(gold, final)[metric]
    return result


def choose(static: dict, tier: dict, rows: np.ndarray, budget: float = 1.0) -> tuple[float, float]:
    """The margins with the fewest escalations that reach the goals on `rows`, among those that
    escalate at most `budget` of them (what the speed goal affords); where none reaches both
    goals, the best sentiment among those reaching the topic goal, else the best topic."""
    best: tuple | None = None
    for tm in GRID:
        for sm in GRID:
            f = figures(static, tier, rows, tm, sm)
            if f["escalated"] > budget + 1e-9:
                continue
            topic_met, sentiment_met = (f[k] >= v for k, v in GOALS.items())
            rank = f["escalated"] if topic_met and sentiment_met else -(f["sentiment_accuracy"] if topic_met else f["topic_f1"])
            key = (not (topic_met and sentiment_met), not topic_met, round(rank, 6), f["escalated"])
            if best is None or key < best[0]:
                best = (key, float(tm), float(sm))
    assert best is not None
    return best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--static", default="static", help="the static tier's encoder.model (default: the packaged one)")
    parser.add_argument("--turbo", type=Path, default=ROOT / "configs" / "turbo.yaml", help="the static tier's task keys")
    parser.add_argument("--tier", default="mpnet", choices=["mpnet", "minilm"])
    parser.add_argument("--tier-set", action="append", default=[], help="KEY=VALUE for the transformer tier, e.g. encoder.quantize=int8")
    parser.add_argument(
        "--tier-predict-set",
        action="append",
        default=[],
        help="KEY=VALUE the tier predicts with, its heads fitted without (encoder.quantize=int8: the packaged heads on int8 vectors)",
    )
    parser.add_argument("--budget", type=float, default=1.0, help="the largest share of news dev escalated (any task) a choice may have")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    static_pairs = [p for p in preset_pairs(args.turbo) if not p.startswith("encoder.")] + [f"encoder.model={args.static}"]
    tier_pairs = (["cache.enabled=true"] if args.tier == "mpnet" else preset_pairs(ROOT / "configs" / "fast.yaml")) + args.tier_set
    static, tier = tier_predictions(static_pairs), tier_predictions(tier_pairs, args.tier_predict_set)
    everything = np.arange(len(static["topics"]["gold"]))
    alone = {name: figures(p, p, everything, 0.0, 0.0) for name, p in (("static", static), (args.tier, tier))}
    print(f"news dev, out of fold: static alone {alone['static']}; {args.tier} alone {alone[args.tier]}")
    print("\nescalation curve (both margins at the knob):\n| margin | escalated | topic macro-F1 | sentiment accuracy |\n|---|---|---|---|")
    for m in GRID[::4]:
        f = figures(static, tier, everything, m, m)
        print(f"| {m:.2f} | {f['escalated']:.1%} | {f['topic_f1']:.3f} | {f['sentiment_accuracy']:.3f} |")
    groups = np.array([site_group(site_of(text)) for text in static["topics"]["texts"]])
    folds = [np.flatnonzero(groups == k) for k in range(FOLDS)]
    decided = {"topic": [], "sentiment": [], "up": []}
    chosen_per_fold = []
    for k, held in enumerate(folds):
        rest = np.concatenate([f for j, f in enumerate(folds) if j != k])
        tm, sm = choose(static, tier, rest, args.budget)
        chosen_per_fold.append((tm, sm))
        per_task = escalation(
            static["topics"]["margin"][held], static["sentiment"]["margin"][held], CascadeConfig(topic_margin=tm, sentiment_margin=sm)
        )
        decided["up"] += list(escalated(per_task))
        for task, key in (("topics", "topic"), ("sentiment", "sentiment")):
            decided[key] += [
                (static[task]["gold"][i], tier[task]["decided"][i] if u else static[task]["decided"][i]) for i, u in zip(held, per_task[key])
            ]
    oof = {
        "escalated": float(np.mean(decided["up"])),
        "topic_f1": classification_metrics(*zip(*decided["topic"]))["macro_f1"],
        "sentiment_accuracy": classification_metrics(*zip(*decided["sentiment"]))["accuracy"],
    }
    tm, sm = choose(static, tier, everything, args.budget)
    shipped = figures(static, tier, everything, tm, sm)
    print(f"\nmargins chosen per fold: {chosen_per_fold}")
    print(f"out of source (margins chosen on the other sites' groups): {oof}")
    print(f"chosen on all of news dev: topic_margin {tm}, sentiment_margin {sm} -> {shipped} (in-sample for the knob)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"alone": alone, "oof": oof, "topic_margin": tm, "sentiment_margin": sm, "in_sample": shipped, "per_fold": chosen_per_fold}, indent=1
            )
        )


if __name__ == "__main__":
    main()
