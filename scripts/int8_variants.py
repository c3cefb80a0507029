"""int8 variants of the fast preset's encoder (or another config's) against its ONNX fp32 export, on the bench corpus's
1,707 distinct texts (200 AG News teasers and 50 CNN/DailyMail articles; needs ../shared/data):
speed, and how often each text's topic and sentiment labels stay fp32's (per text, sentences
included, so the figures differ from `nlp bench`'s per article and teaser).

    python scripts/int8_variants.py dynamic     # what encoder.quantize=int8 runs (ensure_export: outlier MatMuls fp32, checked)
    python scripts/int8_variants.py dynamic configs/default.yaml  # the same for another config's encoder (MPNet)
    python scripts/int8_variants.py static      # static QDQ, per-channel, MinMax calibration on 300 other AG News texts
    python scripts/int8_variants.py ov-fp32     # OpenVINO (pip install openvino nncf), fp32 inference
    python scripts/int8_variants.py ov-bf16     # OpenVINO's default on a CPU with AVX-512 bf16: bf16 inference
    python scripts/int8_variants.py ov-int8     # NNCF post-training int8 (transformer preset), the rest fp32
    python scripts/int8_variants.py ov-int8-bf16  # the same, the rest bf16
    python scripts/int8_variants.py ov-int8-weights  # NNCF int8 weights only (activations fp32)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NLP_DATA_DIR") or ROOT.parent / "shared" / "data")
sys.path.insert(0, str(ROOT))

from newsnlp import Pipeline, load_config  # noqa: E402
from newsnlp.bench.texts import bench_texts  # noqa: E402
from newsnlp.models.onnx import FastTokenizer, ensure_export  # noqa: E402
from newsnlp.models.resolve import resolve_model  # noqa: E402


def session(model: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(model), ort.SessionOptions(), providers=["CPUExecutionProvider"])


class OpenVino:
    """An OpenVINO model compiled for the CPU, called like an ONNX Runtime session."""

    def __init__(self, model, precision: str) -> None:
        import openvino as ov

        self.compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": precision})

    def run(self, _outputs, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [self.compiled(feed)[0]]


def openvino_variant(variant: str, source: Path, tokenizer: FastTokenizer, calibration: list[str]) -> OpenVino:
    import nncf
    import openvino as ov

    model = ov.Core().read_model(source)
    if variant in ("ov-int8", "ov-int8-bf16"):
        batches = [tokenizer(calibration[i : i + 16]) for i in range(0, len(calibration), 16)]
        model = nncf.quantize(model, nncf.Dataset(batches), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(batches))
    elif variant == "ov-int8-weights":
        model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    return OpenVino(model, "bf16" if variant in ("ov-bf16", "ov-int8-bf16") else "f32")


def encode(sess, tokenizer: FastTokenizer, items: list[str]) -> np.ndarray:
    """Unit vectors in batches of 16, shortest first (as the encoder runs)."""
    order = sorted(range(len(items)), key=lambda i: len(items[i]))
    out: list[np.ndarray | None] = [None] * len(items)
    for start in range(0, len(order), 16):
        idx = order[start : start + 16]
        vectors = sess.run(None, tokenizer([items[i] for i in idx]))[0]
        for j, i in enumerate(idx):
            out[i] = vectors[j]
    return np.stack(out).astype(np.float32)


def quantize(variant: str, source: Path, target: Path, tokenizer: FastTokenizer, calibration: list[str]) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static

    if variant == "dynamic-all":  # every MatMul int8: the recipe before outliers stayed fp32 (MPNet's vectors broke)
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        return

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([tokenizer(calibration[i : i + 16]) for i in range(0, len(calibration), 16)])

        def get_next(self):
            return next(self.batches, None)

    quantize_static(
        source,
        target,
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
    )


def main(variant: str, config_path: Path) -> None:
    config = load_config(config_path)
    path = resolve_model(config.encoder.model)
    fp32 = ensure_export(path, "encoder", "none")
    tokenizer = FastTokenizer(path, 256, json.loads((fp32 / "export.json").read_text())["inputs"])
    texts = bench_texts(200, DATA).distinct
    rows = [json.loads(line)["description"] for line in (DATA / "topics" / "ag_news_dev.jsonl").read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "int8.onnx"
        calibration = rows[-400:-100]  # not the bench's texts
        reference = session(fp32 / "model.onnx")
        if variant.startswith("ov-"):
            quantized = openvino_variant(variant, fp32 / "model.onnx", tokenizer, calibration)
        elif variant == "dynamic":  # exactly what encoder.quantize=int8 runs
            quantized = session(ensure_export(path, "encoder", "int8") / "model.onnx")
        else:
            quantize(variant, fp32 / "model.onnx", target, tokenizer, calibration)
            quantized = session(target)
        encode(reference, tokenizer, texts[:32])
        encode(quantized, tokenizer, texts[:32])
        began = time.perf_counter()
        ref = encode(reference, tokenizer, texts)
        ref_s, began = time.perf_counter() - began, time.perf_counter()
        q = encode(quantized, tokenizer, texts)
        q_s = time.perf_counter() - began
    pipeline = Pipeline(config).load()

    def labels(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        topics = np.array([r["label"] for r in pipeline.topics_task.classify(texts, vectors)])
        return topics, pipeline.sentiment_task.probabilities(texts, vectors).argmax(axis=1)

    (ref_topics, ref_sentiment), (q_topics, q_sentiment) = labels(ref), labels(q)
    cosine = (ref * q).sum(1) / np.linalg.norm(q, axis=1)
    print(
        json.dumps(
            {
                "variant": variant,
                "texts": len(texts),
                "speedup_vs_onnx_fp32": round(ref_s / q_s, 2),
                "topic_agreement": round(float((ref_topics == q_topics).mean()), 4),
                "sentiment_agreement": round(float((ref_sentiment == q_sentiment).mean()), 4),
                "min_cosine": round(float(cosine.min()), 4),
                "mean_cosine": round(float(cosine.mean()), 5),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dynamic", Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "configs" / "fast.yaml")
