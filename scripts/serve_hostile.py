"""Good clients' latency on `nlp serve` with and without one hostile client, loopback only.

Starts the server (a child process on a free port, fetching allowed from 127.0.0.1 only) and a
local site of hostile pages, then runs two rounds: `--clients` good clients, each sending
`--requests` small requests in turn (/v1/classify, /v1/summarize, /v1/pages with one lead),
alone; then the same with one hostile client beside them, which keeps sending, each again as soon
as it is answered: six slow-loris URLs (a byte a second; it leaves after 10 s), a JSON Feed of
`--feed-items` items, a 1.7 MB page of links it hangs up on after 2 s, a page with a malformed
link, a `charset=punycode` URL and a redirect to `data:`, and a url `http://[::1`. The embedding
cache is off and every good text is new, so each answer is model work. Prints one JSON line: each round's p50, p95 and max latency of the good
clients, how many took over 10 s or failed, and the p95 ratio (the goal: at most 2, none over 10 s).

    python scripts/serve_hostile.py [--config configs/fast.yaml] [--clients 20] [--requests 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from serve_load import free_port, start  # noqa: E402

from tests.http_server import Route, Site, serving  # noqa: E402  # the tests' loopback site

ARTICLE = " ".join(f"Oil prices rose {i} percent on Monday as producers agreed to cut output again." for i in range(12))
SHORT = "Oil prices rose on Monday as producers agreed to cut output. Traders said supply would tighten. Shares of refiners fell."
PAGE = f"<html><head><title>Oil</title></head><body><article><p>{ARTICLE}</p></article></body></html>"
MALFORMED = PAGE.replace("</body>", '<a href="http://[ccpa-preferences]">Do not sell my data</a></body>')


def hostile_site(site: Site) -> None:
    for i in range(6):
        site.routes[f"/loris{i}"] = Route(PAGE.encode(), trickle_s=1.0)
    site.routes["/punycode"] = Route(PAGE.encode(), content_type="text/html; charset=punycode")
    site.routes["/to-data"] = Route(b"", status=302, headers={"Location": "data:text/html,hi"})


def big_page() -> str:
    links = "".join(
        f'<li><a href="/s/{i}">Story {i}: the central bank moved rates again today</a><p>More on story {i}.</p></li>' for i in range(14000)
    )
    return f"<html><body><ul>{links}</ul></body></html>"  # about 1.7 MB


def json_feed(items: int) -> str:
    rows = [{"id": f"j{i}", "title": f"Story {i}: the central bank moved rates by {i} points"} for i in range(items)]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": rows})


GOOD = [  # small requests, each text new (the embedding cache is off too): every answer is model work
    ("/v1/classify", lambda tag: {"texts": [f"The central bank raised rates, {tag} reports"]}),
    ("/v1/summarize", lambda tag: {"text": f"{SHORT} Asked by {tag}."}),
    ("/v1/pages", lambda tag: {"documents": [{"id": tag, "lead": f"{SHORT} Asked by {tag}.", "teasers": [f"Stocks fell, {tag} says"]}]}),
]


async def good_client(url: str, c: int, requests: int, latencies: list[float], failures: list[str], round_name: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for i in range(requests):
            path, body = GOOD[(c + i) % len(GOOD)]
            began = time.perf_counter()
            try:
                answer = await client.post(path, json=body(f"{round_name} client {c} request {i}"))
                if answer.status_code != 200:
                    failures.append(f"{path} {answer.status_code}")
            except httpx.HTTPError as exc:
                failures.append(f"{path} {type(exc).__name__}")
            latencies.append(time.perf_counter() - began)


async def hostile_client(url: str, site: Site, feed_items: int, stop: asyncio.Event, sent: list[str], only: list[str]) -> None:
    """One client, its attacks side by side, each again as soon as it is answered (or left)."""
    big = big_page()
    attacks: list[tuple[str, dict[str, object], float]] = [
        ("loris", {"documents": [{"id": i, "url": site.url(f"/loris{i}")} for i in range(6)]}, 10.0),
        ("feed", {"documents": [{"id": "feed", "feed": json_feed(feed_items)}]}, 120.0),
        ("big-page-then-hang-up", {"documents": [{"id": "big", "html": big}]}, 2.0),
        (
            "bad-pages",
            {"documents": [{"id": "m", "html": MALFORMED}, {"id": "p", "url": site.url("/punycode")}, {"id": "d", "url": site.url("/to-data")}]},
            30.0,
        ),
        ("bad-url", {"documents": [{"id": "u", "url": "http://[::1"}]}, 30.0),
    ]

    async def again(name: str, body: dict[str, object], leave_after: float) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=leave_after) as client:
            while not stop.is_set():
                try:
                    answer = await client.post("/v1/pages", json=body)
                    sent.append(f"{name} {answer.status_code}")
                except httpx.HTTPError:
                    sent.append(f"{name} left")
                if name == "bad-url":
                    await asyncio.sleep(0.5)

    await asyncio.gather(*(again(*attack) for attack in attacks if not only or attack[0] in only))


async def round_(url: str, clients: int, requests: int, site: Site | None, feed_items: int, only: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    failures: list[str] = []
    sent: list[str] = []
    stop = asyncio.Event()
    hostile = asyncio.ensure_future(hostile_client(url, site, feed_items, stop, sent, only)) if site else None
    if hostile:
        await asyncio.sleep(3)  # the attacks are under way before the good clients start
    began = time.perf_counter()
    round_name = "hostile" if site else "alone"
    await asyncio.gather(*(good_client(url, c, requests, latencies, failures, round_name) for c in range(clients)))
    took = time.perf_counter() - began
    stop.set()
    if hostile:
        hostile.cancel()
        await asyncio.gather(hostile, return_exceptions=True)
    return {
        "good_requests": len(latencies),
        "seconds": round(took, 1),
        "p50_s": round(float(np.percentile(latencies, 50)), 3),
        "p95_s": round(float(np.percentile(latencies, 95)), 3),
        "max_s": round(max(latencies), 3),
        "over_10_s": sum(latency > 10 for latency in latencies),
        "failed": failures[:10],
        "hostile_answers": dict(sorted(Counter(sent).items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "configs" / "fast.yaml"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=15, help="requests per good client per round")
    parser.add_argument("--feed-items", type=int, default=8000)
    parser.add_argument("--attacks", nargs="*", default=[], help="only these (loris, feed, big-page-then-hang-up, bad-pages, bad-url)")
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--set", action="append", default=[], dest="sets", help="passed to nlp serve")
    args = parser.parse_args()
    deadline = time.time() + args.max_seconds
    sets = [
        "cache.enabled=false",
        "serve.allow_fetch=true",
        "serve.fetch_allow_hosts=[127.0.0.1]",
        "fetch.per_host_rps=100",
        "serve.max_body_bytes=4000000",
        *args.sets,
    ]
    port = free_port()
    with serving(Site()) as site:
        hostile_site(site)
        server = start(args.config, port, [a for pair in sets for a in ("--set", pair)], deadline)
        url = f"http://127.0.0.1:{port}"
        try:
            alone = asyncio.run(round_(url, args.clients, args.requests, None, args.feed_items, args.attacks))
            beside = asyncio.run(round_(url, args.clients, args.requests, site, args.feed_items, args.attacks))
        finally:
            server.terminate()
            server.wait(timeout=60)
            for route in site.routes.values():
                route.trickle_s = 0.0
    alone_p95, beside_p95 = alone["p95_s"], beside["p95_s"]
    assert isinstance(alone_p95, float) and isinstance(beside_p95, float)
    figures = {
        "config": args.config,
        "clients": args.clients,
        "requests_per_client": args.requests,
        "attacks": args.attacks or "all",
        "alone": alone,
        "with_one_hostile_client": beside,
        "p95_ratio": round(beside_p95 / alone_p95, 2),
        "goal_met": beside_p95 <= 2 * alone_p95 and beside["over_10_s"] == 0,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
