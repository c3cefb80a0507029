"""`nlp bench` of a cascade config (configs/turbo.yaml): the turbo, default and fast configs
side by side in one run, on the same single-teaser documents (real news teasers from `--data`
that no packaged head was fitted on; else generated text), end to end through `Pipeline.process`: texts/s,
label agreement with the default, the share escalated, and the escalation curve."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import numpy as np

from newsnlp.bench.agreement import agreement
from newsnlp.bench.texts import synthetic_texts, unseen_teasers
from newsnlp.bench.timing import timed
from newsnlp.config import RunConfig, load_config
from newsnlp.documents import Document
from newsnlp.engine.cascade import CURVE, DECIDED, escalated, escalation, part_margins
from newsnlp.engine.pipeline import Pipeline
from newsnlp.records import Record
from newsnlp.run_info import describe_run

OVERHEAD_S = 20.0  # loading three pipelines and the curve's static-alone run, measured on 2 cores


def teaser_documents(n: int, data_dir: Path | None) -> tuple[list[Document], str]:
    """`n` single-teaser documents (the million-teaser shape): real teasers no packaged head was
    fitted on (`unseen_teasers`: the static tier is surer of its own training teasers, so those
    would flatter it), repeated and numbered; else text generated from the label examples."""
    texts = unseen_teasers(data_dir)
    source = f"{len(texts)} news teasers and headlines no head was fitted on (AG News dev, Reuters R8, stories/ of {data_dir})"
    if not texts:
        texts, _ = synthetic_texts(min(n, 1000))
        source = "generated from the packaged label examples (no --data)"
    docs = [Document.from_parts(f"t{i}", "", [texts[i % len(texts)]]) for i in range(n)]
    return docs, source + (", repeated" if n > len(texts) else "")


def run_all(pipeline: Pipeline, docs: list[Document]) -> list[Record]:
    return list(pipeline.process(docs))


def compared_configs(config: RunConfig, config_path: Path | None) -> dict[str, RunConfig]:
    """turbo (the given config), the default, and the fast preset (configs/fast.yaml beside the
    given config, if there), all without the embedding cache and with its device and threads."""
    keep = {key: getattr(config, key) for key in ("device", "dtype", "batch_size", "threads")}
    configs = {"turbo": config, "default": load_config(None)}
    fast = config_path.parent / "fast.yaml" if config_path else None
    if fast is not None and fast.is_file():
        configs["fast"] = load_config(fast)
    out = {}
    for name, cfg in configs.items():
        cfg = cfg.model_copy(update=keep, deep=True)
        cfg.cache.enabled = False
        cfg.tasks.summarize.enabled = False  # single teasers: no lead to summarise
        out[name] = cfg
    return out


def teaser_parts(records: list[Record]) -> list[dict[str, Any]]:
    """Every teaser of `records` (its decisions by task key), in order."""
    return [cast(dict[str, Any], t) for r in records for t in r.get("teasers", [])]


def decisions(records: list[Record], key: str) -> list[dict[str, Any]]:
    return [part[key] for part in teaser_parts(records) if key in part]


def agreement_with(reference: list[Record], other: list[Record]) -> dict[str, float]:
    """How often `other` gives `reference`'s topic and sentiment labels (`bench.agreement`'s shares)."""
    return {key: value for key, value in agreement(reference, other).items() if key.endswith("_agreement")}


def curve(
    static: list[Record], tier: list[Record], config: RunConfig, static_s: float, tier_rate: float, default: list[Record]
) -> list[dict[str, float]]:
    """Per factor of the margins: the share escalated, agreement with the default, and the
    texts/s it would run at (the static tier's measured time plus the escalated texts at the
    transformer tier's measured rate)."""
    mine, theirs, reference = teaser_parts(static), teaser_parts(tier), teaser_parts(default)
    topic_margins, sentiment_margins = part_margins(mine)
    keys = [key for key in DECIDED if any(key in part for part in mine)]
    points = []
    for factor in CURVE:
        per_task = escalation(topic_margins, sentiment_margins, config.cascade, factor)
        up = escalated(per_task)
        seconds = static_s + up.sum() / tier_rate
        point = {"factor": factor, "escalated": round(float(up.mean()), 4)}
        for key in keys:
            point[f"{key}_escalated"] = round(float(per_task[key].mean()), 4)
            labels = [(t if u else m)[key]["label"] for u, m, t in zip(per_task[key], mine, theirs)]
            point[f"{key}_agreement"] = round(float(np.mean([a == r[key]["label"] for a, r in zip(labels, reference)])), 4)
        points.append({**point, "predicted_texts_per_s": round(len(mine) / seconds, 1)})
    return points


def escalated_shares(records: list[Record], static_tier: str) -> dict[str, float]:
    """The share of teasers a cascade run escalated (any task), and per task: what its records
    say (`tier`), so a repeated run's share can be checked against the same texts given once."""
    parts = teaser_parts(records)
    up = {key: np.array([key in part and part[key].get("tier") != static_tier for part in parts], dtype=bool) for key in DECIDED}
    shares = {f"turbo_{key}_escalated": round(float(mask.mean()), 4) if len(parts) else 0.0 for key, mask in up.items()}
    return {"turbo_escalated": round(float(escalated(up).mean()), 4) if len(parts) else 0.0, **shares}


def cascade_bench(config: RunConfig, config_path: Path | None, n: int, data_dir: Path | None, log: Callable[[str], None]) -> dict[str, Any]:
    """Every figure of a cascade bench, as one dict (`nlp bench --json`)."""
    started = time.perf_counter()
    docs, source = teaser_documents(n, data_dir)
    configs = compared_configs(config, config_path)
    pipelines = {name: Pipeline(cfg).load() for name, cfg in configs.items()}
    sample = docs[: min(32, len(docs))]
    rates = {}
    for name, pipeline in pipelines.items():
        list(pipeline.process(sample[:2]))  # warm-up
        _, seconds = timed(partial(run_all, pipeline, sample))
        rates[name] = len(sample) / max(seconds, 1e-6)
    # each config once, the curve's static pass (at most turbo's time), loading; and a tenth more:
    # 32 documents time a little faster than the whole run (measured: 313 s announced, 330 s taken)
    estimate = 1.1 * (sum(len(docs) / rate for rate in rates.values()) + len(docs) / rates["turbo"] + OVERHEAD_S)
    log(
        f"cascade bench of {len(docs)} single-teaser documents ({source}): turbo, {', '.join(n for n in configs if n != 'turbo')}; expected about {max(1, round(estimate / 60))} min"
    )
    result: dict[str, Any] = {"run": describe_run(config).to_json(), "texts": f"{len(docs)} single-teaser documents", "source": source}
    result["expected_s"] = round(estimate, 1)
    result["threads"] = config.threads or os.cpu_count()
    runs: dict[str, list[Record]] = {}
    for name, pipeline in pipelines.items():
        log(f"running {name}")
        runs[name], seconds = timed(partial(run_all, pipeline, docs))
        result[f"{name}_s"] = round(seconds, 3)
        result[f"{name}_texts_per_s"] = round(len(docs) / seconds, 1)
    result["turbo_speedup_vs_default"] = round(result["turbo_texts_per_s"] / result["default_texts_per_s"], 2)
    if "fast" in runs:
        result["turbo_speedup_vs_fast"] = round(result["turbo_texts_per_s"] / result["fast_texts_per_s"], 2)
        result["fast_speedup_vs_default"] = round(result["fast_texts_per_s"] / result["default_texts_per_s"], 2)
        result.update({f"fast_{k}": v for k, v in agreement_with(runs["default"], runs["fast"]).items()})
    result.update({f"turbo_{k}": v for k, v in agreement_with(runs["default"], runs["turbo"]).items()})
    result.update(escalated_shares(runs["turbo"], config.encoder.model))
    tier_name = (
        "default"
        if config.cascade.config is None
        else ("fast" if config.cascade.config and Path(config.cascade.config).name == "fast.yaml" else None)
    )
    if tier_name in runs:
        log("the escalation curve: the static tier alone, mixed with the transformer tier's labels")
        alone = config.model_copy(deep=True)
        alone.cascade.enabled = False
        alone.cache.enabled = False
        alone.tasks.summarize.enabled = False
        static_pipeline = Pipeline(alone).load()
        static_records, static_s = timed(partial(run_all, static_pipeline, docs))
        result["static_alone_texts_per_s"] = round(len(docs) / static_s, 1)
        result["escalation_curve"] = curve(static_records, runs[tier_name], config, static_s, result[f"{tier_name}_texts_per_s"], runs["default"])
    result["bench_s"] = round(time.perf_counter() - started, 1)
    return result
