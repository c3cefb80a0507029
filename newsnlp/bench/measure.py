"""`nlp bench` itself: every run and comparison, as one dict of figures (`nlp bench --json`).
What is measured and why: the package docstring (`newsnlp.bench`)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from newsnlp.bench.agreement import agreement
from newsnlp.bench.naive import naive_run
from newsnlp.bench.peers import encoder_flops, matmul_peak_gflops, nli_peer
from newsnlp.bench.processes import peak_rss_mb, scale, startup
from newsnlp.bench.texts import BenchTexts, bench_texts, distinct_texts
from newsnlp.bench.timing import timed
from newsnlp.config import RunConfig
from newsnlp.documents import Document, iter_documents
from newsnlp.documents.text import forget_splits
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ModelError
from newsnlp.jobs.journal import RecordWriter
from newsnlp.models.backends import describe_backend
from newsnlp.models.encoder import Encoder
from newsnlp.models.resolve import resolve_model
from newsnlp.models.runtime import resolves_to_gpu
from newsnlp.records import Record, records_equal
from newsnlp.run_info import describe_run

NLI_TEXTS = 200
PEER_ROUNDS = 3  # encoder passes against sentence-transformers, alternating; the best of each counts


def without_cache(config: RunConfig) -> RunConfig:
    cfg = config.model_copy(deep=True)
    cfg.cache.enabled = False
    return cfg


def openvino_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def repeats_for(config: RunConfig) -> int:
    """Timed passes per measurement: one on a CPU (a pass is long and steady); the best of three on
    a GPU, where a pass over the bench corpus takes a fraction of a second and its first one pays
    for loading kernels and choosing them for new shapes (measured on an H200: 0.80 s for a first
    bf16 pass against 0.19 s for the next ones)."""
    return 3 if resolves_to_gpu(config.device) else 1


def cache_rerun(config: RunConfig, docs: list[Document], cached_share: float = 0.9) -> dict[str, Any]:
    """`nlp run`'s path over the bench corpus with an empty embedding cache, against a re-run with
    `cached_share` of the documents already seen (their texts in the cache): a crawl that grew.
    Records must be identical. On a GPU, the best of three rounds, each with new cache files."""
    colds, warms, equal = [], [], True
    for _ in range(repeats_for(config)):
        with tempfile.TemporaryDirectory() as tmp:
            cold_cfg, warm_cfg = config.model_copy(deep=True), config.model_copy(deep=True)
            cold_cfg.cache.enabled = warm_cfg.cache.enabled = True
            cold_cfg.cache.path, warm_cfg.cache.path = Path(tmp) / "cold.sqlite", Path(tmp) / "warm.sqlite"
            cold_pipeline, warm_pipeline = Pipeline(cold_cfg).load(), Pipeline(warm_cfg).load()
            cold, cold_s = timed(partial(lambda p: list(p.process(docs)), cold_pipeline))
            seen = docs[: int(len(docs) * cached_share)]
            list(warm_pipeline.process(seen))
            warm, warm_s = timed(partial(lambda p: list(p.process(docs)), warm_pipeline))
        colds.append(cold_s)
        warms.append(warm_s)
        equal = equal and len(cold) == len(warm) and all(records_equal(a, b) is None for a, b in zip(cold, warm))
    texts, cached = set(distinct_texts(docs)), set(distinct_texts(seen))
    return {
        "cache_cold_s": round(min(colds), 3),
        "cache_rerun_s": round(min(warms), 3),
        "cache_rerun_speedup": round(min(colds) / min(warms), 2),
        "cache_rerun_cached_share": round(len(cached & texts) / max(len(texts), 1), 3),
        "cache_rerun_records_equal": equal,
    }


def stage_shares(config: RunConfig, docs: list[Document]) -> dict[str, Any]:
    """Where `nlp run`'s time goes on the bench corpus (cold: no cache): reading the JSONL input,
    splitting, encoding, the task heads, writing the records; each stage's share of the total."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "docs.jsonl"
        source.write_text("".join(json.dumps({"id": d.id, "lead": d.lead, "teasers": d.teasers}) + "\n" for d in docs), encoding="utf-8")
        return input_stage_shares(config, [str(source)])


def input_stage_shares(config: RunConfig, inputs: list[str]) -> dict[str, Any]:
    """`stage_shares` of a run over `inputs` as `nlp run` reads them (pages, HTML, feeds: `nlp
    bench --pages`), in this process, from an empty split cache."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        pipeline = Pipeline(without_cache(config)).load()
        forget_splits()  # cold: the bench's earlier runs split these texts already
        read, read_s = timed(lambda: list(iter_documents(inputs)))
        records = list(pipeline.process(read))
        began = time.perf_counter()
        with RecordWriter(out, "jsonl") as writer:
            for record in records:
                writer.write(record)
        write_s = time.perf_counter() - began
    seconds = {"read": read_s, **pipeline.stage_seconds, "write": write_s}
    total = sum(seconds.values())
    return {
        "stage_seconds": {k: round(v, 3) for k, v in seconds.items()},
        "stage_shares": {k: round(v / total, 4) for k, v in seconds.items()},
        "outside_encoder_and_heads_share": round(1 - (seconds.get("encode", 0) + seconds.get("heads", 0)) / total, 4),
        "documents": len(read),
    }


def backend_name(config: RunConfig) -> str:
    """What the run's encoder resolves to, e.g. `onnx/none` on a CPU or `torch bfloat16 on cuda`."""
    return describe_backend(config.encoder, config.device, config.dtype)


def _variant(config: RunConfig, **encoder: Any) -> RunConfig:
    cfg = config.model_copy(deep=True)
    for key, value in encoder.items():
        if key == "device":
            cfg.device = value
        elif key == "dtype":
            cfg.dtype = value
        else:
            setattr(cfg.encoder, key, value)
    return cfg


QUICK_UP_TO = 200  # teasers: up to this many, `nlp bench` is quick unless told --full
QUICK_RUNS = (
    6.0  # a quick bench over one encode of its texts: batched runs, peer rounds, the cache re-run, the stage shares (measured 5.7, MiniLM --n 200)
)
FIXED_QUICK_S = 15.0  # loading the seven pipelines a bench builds, measured on 2 cores
NAIVE_FACTOR = 6.0  # the naive loop's time over one batched run, measured (316 s against ~50 s at --n 200, MPNet)
FIXED_FULL_S = 60.0  # start-up runs (new processes) and the NLI comparison, measured on 2 cores


def expected_seconds(encoder: Encoder, unique: list[str], quick: bool) -> float:
    """What the bench will take, from a timed encode of 64 of its distinct texts (`encoder`
    warmed up): four batched runs, the sentence-transformers rounds, and (full) the naive loop,
    start-up and NLI."""
    sample = unique[:64]
    _, seconds = timed(lambda: encoder.encode(sample))
    one_run = len(unique) * seconds / max(len(sample), 1)
    total = QUICK_RUNS * one_run + FIXED_QUICK_S
    return total if quick else total + NAIVE_FACTOR * one_run + FIXED_FULL_S


def bench(
    config: RunConfig,
    *,
    config_path: Path | None = None,
    n: int = 1000,
    with_scale: bool = False,
    quick: bool | None = None,
    data_dir: Path | None = None,
    pages: Path | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Every measurement above, as one dict of figures (what `nlp bench --json` prints).
    `quick` (the default up to QUICK_UP_TO teasers) skips the slowest baselines: the naive
    loop, start-up in new processes and the NLI comparison."""
    if config.cascade.enabled:  # configs/turbo.yaml: the three configs side by side on single teasers
        from newsnlp.bench.cascade import cascade_bench

        return cascade_bench(config, config_path, n, data_dir, log)
    config = without_cache(config)  # timings compare encoders, not a cache warmed by an earlier bench
    texts = bench_texts(n, data_dir)
    teasers = texts.teasers
    quick = len(teasers) <= QUICK_UP_TO if quick is None else quick
    started = time.perf_counter()
    unique = texts.distinct
    encoder = Pipeline(config).encoder  # the default's: timed for the estimate, then against sentence-transformers
    encoder.encode(unique[:8])  # warm-up
    estimate = expected_seconds(encoder, unique, quick)
    log(
        f"{'quick' if quick else 'full'} bench of {len(teasers)} teasers: expected about {max(1, round(estimate / 60))} min"
        + (" (--quick skips the naive loop, start-up and NLI)" if not quick else " (--full adds the naive loop, start-up and NLI)")
    )
    device = config.device if config.device != "auto" else "cpu"
    result: dict[str, Any] = {
        "run": describe_run(config).to_json(),  # version, encoder, tasks and heads: what was timed
        "texts": f"{len(teasers)} teasers, {len(texts.docs)} lead articles",
        "source": texts.source,
        "mode": "quick" if quick else "full",
        "expected_s": round(estimate, 1),
        "threads": config.threads or os.cpu_count(),
        "default_backend": backend_name(config),
        "device": device,
        "dtype": config.dtype,
    }
    runs, seconds = variant_runs(config, texts, device, quick, result, log)
    result.update(variant_figures(runs, seconds, len(teasers) + len(texts.docs), quick))
    log("encoder pass vs sentence-transformers, and the matmul peak")
    result.update(encoder_figures(config, encoder, unique, device))
    result.update(further_figures(config, config_path, texts, quick, with_scale, pages, log))
    result["bench_process_peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["bench_s"] = round(time.perf_counter() - started, 1)
    return result


def variant_runs(
    config: RunConfig, texts: BenchTexts, device: str, quick: bool, result: dict[str, Any], log: Callable[[str], None]
) -> tuple[dict[str, list[Record]], dict[str, float]]:
    """Each backend variant's records and best time over the bench's documents (and the naive
    loop's, unless `quick`); an int8 build refused below its floor is said in `result`, not timed."""
    torch_cfg = _variant(config, backend="torch", quantize="none", dtype="float32", device=device)
    int8_cfg = _variant(config, backend="onnx", quantize="int8", device="cpu")
    onnx_cfg = _variant(config, backend="onnx", quantize="none", device="cpu")
    variants = [("ours_torch_fp32", torch_cfg), ("ours_onnx_fp32", onnx_cfg), ("ours_onnx_int8", int8_cfg), ("ours_default", config)]
    if openvino_installed():  # the optional backend, in OpenVINO's own precision for this CPU (dtype auto)
        variants.append(("ours_openvino", _variant(config, backend="openvino", quantize="none", dtype="auto", device="cpu")))
    runs: dict[str, list[Record]] = {}
    seconds: dict[str, float] = {}
    for name, cfg in variants:
        log(f"running {name}")
        try:
            pipeline = Pipeline(cfg).load()
        except ModelError as refused:  # an int8 build below its floor (newsnlp/models/export_check.py): said, not timed
            if name != "ours_onnx_int8":
                raise
            result["int8_refused"] = str(refused)
            continue
        repeats = repeats_for(cfg)
        list(pipeline.process(texts.docs if repeats > 1 else texts.docs[:2]))  # warm-up: first-call allocations (a GPU: every shape)
        passes = [timed(partial(lambda p: list(p.process(texts.docs)), pipeline)) for _ in range(repeats)]
        runs[name], seconds[name] = passes[0][0], min(s for _, s in passes)
    if not quick:
        log("running naive (batch size 1, one pass per task)")
        torch_pipeline = Pipeline(torch_cfg).load()
        runs["naive"], seconds["naive"] = timed(lambda: naive_run(torch_cfg, texts, torch_pipeline))
    return runs, seconds


def variant_figures(runs: dict[str, list[Record]], seconds: dict[str, float], count: int, quick: bool) -> dict[str, Any]:
    """Each variant's time and rate over `count` texts, its speed-up against torch fp32 (and the
    naive loop's), and its labels' agreement with torch fp32's."""
    result: dict[str, Any] = {}
    for name, s in seconds.items():
        result[f"{name}_s"] = round(s, 3)
        result[f"{name}_texts_per_s"] = round(count / s, 1)
    if not quick:
        result["speedup_vs_naive"] = round(seconds["naive"] / seconds["ours_default"], 2)
        result["torch_fp32_speedup_vs_naive"] = round(seconds["naive"] / seconds["ours_torch_fp32"], 2)
    if "ours_onnx_int8" in seconds:
        result["int8_speedup_vs_torch_fp32"] = round(seconds["ours_torch_fp32"] / seconds["ours_onnx_int8"], 2)
        result.update(agreement(runs["ours_torch_fp32"], runs["ours_onnx_int8"]))
    result["default_speedup_vs_torch_fp32"] = round(seconds["ours_torch_fp32"] / seconds["ours_default"], 2)
    result["onnx_fp32_speedup_vs_ours"] = round(seconds["ours_torch_fp32"] / seconds["ours_onnx_fp32"], 2)
    result.update({f"onnx_fp32_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["ours_onnx_fp32"]).items()})
    result.update({f"default_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["ours_default"]).items()})  # e.g. bf16 on a GPU
    if "ours_openvino" in runs:
        from newsnlp.models.openvino import openvino_precision

        result["openvino_precision"] = openvino_precision("auto")
        result["openvino_speedup_vs_torch_fp32"] = round(seconds["ours_torch_fp32"] / seconds["ours_openvino"], 2)
        result.update({f"openvino_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["ours_openvino"]).items()})
    if not quick:
        result.update({f"naive_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["naive"]).items() if k.endswith("agreement")})
    return result


def encoder_figures(config: RunConfig, encoder: Encoder, unique: list[str], device: str) -> dict[str, Any]:
    """The encoder pass against sentence-transformers' `encode` (alternating rounds, each side's
    best: on a shared machine one pass varied by ±10%), and its share of the matmul peak."""
    try:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(resolve_model(config.encoder.model)), device=device)
        st.max_seq_length = config.encoder.max_length
        st.encode(unique[:8])
    except ImportError:
        st = None
    ours_times, st_times = [], []
    for _ in range(PEER_ROUNDS):
        ours_times.append(timed(lambda: encoder.encode(unique))[1])
        if st is not None:
            st_times.append(timed(lambda: st.encode(unique, batch_size=32))[1])
    t_ours = min(ours_times)
    result: dict[str, Any] = {"encoder_texts": len(unique), "encoder_texts_per_s": round(len(unique) / t_ours, 1)}
    result["sentence_transformers_texts_per_s"] = round(len(unique) / min(st_times), 1) if st_times else None
    if st_times:
        result["speedup_vs_sentence_transformers"] = round(min(st_times) / t_ours, 2)
    peak, peak_dtype = matmul_peak_gflops(config.threads, device, config.dtype)
    achieved = encoder_flops(config, unique) / t_ours / 1e9
    result.update({"encoder_gflops": round(achieved, 1), "matmul_peak_gflops": round(peak, 1), "share_of_peak": round(achieved / peak, 3)})
    result["matmul_peak_dtype"] = peak_dtype
    return result


def further_figures(
    config: RunConfig,
    config_path: Path | None,
    texts: BenchTexts,
    quick: bool,
    with_scale: bool,
    pages: Path | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """NLI and start-up (unless `quick`), scale (`with_scale`), a cached re-run, time per stage,
    and time per stage over `pages`."""
    result: dict[str, Any] = {}
    if not quick:
        log("NLI: ours against the transformers zero-shot pipeline")
        result.update(nli_peer(config, texts.teasers[:NLI_TEXTS]))
        log("start-up: nlp run in a new process against a bare script")
        result.update(startup(config_path, texts, config.encoder.model))
    if with_scale:
        log("scale: 10,000 and 100,000 documents in child processes")
        fastest = {"encoder.backend": "onnx", "encoder.quantize": "int8", "device": "cpu"}
        result.update(scale(fastest))
    log("a re-run with 90% of the texts in the embedding cache, against a cold run; time per stage")
    result.update(cache_rerun(config, texts.docs))
    shares = stage_shares(config, texts.docs)
    shares.pop("documents", None)
    result.update(shares)
    if pages is not None:
        log(f"time per stage of a run over {pages} (pages as nlp run reads them)")
        result.update({f"pages_{k}": v for k, v in input_stage_shares(config, [str(pages)]).items()})
    return result
