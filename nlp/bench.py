"""`nlp bench`: how much faster the pipeline is than what users write by hand, measured in one
run, on the same texts and machine, as ratios (rates on a shared machine vary; ratios less so).

- naive: per text, tokenizer → model → mean pooling at batch size 1 in fp32, one pass per task
  that reads embeddings (topics and sentiment: two passes over the teasers), each article's
  sentences one at a time, then the same task heads;
- ours: `Pipeline.run` (one length-sorted pass of the shared encoder, identical texts once),
  on torch fp32, on the config's own backend, and on ONNX Runtime int8;
- peers: sentence-transformers' `encode` (batch 32) on the same texts, and the transformers
  zero-shot-classification pipeline against our NLI method (200 texts × 4 labels);
- the encoder's achieved GFLOP/s as a share of a large fp32 matmul's, measured in the same run;
- start-up: `nlp run` on the seed in a new process against a bare script (imports, load, encode);
- with `scale`: 10,000 and 100,000 short documents through `nlp run`'s code path in child
  processes, and the ratio of their peak RSS (streaming keeps it flat).

Texts: 1,000 teasers and 50 lead articles from ../shared/data when present (AG News
descriptions, CNN/DailyMail articles), otherwise generated deterministically from the seed page.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import RunConfig, TopicsConfig
from .documents import Document, iter_documents
from .encoder import Encoder
from .hub import Runtime
from .models import resolve_model
from .pipeline import Pipeline
from .resources import resource_path

N_LEADS = 50
NLI_TEXTS = 200
PEER_ROUNDS = 3  # encoder passes against sentence-transformers, alternating; the best of each counts
SEED_PAGE = Path(__file__).resolve().parent.parent / "seeds" / "000_517d009a7ae7e6d3.txt"


@dataclass
class BenchTexts:
    docs: list[Document]
    source: str

    @property
    def teasers(self) -> list[str]:
        return [t for d in self.docs for t in d.teasers]


def bench_texts(n: int = 1000, data_dir: Path | None = Path("../shared/data")) -> BenchTexts:
    """`n` teasers spread over 50 lead articles: real ones when the dev data is there."""
    ag = data_dir / "topics" / "ag_news_dev.jsonl" if data_dir else None
    cnn = data_dir / "summarization" / "realsumm_cnndm_test100.jsonl" if data_dir else None
    if ag and cnn and ag.is_file() and cnn.is_file():
        rows = [json.loads(line) for line in ag.read_text(encoding="utf-8").splitlines() if line.strip()]
        teasers = [_teaser(r["description"]) for r in rows][:n]
        leads = [json.loads(line)["article"] for line in cnn.read_text(encoding="utf-8").splitlines() if line.strip()][:N_LEADS]
        source = f"{ag.name} descriptions, {cnn.name} articles"
    else:
        teasers, leads = synthetic_texts(n)
        source = "generated from the seed page (no ../shared/data)"
    per = max(1, len(teasers) // len(leads))
    docs = [Document.from_parts(f"bench-{i}", lead, teasers[i * per : (i + 1) * per]) for i, lead in enumerate(leads)]
    return BenchTexts(docs, source)


def _teaser(text: str, words: int = 30) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def synthetic_texts(n: int) -> tuple[list[str], list[str]]:
    """Distinct teasers and leads recombined from the seed page's sentences, seeded."""
    doc = next(iter_documents(SEED_PAGE if SEED_PAGE.is_file() else resource_path("default.yaml")))
    sentences = doc.sentences() + [t.rstrip(".") for t in doc.teasers]
    rng = random.Random(0)
    teasers = []
    for i in range(n):
        a, b = rng.sample(sentences, 2)
        wa, wb = a.split(), b.split()
        teasers.append(f"({i}) " + _teaser(" ".join(wa[: rng.randint(4, len(wa))] + wb[rng.randint(0, len(wb) - 1):])))  # numbered: distinct
    leads = [" ".join(rng.sample(sentences, min(len(sentences), 12))) for _ in range(N_LEADS)]
    return teasers, leads


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


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


def naive_run(config: RunConfig, texts: BenchTexts, pipeline: Pipeline) -> list[dict[str, Any]]:
    """What users write by hand: batch size 1, fp32, one encoder pass per task, same heads."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from .pipeline import base_record, merge_partial
    from .tasks import DocView
    from .text import snippet_sentences

    path = resolve_model(config.encoder.model)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    model = AutoModel.from_pretrained(path, local_files_only=True, trust_remote_code=False, dtype=torch.float32).to(config.device if config.device != "auto" else "cpu").eval()

    @torch.inference_mode()
    def embed(text: str) -> np.ndarray:
        batch = tokenizer(text, truncation=True, max_length=config.encoder.max_length, return_tensors="pt").to(model.device)
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
        return torch.nn.functional.normalize(pooled, dim=1)[0].cpu().numpy()

    def stack(texts_: list[str]) -> np.ndarray:
        return np.stack([embed(t) for t in texts_]) if texts_ else np.zeros((0, model.config.hidden_size), dtype=np.float32)

    records = []
    for doc in texts.docs:
        sentences = doc.sentences()
        record = base_record(doc)
        for task in pipeline.tasks:  # each task encodes what it reads, on its own
            reads_sentences = task.name in ("summarize", "sentiment")  # the summary; the article's sentiment
            parts = [snippet_sentences(t) for t in doc.teasers] if task.name == "sentiment" else None  # scored by sentence
            view = DocView(doc, sentences, stack(sentences) if reads_sentences else stack([]),
                           embed(doc.lead) if task.name in ("summarize", "topics") else np.zeros(model.config.hidden_size, dtype=np.float32),
                           stack(doc.teasers) if task.name == "topics" else stack([]),
                           parts, stack([x for unit in parts for x in unit]) if parts is not None else None)
            merge_partial(record, task([view])[0])
        records.append(record)
    return records


def agreement(reference: list[dict[str, Any]], other: list[dict[str, Any]]) -> dict[str, float]:
    """How often `other` gives `reference`'s topic and sentiment labels (articles and teasers)."""
    def items(records: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        return [x[key] for r in records for x in [r["article"], *r["teasers"]] if key in x]

    out: dict[str, float] = {}
    for key in ("topic", "sentiment"):
        a, b = items(reference, key), items(other, key)
        if not a:
            continue
        out[f"{key}_agreement"] = round(float(np.mean([x["label"] == y["label"] for x, y in zip(a, b)])), 4)
        out[f"{key}_max_abs_delta"] = round(max(abs(x["scores"][k] - y["scores"][k]) for x, y in zip(a, b) for k in x["scores"]), 4)
    return out


def encoder_flops(config: RunConfig, texts: list[str]) -> float:
    """FLOPs of one encoder pass over `texts`: real (non-padding) tokens through every layer's
    projections and feed-forward, plus attention's L² terms."""
    from tokenizers import Tokenizer

    path = resolve_model(config.encoder.model)
    cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    d, ff, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(config.encoder.max_length)
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(texts)], dtype=np.float64)
    return float(layers * (2 * lengths * (4 * d * d + 2 * d * ff) + 4 * lengths**2 * d).sum())


def matmul_peak_gflops(threads: int = 0, size: int = 2048, repeats: int = 5) -> float:
    """The practical fp32 peak: a large matmul's GFLOP/s on this machine, now."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = min(_timed(lambda: a @ b)[1] for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def nli_peer(config: RunConfig, texts: list[str]) -> dict[str, Any]:
    """The transformers zero-shot-classification pipeline against our NLI method, same model,
    same pairs, same batch size; the model is the config's NLI model when set, otherwise a
    seeded MiniLM-sized classifier with a random 3-way entailment head (same compute)."""
    from transformers import pipeline as hf_pipeline

    folder = Path(config.tasks.topics.model) if config.tasks.topics.method == "nli" and config.tasks.topics.model else _random_nli(config)
    topics_cfg = TopicsConfig(method="nli", model=str(folder), labels=config.tasks.topics.labels, hypothesis_template=config.tasks.topics.hypothesis_template)
    runtime = Runtime("cpu", "float32", 32, config.threads)
    from .tasks.nli import NLITopics
    from .tasks.topics import topic_labels

    ours_torch = NLITopics(topics_cfg, runtime)
    ours_int8 = NLITopics(topics_cfg.model_copy(update={"backend": "onnx", "quantize": "int8"}), runtime)
    ours_onnx = NLITopics(topics_cfg.model_copy(update={"backend": "onnx"}), runtime)
    template = topics_cfg.hypothesis_template
    labels = [spec.description or name for name, spec in topic_labels(topics_cfg).items()]  # the same hypotheses as ours
    peer = hf_pipeline("zero-shot-classification", model=str(folder), tokenizer=str(folder), device="cpu", batch_size=32)
    for fn in (lambda: peer(texts[:8], candidate_labels=labels, hypothesis_template=template), lambda: ours_int8.probabilities(texts[:8])):
        fn()  # warm-up
    _, t_peer = _timed(lambda: peer(texts, candidate_labels=labels, hypothesis_template=template))
    _, t_torch = _timed(lambda: ours_torch.probabilities(texts))
    _, t_onnx = _timed(lambda: ours_onnx.probabilities(texts))
    probs_int8, t_int8 = _timed(lambda: ours_int8.probabilities(texts))
    same = np.mean(probs_int8.argmax(axis=1) == ours_torch.probabilities(texts).argmax(axis=1))
    return {"nli_model": str(folder), "nli_pairs": len(texts) * len(labels), "hf_pipeline_s": round(t_peer, 3),
            "nli_ours_torch_s": round(t_torch, 3), "nli_ours_onnx_s": round(t_onnx, 3), "nli_ours_onnx_int8_s": round(t_int8, 3),
            "nli_speedup_vs_hf_pipeline": round(t_peer / t_int8, 2), "nli_torch_speedup_vs_hf_pipeline": round(t_peer / t_torch, 2),
            "nli_int8_label_agreement": round(float(same), 4)}


def _random_nli(config: RunConfig) -> Path:
    from .models import cache_root

    folder = cache_root() / "bench" / "minilm-random-nli"
    if (folder / "config.json").is_file():
        return folder
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_model(config.encoder.model)
    torch.manual_seed(0)
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    model = AutoModelForSequenceClassification.from_pretrained(path, local_files_only=True, trust_remote_code=False, num_labels=3, id2label=labels,
                                                               label2id={v: k for k, v in labels.items()})
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False).save_pretrained(folder)
    return folder


def _best_of(command: list[str], repeats: int = 2) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        times.append(time.perf_counter() - start)
    return min(times)


BARE_SCRIPT = """
import sys, torch, transformers
from transformers import AutoModel, AutoTokenizer
from nlp.documents import iter_documents
path, page = sys.argv[1], sys.argv[2]
doc = next(iter_documents(page))
texts = doc.sentences() + [doc.lead] + doc.teasers
tok = AutoTokenizer.from_pretrained(path, trust_remote_code=False); model = AutoModel.from_pretrained(path, trust_remote_code=False).eval()
with torch.inference_mode():
    b = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    h = model(**b).last_hidden_state
    m = b["attention_mask"].unsqueeze(-1).float()
    torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=1)
"""


def startup(config_path: Path | None, encoder: str = "mpnet") -> dict[str, Any]:
    """`nlp run` on the seed page in a new process (model load included) against a bare script
    that imports torch and transformers, loads the same encoder and encodes the seed's texts."""
    if not SEED_PAGE.is_file():
        return {}
    config_arg = str(config_path) if config_path else str(resource_path("default.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        ours_cmd = [sys.executable, "-m", "nlp", "run", config_arg, "-i", str(SEED_PAGE), "-o", str(Path(tmp) / "r.jsonl"), "--quiet"]
        subprocess.run(ours_cmd, check=True, capture_output=True)  # once first: a cached export is part of normal use
        ours = _best_of(ours_cmd)
        rss = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *ours_cmd[3:]], check=True, capture_output=True, text=True)
        run_rss = float(rss.stdout.strip().splitlines()[-1])
        bare = _best_of([sys.executable, "-c", BARE_SCRIPT, str(resolve_model(encoder)), str(SEED_PAGE)])
        imports = _best_of([sys.executable, "-c", "import torch, transformers; transformers.AutoModel"])
    return {"startup_ours_s": round(ours, 2), "startup_bare_script_s": round(bare, 2), "startup_imports_only_s": round(imports, 2),
            "startup_ratio": round(ours / bare, 2), "peak_rss_mb": round(run_rss, 1)}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: Linux carries ru_maxrss over fork and exec,
    so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


RSS_WRAPPER = """
import runpy, sys
from nlp.bench import peak_rss_mb
sys.argv = ["nlp", *sys.argv[1:]]
try:
    runpy.run_module("nlp", run_name="__main__")
except SystemExit:
    pass
print(peak_rss_mb())
"""

SCALE_CHILD = """
import json, sys
from nlp.bench import peak_rss_mb
from nlp.config import load_config
from nlp.runner import run
overrides = json.loads(sys.argv[3])
config = load_config(None, {"input": sys.argv[1], "output.path": sys.argv[2], **overrides})
result = run(config, progress=False)
print(json.dumps({"documents": result.documents, "seconds": round(result.seconds, 1), "peak_rss_mb": round(peak_rss_mb(), 1)}))
"""


def scale(overrides: dict[str, Any], sizes: tuple[int, ...] = (10_000, 100_000)) -> dict[str, Any]:
    """Short synthetic documents through `nlp run`'s code path, one child process per size."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = Path(tmp) / f"docs-{n}.jsonl"
            with data.open("w", encoding="utf-8") as f:
                for i in range(n):
                    f.write(json.dumps({"id": f"d{i}", "lead": f"Company {i} said its shares rose {i % 97} percent on day {i % 31}. Analysts expect more.",
                                        "teasers": [f"Report {i}: oil prices moved {i % 13} percent as talks went on..."]}) + "\n")
            proc = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(data), str(Path(tmp) / f"out-{n}.jsonl"), json.dumps(overrides)],
                                  check=True, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            child = json.loads(proc.stdout.strip().splitlines()[-1])
            out[f"scale_{n}"] = child
            (Path(tmp) / f"out-{n}.jsonl").unlink(missing_ok=True)
    first, last = out[f"scale_{sizes[0]}"], out[f"scale_{sizes[-1]}"]
    out["rss_ratio_100k_vs_10k"] = round(last["peak_rss_mb"] / first["peak_rss_mb"], 3)
    return out


QUICK_UP_TO = 200  # teasers: up to this many, `nlp bench` is quick unless told --full
QUICK_RUNS = 5.0  # a quick bench over one encode of its texts: four batched runs and the peer rounds (measured 4.9, MiniLM --n 100)
NAIVE_FACTOR = 6.0  # the naive loop's time over one batched run, measured (316 s against ~50 s at --n 200, MPNet)
FIXED_FULL_S = 60.0  # start-up runs (new processes) and the NLI comparison, measured on 2 cores


def expected_seconds(encoder: Encoder, unique: list[str], quick: bool) -> float:
    """What the bench will take, from a timed encode of 64 of its distinct texts (`encoder`
    warmed up): four batched runs, the sentence-transformers rounds, and (full) the naive loop,
    start-up and NLI."""
    sample = unique[:64]
    _, seconds = _timed(lambda: encoder.encode(sample))
    one_run = len(unique) * seconds / max(len(sample), 1)
    total = QUICK_RUNS * one_run
    return total if quick else total + NAIVE_FACTOR * one_run + FIXED_FULL_S


def bench(config: RunConfig, *, config_path: Path | None = None, n: int = 1000, with_scale: bool = False, quick: bool | None = None,
          data_dir: Path | None = Path("../shared/data"), log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Every measurement above, as one dict of figures (what `nlp bench --json` prints).
    `quick` (the default up to QUICK_UP_TO teasers) skips the slowest baselines: the naive
    loop, start-up in new processes and the NLI comparison."""
    texts = bench_texts(n, data_dir)
    teasers = texts.teasers
    quick = len(teasers) <= QUICK_UP_TO if quick is None else quick
    started = time.perf_counter()
    unique = list(dict.fromkeys(t for d in texts.docs for t in [*d.sentences(), d.lead, *d.teasers]))
    encoder = Pipeline(config).encoder  # the default's: timed for the estimate, then against sentence-transformers
    encoder.encode(unique[:8])  # warm-up
    estimate = expected_seconds(encoder, unique, quick)
    log(f"{'quick' if quick else 'full'} bench of {len(teasers)} teasers: expected about {max(1, round(estimate / 60))} min"
        + (" (--quick skips the naive loop, start-up and NLI)" if not quick else " (--full adds the naive loop, start-up and NLI)"))
    result: dict[str, Any] = {"texts": f"{len(teasers)} teasers, {len(texts.docs)} lead articles", "source": texts.source, "mode": "quick" if quick else "full",
                              "expected_s": round(estimate, 1), "threads": config.threads or os.cpu_count(),
                              "default_backend": f"{config.encoder.backend}/{config.encoder.quantize}"}
    device = config.device if config.device != "auto" else "cpu"
    torch_cfg = _variant(config, backend="torch", quantize="none", dtype="float32", device=device)
    int8_cfg = _variant(config, backend="onnx", quantize="int8", device="cpu")
    onnx_cfg = _variant(config, backend="onnx", quantize="none", device="cpu")
    runs: dict[str, list[dict[str, Any]]] = {}
    seconds: dict[str, float] = {}
    for name, cfg in (("ours_torch_fp32", torch_cfg), ("ours_onnx_fp32", onnx_cfg), ("ours_onnx_int8", int8_cfg), ("ours_default", config)):
        log(f"running {name}")
        pipeline = Pipeline(cfg).load()
        list(pipeline.run(texts.docs[:2]))  # warm-up (first-call allocations)
        runs[name], seconds[name] = _timed(lambda: list(pipeline.run(texts.docs)))
    if not quick:
        log("running naive (batch size 1, one pass per task)")
        torch_pipeline = Pipeline(torch_cfg).load()
        runs["naive"], seconds["naive"] = _timed(lambda: naive_run(torch_cfg, texts, torch_pipeline))
    count = len(teasers) + len(texts.docs)
    for name, s in seconds.items():
        result[f"{name}_s"] = round(s, 3)
        result[f"{name}_texts_per_s"] = round(count / s, 1)
    if not quick:
        result["speedup_vs_naive"] = round(seconds["naive"] / seconds["ours_default"], 2)
        result["torch_fp32_speedup_vs_naive"] = round(seconds["naive"] / seconds["ours_torch_fp32"], 2)
    result["onnx_int8_speedup_vs_ours"] = round(seconds["ours_torch_fp32"] / seconds["ours_onnx_int8"], 2)
    result["onnx_fp32_speedup_vs_ours"] = round(seconds["ours_torch_fp32"] / seconds["ours_onnx_fp32"], 2)
    int8 = agreement(runs["ours_torch_fp32"], runs["ours_onnx_int8"])
    result.update(int8)
    result.update({f"onnx_fp32_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["ours_onnx_fp32"]).items()})
    if not quick:
        result.update({f"naive_{k}": v for k, v in agreement(runs["ours_torch_fp32"], runs["naive"]).items() if k.endswith("agreement")})

    log("encoder pass vs sentence-transformers, and the matmul peak")
    try:
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(resolve_model(config.encoder.model)), device=device)
        st.max_seq_length = config.encoder.max_length
        st.encode(unique[:8])
    except ImportError:
        st = None
    # alternate rounds and keep each side's best: on a shared machine one pass varied by ±10%
    ours_times, st_times = [], []
    for _ in range(PEER_ROUNDS):
        ours_times.append(_timed(lambda: encoder.encode(unique))[1])
        if st is not None:
            st_times.append(_timed(lambda: st.encode(unique, batch_size=32))[1])
    t_ours = min(ours_times)
    result["encoder_texts"] = len(unique)
    result["encoder_texts_per_s"] = round(len(unique) / t_ours, 1)
    result["sentence_transformers_texts_per_s"] = round(len(unique) / min(st_times), 1) if st_times else None
    if st_times:
        result["speedup_vs_sentence_transformers"] = round(min(st_times) / t_ours, 2)
    peak = matmul_peak_gflops(config.threads)
    achieved = encoder_flops(config, unique) / t_ours / 1e9
    result.update({"encoder_gflops": round(achieved, 1), "matmul_peak_gflops": round(peak, 1), "share_of_peak": round(achieved / peak, 3)})

    if not quick:
        log("NLI: ours against the transformers zero-shot pipeline")
        result.update(nli_peer(config, teasers[:NLI_TEXTS]))
        log("start-up: nlp run in a new process against a bare script")
        result.update(startup(config_path, config.encoder.model))
    if with_scale:
        log("scale: 10,000 and 100,000 documents in child processes")
        fastest = {"encoder.backend": "onnx", "encoder.quantize": "int8", "device": "cpu"}
        result.update(scale(fastest))
    result["bench_process_peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["bench_s"] = round(time.perf_counter() - started, 1)
    return result
