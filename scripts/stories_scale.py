"""Does grouping stay flat as a run grows? `nlp run --stories` with the fast preset over generated
teasers (dates spread over weeks, events reported by one to five outlets), at two sizes, each in
a new process: its peak memory and the share of its time spent keeping and grouping stories.

    python scripts/stories_scale.py                    # 10,000 then 100,000 teasers
    python scripts/stories_scale.py --sizes 2000 20000 # a quicker look

The texts are made up for scale only (they say nothing of quality; docs/quality.md measures that
on real teasers). Prints one JSON line per size and the ratios the goals name."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def vocabulary() -> list[str]:
    """Whole English words from the fast preset's own tokenizer vocabulary (no data shipped)."""
    from newsnlp.models.resolve import resolve_model

    words = (resolve_model("minilm") / "vocab.txt").read_text(encoding="utf-8").split()
    return [w for w in words if w.isalpha() and w.isascii() and len(w) > 3]


def generate(path: Path, teasers: int, days: int = 56, per_page: int = 5, seed: int = 7) -> None:
    """Pages of `per_page` teasers each. Every event (eight words, a name, a figure) is told by
    one to five outlets within two days, each dropping a word and adding one of its own."""
    rng = random.Random(seed)
    words = vocabulary()
    start = time.mktime((2026, 1, 5, 0, 0, 0, 0, 0, 0))
    told: list[tuple[str, str]] = []
    while len(told) < teasers:
        event = rng.sample(words, 8)
        name, figure, moment = rng.choice(words).title(), rng.randint(2, 900), start + rng.random() * days * 86_400
        for _ in range(rng.randint(1, 5)):
            said = [w for w in event if rng.random() > 0.15] + [rng.choice(words)]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment + rng.random() * 2 * 86_400))
            told.append((f"{name} {' '.join(said)} {figure}...", stamp))
    rng.shuffle(told)
    with path.open("w", encoding="utf-8") as out:
        for page in range(0, teasers, per_page):
            rows = [{"text": text, "published": stamp} for text, stamp in told[page : page + per_page]]
            out.write(json.dumps({"id": f"p{page // per_page}", "lead": "", "teasers": rows}) + "\n")


def measure(teasers: int, folder: Path) -> dict[str, float]:
    data = folder / f"teasers-{teasers}.jsonl"
    generate(data, teasers)
    command = [sys.executable, "-m", "newsnlp", "run", str(ROOT / "configs" / "fast.yaml"), "-i", str(data)]
    command += ["-o", str(folder / f"out-{teasers}.jsonl"), "--stories", str(folder / f"stories-{teasers}.sqlite"), "-q"]
    command += ["--set", f"cache.path={folder / f'embeddings-{teasers}.sqlite'}"]  # every text encoded, none from earlier runs
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    log = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"nlp run failed on {teasers} teasers:\n{log}")
    run_s = float(re.search(r" in ([\d.]+)s\n", log).group(1))  # type: ignore[union-attr]
    found = re.search(r"([\d,]+) stor(?:y|ies) in .* \(grouping took ([\d.]+)s\)", log)
    assert found, log
    grouping_s = float(found.group(2))
    return {
        "teasers": teasers,
        "stories": int(found.group(1).replace(",", "")),
        "run_s": run_s,
        "grouping_s": grouping_s,
        "grouping_share": round(grouping_s / run_s, 4),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000], metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nlp-stories-scale-") as tmp:
        small, large = (measure(n, Path(tmp)) for n in args.sizes)
        for row in (small, large):
            print(json.dumps(row))
    print(
        json.dumps(
            {
                "memory_ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
                "grouping_share_large": large["grouping_share"],
                "goals": "memory_ratio <= 1.2, grouping_share_large <= 0.10",
            }
        )
    )


if __name__ == "__main__":
    main()
