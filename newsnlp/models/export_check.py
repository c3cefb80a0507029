"""An ONNX export, and its int8 quantization, checked against its fp32 source when it is built,
and refused in one line below a floor: nothing else would notice a model that runs but is wrong.

Why: ONNX Runtime's dynamic int8 scales each activation tensor by its largest value. In MPNet
(the default encoder) the inputs of the feed-forward output projections of layers 6 to 10 hold a
few values 20 to 40 times the 99.9th percentile (GELU outliers: up to 100 where nearly all are
below 3), so int8 rounded nearly every other value of those tensors to zero or one step: the
vectors kept a mean cosine of 0.889 to fp32, and 122 of 136 real teasers became `other`. MiniLM's
largest ratio is 10.8, so its int8 agreed. The fix, `outlier_inputs`: the projections whose input
ratio on the check texts passes OUTLIER_RATIO stay fp32 (5 of MPNet's 72 MatMuls), the rest int8.

The check: the packaged label examples (topics and sentiment, 161 short news texts) through the
new model and its source (torch fp32 for an export, the checked fp32 export for int8); an
encoder is compared by the mean cosine of the two vectors of each text, a classifier by how far
its label probabilities move (`agreement`). The floors (FLOORS) are documented in docs/speed.md.
ONNX Runtime's int8 kernels differ by CPU (VNNI or not: without it, 8-bit weights can saturate
16-bit sums), which is why the check runs where the model is built, and an int8 build below the
floor is tried once more with 7-bit weights (`reduce_range`) before it is refused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from newsnlp.errors import ModelError

OUTLIER_RATIO = 16.0  # largest |input| over the 99.9th percentile: MPNet's bad projections 20-40, MiniLM's worst 10.8
FLOORS = {  # (kind, quantize) -> the least agreement with the fp32 source
    ("encoder", "none"): 0.999,  # mean cosine: the export computes what torch does
    ("encoder", "int8"): 0.97,  # mean cosine: MiniLM int8 0.993, MPNet int8 0.987 (0.889 before the fix)
    ("classifier", "none"): 0.999,  # 1 - mean total-variation distance of the label probabilities
    ("classifier", "int8"): 0.95,
}
CHECK_MAX_LENGTH = 128  # tokens: the examples are one sentence each
CHECK_BATCH = 16


def check_texts() -> list[str]:
    """The packaged label examples of the default config (topics, then sentiment)."""
    from newsnlp.config.packaged import packaged_default

    tasks = packaged_default()["tasks"]
    return [text for task in ("topics", "sentiment") for label in tasks[task]["labels"].values() for text in label.get("examples", [])]


def agreement(kind: str, reference: np.ndarray, candidate: np.ndarray) -> float:
    """An encoder's mean cosine between the two vectors of each text; a classifier's 1 − the mean
    total-variation distance between its two label distributions (a top label flipped between
    near-equal scores, as an untrained head's are, moves it little; a broken model, much)."""
    if kind == "encoder":
        a = reference / np.maximum(np.linalg.norm(reference, axis=1, keepdims=True), 1e-12)
        b = candidate / np.maximum(np.linalg.norm(candidate, axis=1, keepdims=True), 1e-12)
        return float((a * b).sum(axis=1).mean())
    return float(1.0 - 0.5 * np.abs(_softmax(reference) - _softmax(candidate)).sum(axis=1).mean())


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def measure_name(kind: str) -> str:
    return "mean cosine" if kind == "encoder" else "1 - mean total-variation distance of the label probabilities"


def check(kind: str, quantize: str, reference: np.ndarray, candidate: np.ndarray, what: str, setting: str) -> dict[str, Any]:
    """The check's record for the manifest; below the floor, one line naming it and what to do."""
    floor = FLOORS[(kind, quantize)]
    found = agreement(kind, reference, candidate)
    source = "torch fp32" if quantize == "none" else "the fp32 export"
    if not np.isfinite(found) or found < floor:
        fix = f"set {setting}: none" if quantize != "none" else "use backend: torch"
        raise ModelError(
            f"the {'int8' if quantize != 'none' else 'ONNX'} build of {what} agrees with {source} at {found:.3f} ({measure_name(kind)} over "
            f"{len(reference)} packaged label examples), below the floor {floor}: its labels would be wrong; {fix}"
        )
    return {"source": source, "measure": measure_name(kind), "agreement": round(found, 4), "floor": floor, "texts": len(reference)}


def run_texts(run: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
    return np.concatenate([run(list(texts[i : i + CHECK_BATCH])) for i in range(0, len(texts), CHECK_BATCH)])


def onnx_matmul(module: str) -> str:
    """The name torch.onnx gives a Linear's MatMul: `model.encoder.layer.6.output.dense` ->
    `/model/encoder/layer.6/output/dense/MatMul` (a list's index stays with its name)."""
    parts: list[str] = []
    for piece in module.split("."):
        if piece.isdigit() and parts:
            parts[-1] += "." + piece
        else:
            parts.append(piece)
    return "/" + "/".join(parts) + "/MatMul"


class OutlierInputs:
    """Forward hooks on every Linear of `graph` that record, over the real tokens of each batch,
    the largest |input| and its 99.9th percentile; `names()`: the ONNX MatMuls to keep fp32."""

    def __init__(self, graph: Any) -> None:
        import torch

        self.mask: Any = None  # the batch's attention mask (bool), set before each forward
        self.largest: dict[str, float] = {}
        self.typical: dict[str, list[float]] = {}
        self.handles = [
            module.register_forward_pre_hook(self._hook(name)) for name, module in graph.named_modules() if isinstance(module, torch.nn.Linear)
        ]

    def _hook(self, name: str) -> Callable[..., None]:
        def record(module: Any, inputs: tuple[Any, ...]) -> None:
            x = inputs[0].detach()
            if self.mask is not None and x.dim() == 3 and x.shape[:2] == self.mask.shape:
                x = x[self.mask]
            values = x.abs().flatten().float().numpy()
            if not values.size:
                return
            self.largest[name] = max(self.largest.get(name, 0.0), float(values.max()))
            self.typical.setdefault(name, []).append(float(np.partition(values, int(0.999 * (values.size - 1)))[int(0.999 * (values.size - 1))]))

        return record

    def names(self) -> list[str]:
        for handle in self.handles:
            handle.remove()
        ratios = {name: self.largest[name] / max(float(np.median(self.typical[name])), 1e-12) for name in self.largest}
        return [onnx_matmul(name) for name, ratio in sorted(ratios.items()) if ratio > OUTLIER_RATIO]
