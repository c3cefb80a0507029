"""The ONNX Runtime backend: a model is exported once (torch.onnx, the exporter torch ships, so
no extra dependency) and optionally quantized to int8 with onnxruntime's own dynamic
quantization (from the fp32 export, the MatMuls whose inputs hold outliers kept fp32); each is
checked against its fp32 source as it is built and refused below a floor (`export_check`). The
result is cached under the user's cache folder, keyed by the model's files and the options. The
export is atomic: it is written to a temporary folder that is renamed into place, so a killed
export leaves nothing a later run would load.

At run time neither torch nor transformers is imported: `tokenizers` reads the model's
tokenizer.json and onnxruntime runs the graph, which is what makes a cached start fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from newsnlp.errors import ModelError
from newsnlp.models.pooling import mean_pool
from newsnlp.resources.disk import building_folder, cache_root, file_sha256

ExportKind = Literal["encoder", "classifier"]  # encoder: mean-pooled unit vectors; classifier: logits
EXPORT_VERSION = 2  # 2: checked against the fp32 source when built; int8 keeps outlier MatMuls fp32
INT8_RECIPE = "outliers-fp32"  # in the embedding cache's key: vectors of int8 before it are never reused


def export_key(model_path: Path, kind: ExportKind, quantize: str) -> str:
    """Changes when the model's files or the export options do."""
    digest = hashlib.sha256(f"{model_path.resolve()}|{kind}|{quantize}|{EXPORT_VERSION}".encode())
    for file in sorted(model_path.iterdir()):
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return f"{model_path.name}-{kind}-{quantize}-{digest.hexdigest()[:12]}"


def ensure_export(model_path: Path, kind: ExportKind, quantize: str = "none", setting: str = "encoder.quantize") -> Path:
    """The cached export's folder (model.onnx + export.json), exporting it first if needed. A
    cached export is checked against the sha256 its manifest recorded (0.7 s for MPNet's 436 MB,
    measured): a damaged one is exported again, with a one-line warning, never run. A new one is
    checked against its fp32 source as it is built (`export_check`), refused below the floor
    (`setting`: the config key that asked for int8, named in the refusal)."""
    root = cache_root() / "onnx"
    final = root / export_key(model_path, kind, quantize)
    if final.exists():
        problem = export_problem(final)
        if problem is None:
            return final
        if problem == UNCHECKED_EXPORT:
            print(f"nlp: the cached ONNX export {final} predates checked exports; exporting it again", file=sys.stderr)
        else:
            print(f"nlp: warning: the cached ONNX export {final} is damaged ({problem}); exporting it again", file=sys.stderr)
        shutil.rmtree(final, ignore_errors=True)
    source = ensure_export(model_path, kind, "none") if quantize == "int8" else None  # int8 is made from the checked fp32 export
    print(f"nlp: exporting {model_path.name} to ONNX ({kind}, quantize {quantize}) once, into {root}", file=sys.stderr)
    try:
        with building_folder(final, "export.json") as partial:
            if source is not None:
                manifest = _quantized(model_path, kind, source, partial, setting)
            else:
                meta = _export(model_path, kind, partial / "model.onnx")
                reference = meta.pop("reference", None)
                manifest = {**meta, "check": _checked(model_path, kind, "none", partial / "model.onnx", meta["inputs"], reference, setting)}
            manifest = {**manifest, "kind": kind, "quantize": quantize, "source": str(model_path), "sha256": file_sha256(partial / "model.onnx")}
            (partial / "export.json").write_text(json.dumps(manifest, indent=2))
    except OSError as exc:
        raise ModelError(
            f"cannot write the ONNX cache {root} ({exc.strerror or exc}); set NLP_CACHE_DIR to a writable folder, or use encoder.backend: torch"
        ) from exc
    return final


def _quantized(model_path: Path, kind: ExportKind, source: Path, partial: Path, setting: str) -> dict[str, Any]:
    """int8 weights (dynamic, per channel) for the MatMuls of the fp32 export at `source`, less
    those whose inputs hold outliers (kept fp32: `export_check`), checked against it; below the
    floor, once more with 7-bit weights (a CPU without VNNI can saturate on 8-bit ones)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    meta = json.loads((source / "export.json").read_text(encoding="utf-8"))
    fp32 = partial / "fp32.onnx"
    try:
        os.link(source / "model.onnx", fp32)  # the quantizer writes beside its input: this folder, not the cached export's
    except OSError:
        shutil.copyfile(source / "model.onnx", fp32)
    kept = list(meta.get("outliers", []))
    reference = _run_check_texts(model_path, fp32, meta["inputs"])
    for reduce_range in (False, True):
        with _quiet():
            quantize_dynamic(
                fp32,
                partial / "model.onnx",
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=reduce_range,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=kept,
            )
        try:
            check = _checked(model_path, kind, "int8", partial / "model.onnx", meta["inputs"], reference, setting)
            break
        except ModelError:
            if reduce_range:
                raise
    fp32.unlink()
    return {"inputs": meta["inputs"], "kept_fp32": kept, "reduce_range": reduce_range, "check": check}


def _checked(model_path: Path, kind: ExportKind, quantize: str, model: Path, inputs: list[str], reference: Any, setting: str) -> dict[str, Any]:
    from newsnlp.models.export_check import check

    if reference is None:  # an exporter that gave no reference (a test's stand-in): nothing to compare
        return {"source": "none"}
    return check(kind, quantize, reference, _run_check_texts(model_path, model, inputs), model_path.name, setting)


def _run_check_texts(model_path: Path, model: Path, inputs: list[str]) -> np.ndarray:
    import onnxruntime as ort

    from newsnlp.models.export_check import CHECK_MAX_LENGTH, check_texts, run_texts

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = FastTokenizer(model_path, CHECK_MAX_LENGTH, inputs)
    return run_texts(lambda texts: session.run(None, tokenizer(texts))[0], check_texts())


UNCHECKED_EXPORT = "it was exported before exports recorded their hash"  # not damage: re-made without a warning


def export_problem(folder: Path) -> str | None:
    """Why a cached export cannot be used (unreadable manifest, missing or changed model), or None."""
    try:
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        inputs = meta["inputs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"its manifest is unreadable: {type(exc).__name__}"
    recorded = meta.get("sha256") if isinstance(meta, dict) else None
    if not recorded:
        return UNCHECKED_EXPORT
    if not isinstance(inputs, list) or not (folder / "model.onnx").is_file():
        return "its model is missing"
    return None if file_sha256(folder / "model.onnx") == recorded else "its model does not match the hash recorded at export"


def _export(model_path: Path, kind: ExportKind, target: Path) -> dict[str, Any]:
    import torch
    from transformers import (
        AutoModel,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True, trust_remote_code=False)
    auto = AutoModel if kind == "encoder" else AutoModelForSequenceClassification
    model = auto.from_pretrained(model_path, local_files_only=True, trust_remote_code=False, dtype=torch.float32).eval()
    sample = tokenizer(["a short text", "and a somewhat longer second text"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            feeds = dict(zip(names, inputs))
            out = self.model(**feeds)
            if kind == "classifier":
                return out.logits
            hidden = out.last_hidden_state
            pooled = mean_pool(hidden, feeds["attention_mask"].to(hidden.dtype))
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    reference, outliers = _torch_reference(Graph(), tokenizer, names)
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"output": {0: "batch"}}
    with torch.inference_mode(), _quiet():
        torch.onnx.export(
            Graph(),
            tuple(sample[n] for n in names),
            str(target),
            input_names=names,
            output_names=["output"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    return {"inputs": names, "outliers": outliers, "reference": reference}


def _torch_reference(graph: Any, tokenizer: Any, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """The fp32 model's outputs for the check texts (what the export is compared with), and the
    MatMuls whose inputs hold outliers (kept fp32 by int8: `export_check`)."""
    import torch

    from newsnlp.models.export_check import CHECK_MAX_LENGTH, OutlierInputs, check_texts, run_texts

    probe = OutlierInputs(graph)

    def run(texts: list[str]) -> np.ndarray:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=CHECK_MAX_LENGTH, return_tensors="pt")
        probe.mask = batch["attention_mask"].bool()
        with torch.inference_mode():
            return graph(*(batch[n] for n in names)).float().numpy()

    reference = run_texts(run, check_texts())
    return reference, probe.names()


class _quiet:
    """Silence the exporter's and quantizer's warnings (tracing details and a pre-processing
    hint, not problems with the result)."""

    def __enter__(self) -> None:
        import logging
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore")
        self._root = logging.getLogger()
        self._level = self._root.level
        self._root.setLevel(logging.ERROR)

    def __exit__(self, *exc: Any) -> None:
        self._root.setLevel(self._level)
        self._ctx.__exit__(*exc)


class FastTokenizer:
    """`tokenizers` over the model's tokenizer.json: padding, truncation, pairs; numpy out."""

    def __init__(self, model_path: Path, max_length: int, inputs: Sequence[str]) -> None:
        from tokenizers import Tokenizer

        file = model_path / "tokenizer.json"
        if not file.is_file():
            raise ModelError(f"{model_path}: no tokenizer.json, which the onnx backend reads; use backend: torch")
        self.tokenizer = Tokenizer.from_file(str(file))
        self.inputs = list(inputs)
        self.max_length = max_length
        pad_id = next((i for t in ("[PAD]", "<pad>") if (i := self.tokenizer.token_to_id(t)) is not None), 0)
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=self.tokenizer.id_to_token(pad_id) or "[PAD]")

    def __call__(self, texts: Sequence[str] | Sequence[tuple[str, str]], pairs: bool = False) -> dict[str, np.ndarray]:
        self.tokenizer.enable_truncation(self.max_length, strategy="only_first" if pairs else "longest_first")
        encodings = self.tokenizer.encode_batch(list(texts))
        fields = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
        return {name: np.array([getattr(e, fields[name]) for e in encodings], dtype=np.int64) for name in self.inputs}


class OnnxModel:
    """A cached export run by ONNX Runtime on CPU with `threads` intra-op threads (0 = all cores)."""

    def __init__(
        self, model_path: Path, kind: ExportKind, quantize: str, max_length: int, threads: int = 0, setting: str = "encoder.quantize"
    ) -> None:
        import onnxruntime as ort

        folder = ensure_export(model_path, kind, quantize, setting)
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = FastTokenizer(model_path, max_length, meta["inputs"])

    def run(self, texts: Sequence[str] | Sequence[tuple[str, str]], pairs: bool = False) -> np.ndarray:
        return self.session.run(None, self.tokenizer(texts, pairs))[0]
