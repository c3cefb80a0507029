"""What `nlp run --engine ray` costs on one machine against the plain run: the same generated
JSONL through both engines (new processes, model loading and Ray's start-up included), the
outputs compared. Usage: python scripts/ray_vs_local.py [N_DOCS] (default 2000); needs the
optional extra: pip install -e '.[ray]'."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsnlp.bench.texts import synthetic_texts
from newsnlp.resources import resource_path


def main(n: int) -> None:
    teasers, leads = synthetic_texts(8 * n)  # generated from the seed page: runs on a fresh clone
    docs = [{"id": f"d{i}", "lead": leads[i % len(leads)], "teasers": teasers[8 * i : 8 * i + 8]} for i in range(n)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "docs.jsonl"
        data.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        seconds, outputs = {}, {}
        for engine in ("local", "ray"):
            outputs[engine] = Path(tmp) / f"{engine}.jsonl"
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "newsnlp",
                    "run",
                    str(resource_path("default.yaml")),
                    "-i",
                    str(data),
                    "-o",
                    str(outputs[engine]),
                    "--quiet",
                    "--engine",
                    engine,
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            seconds[engine] = time.perf_counter() - start
        local = [json.loads(line) for line in outputs["local"].read_text().splitlines()]
        ray = [json.loads(line) for line in outputs["ray"].read_text().splitlines()]
        same = sum(
            a["id"] == b["id"]
            and a["summary"]["text"] == b["summary"]["text"]
            and [t["topic"]["label"] for t in a["teasers"]] == [t["topic"]["label"] for t in b["teasers"]]
            for a, b in zip(local, ray)
        )
    print(
        json.dumps(
            {
                "documents": n,
                "cpus": os.cpu_count(),
                "local_s": round(seconds["local"], 1),
                "ray_s": round(seconds["ray"], 1),
                "ray_over_local": round(seconds["ray"] / seconds["local"], 2),
                "same_records": f"{same}/{len(local)}",
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
