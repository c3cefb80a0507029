"""Measurements in new processes: `nlp run`'s start-up against a bare script, its peak memory,
and 10,000 and 100,000 documents through `nlp run`'s code path. The children are modules of this
package run with `python -m`, so nothing here is Python source kept in strings."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from newsnlp.bench.texts import BenchTexts, page_text
from newsnlp.models.resolve import resolve_model
from newsnlp.resources import resource_path


def _best_of(command: list[str], repeats: int = 2) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        times.append(time.perf_counter() - start)
    return min(times)


def startup(config_path: Path | None, texts: BenchTexts, encoder: str = "mpnet") -> dict[str, Any]:
    """`nlp run` on one page of the bench's texts in a new process (model load included) against
    a bare script that imports torch and transformers, loads the same encoder and encodes the
    page's texts."""
    config_arg = str(config_path) if config_path else str(resource_path("default.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.txt"
        page.write_text(page_text(texts), encoding="utf-8")
        ours_cmd = [sys.executable, "-m", "newsnlp", "run", config_arg, "-i", str(page), "-o", str(Path(tmp) / "r.jsonl"), "--quiet"]
        subprocess.run(ours_cmd, check=True, capture_output=True)  # once first: a cached export is part of normal use
        ours = _best_of(ours_cmd)
        rss = subprocess.run([sys.executable, "-m", "newsnlp.bench.peak_rss_child", *ours_cmd[3:]], check=True, capture_output=True, text=True)
        run_rss = float(rss.stdout.strip().splitlines()[-1])
        bare = _best_of([sys.executable, "-m", "newsnlp.bench.bare_encode_child", str(resolve_model(encoder)), str(page)])
        imports = _best_of([sys.executable, "-c", "import torch, transformers; transformers.AutoModel"])
    return {
        "startup_ours_s": round(ours, 2),
        "startup_bare_script_s": round(bare, 2),
        "startup_imports_only_s": round(imports, 2),
        "startup_ratio": round(ours / bare, 2),
        "peak_rss_mb": round(run_rss, 1),
    }


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


def scale(overrides: dict[str, Any], sizes: tuple[int, ...] = (10_000, 100_000)) -> dict[str, Any]:
    """Short synthetic documents through `nlp run`'s code path, one child process per size."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = Path(tmp) / f"docs-{n}.jsonl"
            with data.open("w", encoding="utf-8") as f:
                for i in range(n):
                    f.write(
                        json.dumps(
                            {
                                "id": f"d{i}",
                                "lead": f"Company {i} said its shares rose {i % 97} percent on day {i % 31}. Analysts expect more.",
                                "teasers": [f"Report {i}: oil prices moved {i % 13} percent as talks went on..."],
                            }
                        )
                        + "\n"
                    )
            proc = subprocess.run(
                [sys.executable, "-m", "newsnlp.bench.scale_child", str(data), str(Path(tmp) / f"out-{n}.jsonl"), json.dumps(overrides)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )
            child = json.loads(proc.stdout.strip().splitlines()[-1])
            out[f"scale_{n}"] = child
            (Path(tmp) / f"out-{n}.jsonl").unlink(missing_ok=True)
    first, last = out[f"scale_{sizes[0]}"], out[f"scale_{sizes[-1]}"]
    out["rss_ratio_100k_vs_10k"] = round(last["peak_rss_mb"] / first["peak_rss_mb"], 3)
    return out
