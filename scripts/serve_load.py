"""Load on `nlp serve`, loopback only, bounded: N single-teaser /v1/classify requests sent one at a
time, then the same requests from 64 concurrent clients; prints the throughput ratio, p50 and p99
latency, and whether every concurrent answer equals the sequential one. Starts its own server
(a child process on a free port) and stops it, and itself after --max-seconds.

    python scripts/serve_load.py [--config configs/default.yaml] [--requests 256] [--clients 64] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsnlp.bench.texts import bench_texts  # noqa: E402
from newsnlp.records import records_equal  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(config: str, port: int, extra: list[str], deadline: float) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsnlp", "serve", config, "--port", str(port), *extra]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}: {' '.join(command)}")
        time.sleep(0.25)
    server.kill()
    raise SystemExit("the server was not ready in time")


async def one(client: httpx.AsyncClient, text: str) -> tuple[dict, float]:
    began = time.perf_counter()
    response = await client.post("/v1/classify", json={"texts": [text]})
    response.raise_for_status()
    return response.json()["results"][0], time.perf_counter() - began


async def sequential(url: str, texts: list[str]) -> tuple[list[dict], list[float], float]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        await one(client, "warm up")
        began = time.perf_counter()
        pairs = [await one(client, text) for text in texts]
    return [p[0] for p in pairs], [p[1] for p in pairs], time.perf_counter() - began


async def concurrent(url: str, texts: list[str], clients: int) -> tuple[list[dict], list[float], float]:
    results: list[tuple[dict, float] | None] = [None] * len(texts)
    queue = list(enumerate(texts))[::-1]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker() -> None:
            while queue:
                i, text = queue.pop()
                results[i] = await one(client, text)

        await one(client, "warm up")
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        took = time.perf_counter() - began
    done = [r for r in results if r is not None]
    return [r[0] for r in done], [r[1] for r in done], took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.yaml"))
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--data", type=Path, default=None, help="a folder laid out as ../shared/data: real AG News teasers")
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--set", action="append", default=[], dest="sets", help="passed to nlp serve")
    args = parser.parse_args()
    deadline = time.time() + args.max_seconds
    texts = bench_texts(args.requests, args.data).teasers[: args.requests]
    port = free_port()
    sets = ["cache.enabled=false", *args.sets]  # the same texts are sent twice: the second round must not read the first's embeddings
    server = start(args.config, port, [a for pair in sets for a in ("--set", pair)], deadline)
    url = f"http://127.0.0.1:{port}"
    try:
        seq, seq_lat, seq_s = asyncio.run(asyncio.wait_for(sequential(url, texts), max(1.0, deadline - time.time())))
        con, con_lat, con_s = asyncio.run(asyncio.wait_for(concurrent(url, texts, args.clients), max(1.0, deadline - time.time())))
    finally:
        server.terminate()
        server.wait(timeout=60)
    differences = [d for a, b in zip(con, seq) if (d := records_equal(a, b))]
    figures = {
        "config": args.config,
        "requests": len(texts),
        "clients": args.clients,
        "texts": "from " + ("--data" if args.data else "the packaged label examples"),
        "sequential_requests_per_s": round(len(texts) / seq_s, 1),
        "concurrent_requests_per_s": round(len(texts) / con_s, 1),
        "throughput_ratio": round(seq_s / con_s, 2),
        "sequential_p50_ms": round(1000 * float(np.percentile(seq_lat, 50)), 1),
        "sequential_p99_ms": round(1000 * float(np.percentile(seq_lat, 99)), 1),
        "concurrent_p50_ms": round(1000 * float(np.percentile(con_lat, 50)), 1),
        "concurrent_p99_ms": round(1000 * float(np.percentile(con_lat, 99)), 1),
        "answers_equal": not differences and len(con) == len(seq),
        "first_difference": differences[0] if differences else None,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
