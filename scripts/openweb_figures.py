"""Out-of-source topic and sentiment figures on the open web and on news, as README's Quality
table gives them: each group of sites is held out in turn, a head is fitted on everything else
(the news teasers, Financial PhraseBank for sentiment, the other open-web groups) with the
config's own training settings, and the held-out group is scored through the task's own
`classify` / `probabilities` (the path every run takes). AG News and Reuters R8 are never fitted
(out of source as they are).

Groups: openweb_a by its `group` (sport, tech, autos, deals, food, entertainment, travel,
cross-topic); openweb_b in 5 folds of sites; the project's own open-web rows
(../devdata/openweb_extra, when present) in 5 folds of its kinds of page; news dev in 5 folds of
sites (the news train files are always fitted).

Usage: python scripts/openweb_figures.py [--config configs/default.yaml] [--data ../shared/data]
       [--extra ../devdata/openweb_extra/openweb_extra.jsonl] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp import load_config  # noqa: E402
from newsnlp.evaluate.metrics import classification_metrics  # noqa: E402
from newsnlp.models.encoder import open_encoder  # noqa: E402
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS  # noqa: E402
from newsnlp.tasks.sentiment import EmbeddingSentiment  # noqa: E402
from newsnlp.tasks.topics import EmbeddingTopics  # noqa: E402
from newsnlp.training.fit import fit_head  # noqa: E402

NEWS_LABELS = ("markets", "diplomacy", "energy")


def bucket(key: str, k: int = 5) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % k


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_rows(data: Path, extra: Path | None) -> list[dict]:
    """Every labelled row with its set and its held-out fold ('' for rows always fitted, 'ext' for
    rows never fitted)."""
    rows = []
    for name in ("teasers_train_a", "teasers_train_b", "teasers_dev"):
        for r in read(data / "news" / f"{name}.jsonl"):
            site = (r.get("source") or "").split("/")[2] if "//" in (r.get("source") or "") else ""
            fold = f"news:{bucket(site)}" if name == "teasers_dev" else ""
            rows.append(
                {
                    "set": "news dev" if fold else "news train",
                    "text": r["text"],
                    "topic": r["topic"],
                    "also": r.get("also") or [],
                    "sentiment": r["sentiment"],
                    "fold": fold,
                }
            )
    for name in ("openweb_a", "openweb_b"):
        for r in read(data / "openweb" / f"{name}.jsonl"):
            fold = f"owa:{r['group']}" if name == "openweb_a" else f"owb:{bucket(r['site'])}"
            rows.append({"set": "open web", "text": r["text"], "topic": r["topic"], "also": [], "sentiment": r["sentiment"], "fold": fold})
    if extra is not None and extra.is_file():
        for r in read(extra):
            rows.append(
                {
                    "set": "open web (own)",
                    "text": r["text"],
                    "topic": r["topic"],
                    "also": [],
                    "sentiment": r["sentiment"],
                    "fold": f"owx:{bucket(r['group'])}",
                }
            )
    for r in read(data / "sentiment" / "fpb_majority_only.jsonl"):
        rows.append({"set": "fpb", "text": r["sentence"], "topic": None, "also": [], "sentiment": r["label"], "fold": "", "weight": 0.1})
    ag = {"World": "diplomacy", "Business": "markets", "Sports": "other", "Sci/Tech": "other"}
    for r in read(data / "topics" / "ag_news_dev.jsonl"):
        also = {"World": ["other"], "Business": ["energy"]}.get(r["label_name"], [])
        rows.append(
            {
                "set": "AG News",
                "text": f"{r['title']} {r['description']}",
                "topic": ag[r["label_name"]],
                "also": also,
                "sentiment": None,
                "fold": "ext",
            }
        )
    return rows


def out_of_source(rows: list[dict], vectors: np.ndarray, task, train, labelled: str, predict) -> np.ndarray:
    """Each fold's rows predicted by a head fitted on every other row that has a `labelled` label."""
    texts = [r["text"] for r in rows]
    folds = np.array([r["fold"] for r in rows])
    has = np.array([r[labelled] is not None for r in rows])
    weights = np.array([r.get("weight", 1.0) for r in rows])
    preds = np.empty(len(rows), dtype=object)
    for fold in sorted(set(folds) - {""}):
        fit = np.flatnonzero(has & (folds != fold) & (folds != "ext"))
        gold_sets = [[rows[i]["topic"], *rows[i]["also"]] for i in fit] if labelled == "topic" and train.multi_label else None
        head = fit_head(vectors[fit], [texts[i] for i in fit], [rows[i][labelled] for i in fit], train, weights=weights[fit], gold_sets=gold_sets)
        test = np.flatnonzero(folds == fold)
        preds[test] = predict(task, head, [texts[i] for i in test], vectors[test])
    return preds


def topic_line(name: str, gold: list[str], guess: list[str]) -> str:
    m = classification_metrics(gold, guess)
    given = {k: m["per_class"][k]["precision"] for k in NEWS_LABELS if k in m["per_class"]}
    right = ", ".join(f"{k} {v:.2f}" for k, v in given.items())
    other = m["per_class"].get("other", {}).get("recall", float("nan"))
    return f"  {name:16s} n {m['n']:5d}  macro-F1 {m['macro_f1']:.3f}  right when given: {right}  other recall {other:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.yaml"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--extra", type=Path, default=ROOT.parent / "devdata" / "openweb_extra" / "openweb_extra.jsonl")
    parser.add_argument("--set", dest="sets", action="append", default=[])
    args = parser.parse_args()
    if not (args.data / "openweb").is_dir():
        sys.exit(f"{args.data}/openweb not found: these figures need the development data (--data)")
    config = load_config(Path(args.config), args.sets)
    rows = load_rows(args.data, args.extra)
    encoder = open_encoder(config)
    print(f"encoding {len(rows)} texts with {config.encoder.model} ...", file=sys.stderr)
    vectors = encoder.encode([r["text"] for r in rows])
    topics_cfg, sentiment_cfg = config.tasks.topics, config.tasks.sentiment
    topics = EmbeddingTopics(topics_cfg.model_copy(update={"method": "embedding"}), encoder.encode)
    sentiment = EmbeddingSentiment(sentiment_cfg.model_copy(update={"method": "embedding"}), encoder.encode)

    def classify(task, head, texts, vecs):
        return [r["label"] for r in task.classify(texts, vecs, head=head)]

    def polarity(task, head, texts, vecs):
        return [SENTIMENT_LABELS[i] for i in task.probabilities(texts, vecs, head=head).argmax(axis=1)]

    sets = np.array([r["set"] for r in rows])
    topic_preds = out_of_source(rows, vectors, topics, topics_cfg.train, "topic", classify)
    sentiment_preds = out_of_source(rows, vectors, sentiment, sentiment_cfg.train, "sentiment", polarity)
    print(f"{config.encoder.model}: topics (head_weight {topics_cfg.head_weight}, threshold {topics_cfg.threshold}), each group held out")
    for name in ("open web", "open web (own)", "news dev", "AG News"):
        sel = np.flatnonzero(sets == name)
        if len(sel):
            print(topic_line(name, [rows[i]["topic"] for i in sel], list(topic_preds[sel])))
    print(f"{config.encoder.model}: sentiment (head_weight {sentiment_cfg.head_weight}), each group held out")
    for name in ("open web", "open web (own)", "news dev"):
        sel = np.flatnonzero(sets == name)
        if len(sel):
            m = classification_metrics([rows[i]["sentiment"] for i in sel], list(sentiment_preds[sel]))
            print(f"  {name:16s} n {m['n']:5d}  accuracy {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}")


if __name__ == "__main__":
    main()
