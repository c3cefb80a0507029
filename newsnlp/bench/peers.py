"""What the bench compares against besides the naive loop: the transformers zero-shot pipeline
against our NLI method, and the FLOPs and matmul peak that put the encoder's speed in proportion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.bench.timing import timed
from newsnlp.config import RunConfig, TopicsConfig
from newsnlp.models.resolve import resolve_model
from newsnlp.models.runtime import Runtime


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


def matmul_peak_gflops(threads: int = 0, device: str = "cpu", dtype: str = "float32", repeats: int = 5) -> tuple[float, str]:
    """The practical peak of the encoder's device and dtype, now: a large matmul's GFLOP/s (fp32
    on a CPU; on a GPU in the run's dtype resolved, e.g. bf16, timed after the device has
    finished), and the dtype it ran in."""
    import torch

    from newsnlp.models.runtime import choose_device, choose_dtype

    if threads:
        torch.set_num_threads(threads)
    where = choose_device(device)
    size = 2048 if where.type == "cpu" else 8192
    kind = choose_dtype(dtype, where) if where.type != "cpu" else torch.float32
    a, b = torch.randn(size, size, device=where, dtype=kind), torch.randn(size, size, device=where, dtype=kind)

    def product() -> None:
        a @ b
        if where.type == "cuda":
            torch.cuda.synchronize(where)

    product()
    best = min(timed(product)[1] for _ in range(repeats))
    return 2 * size**3 / best / 1e9, str(kind).removeprefix("torch.")


def nli_peer(config: RunConfig, texts: list[str]) -> dict[str, Any]:
    """The transformers zero-shot-classification pipeline against our NLI method, same model,
    same pairs, same batch size; the model is the config's NLI model when set, otherwise a
    seeded MiniLM-sized classifier with a random 3-way entailment head (same compute)."""
    from transformers import pipeline as hf_pipeline

    folder = Path(config.tasks.topics.model) if config.tasks.topics.method == "nli" and config.tasks.topics.model else _random_nli(config)
    topics_cfg = TopicsConfig(
        method="nli", model=str(folder), labels=config.tasks.topics.labels, hypothesis_template=config.tasks.topics.hypothesis_template
    )
    runtime = Runtime("cpu", "float32", 32, config.threads)
    from newsnlp.tasks.nli import NLITopics
    from newsnlp.tasks.topics import topic_labels

    ours_torch = NLITopics(topics_cfg, runtime)
    ours_int8 = NLITopics(topics_cfg.model_copy(update={"backend": "onnx", "quantize": "int8"}), runtime)
    ours_onnx = NLITopics(topics_cfg.model_copy(update={"backend": "onnx"}), runtime)
    template = topics_cfg.hypothesis_template
    labels = [spec.description or name for name, spec in topic_labels(topics_cfg).items()]  # the same hypotheses as ours
    peer = hf_pipeline("zero-shot-classification", model=str(folder), tokenizer=str(folder), device="cpu", batch_size=32)
    for fn in (lambda: peer(texts[:8], candidate_labels=labels, hypothesis_template=template), lambda: ours_int8.probabilities(texts[:8])):
        fn()  # warm-up
    _, t_peer = timed(lambda: peer(texts, candidate_labels=labels, hypothesis_template=template))
    _, t_torch = timed(lambda: ours_torch.probabilities(texts))
    _, t_onnx = timed(lambda: ours_onnx.probabilities(texts))
    probs_int8, t_int8 = timed(lambda: ours_int8.probabilities(texts))
    same = np.mean(probs_int8.argmax(axis=1) == ours_torch.probabilities(texts).argmax(axis=1))
    return {
        "nli_model": str(folder),
        "nli_pairs": len(texts) * len(labels),
        "hf_pipeline_s": round(t_peer, 3),
        "nli_ours_torch_s": round(t_torch, 3),
        "nli_ours_onnx_s": round(t_onnx, 3),
        "nli_ours_onnx_int8_s": round(t_int8, 3),
        "nli_speedup_vs_hf_pipeline": round(t_peer / t_int8, 2),
        "nli_torch_speedup_vs_hf_pipeline": round(t_peer / t_torch, 2),
        "nli_int8_label_agreement": round(float(same), 4),
    }


def _random_nli(config: RunConfig) -> Path:
    from newsnlp.resources.disk import cache_root

    folder = cache_root() / "bench" / "minilm-random-nli"
    if (folder / "config.json").is_file():
        return folder
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_model(config.encoder.model)
    torch.manual_seed(0)
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    model = AutoModelForSequenceClassification.from_pretrained(
        path, local_files_only=True, trust_remote_code=False, num_labels=3, id2label=labels, label2id={v: k for k, v in labels.items()}
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False).save_pretrained(folder)
    return folder
