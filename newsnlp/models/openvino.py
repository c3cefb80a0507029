"""The `openvino` encoder backend: the cached ONNX export (`newsnlp.models.onnx`) compiled by OpenVINO
for the CPU, in the precision the run's `dtype` names. On a CPU with AVX-512 bf16 or AMX,
OpenVINO's bf16 ran the fast preset's encoder about 2x ONNX Runtime fp32 with 99.8% of its labels
kept, where int8 kept at most 98% (docs/speed.md). An optional extra: `pip install
'newsnlp[openvino]'`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.errors import ConfigError, ModelError
from newsnlp.models.onnx import FastTokenizer, ensure_export
from newsnlp.resources.disk import cache_root

PRECISIONS = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}


def openvino_core() -> Any:
    try:
        import openvino
    except ImportError as exc:
        raise ModelError("encoder.backend: openvino needs the openvino package; run: pip install 'newsnlp[openvino]'") from exc
    return openvino.Core()


def openvino_precision(dtype: str) -> str:
    """`dtype` as OpenVINO's inference precision. `auto`: bf16 where OpenVINO would choose it for
    this CPU (AVX-512 bf16 or AMX), else f32; never the f16 it chooses on Arm, which was not
    measured. Resolved here, so that the embedding cache never mixes precisions."""
    if dtype == "auto":
        chosen = openvino_core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
        return "bf16" if chosen == "bf16" else "f32"
    if dtype not in PRECISIONS:
        raise ConfigError(f"dtype: {dtype} is not a precision OpenVINO runs; use auto, float32, bfloat16 or float16")
    return PRECISIONS[dtype]


class OpenVinoModel:
    """The encoder's ONNX export compiled by OpenVINO for the CPU; `run` as `OnnxModel.run`.
    Compiled models are cached under the nlp cache folder (`openvino/`), so later runs start faster."""

    def __init__(self, model_path: Path, precision: str, max_length: int, threads: int = 0) -> None:
        core = openvino_core()
        folder = ensure_export(model_path, "encoder", "none")
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        properties: dict[str, Any] = {"INFERENCE_PRECISION_HINT": precision, "CACHE_DIR": str(cache_root() / "openvino")}
        if threads:
            properties["INFERENCE_NUM_THREADS"] = threads
        self.compiled = core.compile_model(str(folder / "model.onnx"), "CPU", properties)
        self.tokenizer = FastTokenizer(model_path, max_length, meta["inputs"])

    def run(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.compiled(self.tokenizer(texts))[0], dtype=np.float32)
