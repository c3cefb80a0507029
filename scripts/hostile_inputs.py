"""Step 3's hostile inputs, each served from 127.0.0.1 and read by `nlp read` in its own process:
its exit code, whether it printed a traceback, its seconds and its peak memory (the process's
max RSS) against the same command on a harmless page. Then, in process, a redirect from a
"public" start (a staged resolver) to a private address: the connections it made there.

    PYTHONPATH=. python scripts/hostile_inputs.py [--only NAME ...]

Loopback only, bounded: the slow-drip case runs with fetch.deadline_s=5."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from tests.http_server import Route, Site, serving

ARTICLE = b"<p>" + b"Officials said the plan would be signed next week after months of talks. " * 20 + b"</p>"
PAGE = b"<html><head><title>A harmless page</title></head><body><article>" + ARTICLE + b"</article></body></html>"


def gzip_zeros(size: int) -> bytes:
    """`size` zero bytes gzipped, built a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join([*(packer.compress(block) for _ in range(size >> 20)), packer.flush()])


def html_with(middle: bytes) -> bytes:
    return b"<html><head><title>T</title></head><body>" + middle + ARTICLE + b"</body></html>"


def cases() -> dict[str, tuple[list[Route], dict[str, str]]]:
    """name: (the routes served at /0, /1, ... (the first is read), extra --set keys)."""
    one_gb = gzip_zeros(1 << 30)
    links = b"".join(b"<li><a href='/s%d'>Ministers agree a plan number %d</a></li>" % (n, n) for n in range(4))
    jsonfeed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [{"id": "1", "title": "bad \ud800"}, {"id": "2", "title": "ok"}],
    }
    return {
        "harmless page": ([Route(PAGE)], {}),
        "malformed link": (
            [Route(html_with(b"<ul>" + links + b"<li><a href='http://[ccpa-preferences]'>Your privacy choices here</a></li></ul>"))],
            {},
        ),
        "non-ASCII ETag, read twice": ([Route(PAGE, headers={"ETag": '"caf\xe9"'}, etag=False)], {}),
        "redirect to data:": ([Route(status=302, headers={"Location": "data:text/html,hi"}, etag=False)], {}),
        "redirect to javascript:": ([Route(status=302, headers={"Location": "javascript:alert(1)"}, etag=False)], {}),
        "redirect to mailto:": ([Route(status=302, headers={"Location": "mailto:a@b.example"}, etag=False)], {}),
        "Retry-After: ²": ([Route(status=503, headers={"Retry-After": "\u00b2"}, etag=False)], {"fetch.backoff_s": "0"}),
        "JSON Feed with \\ud800": ([Route(json.dumps(jsonfeed).encode(), content_type="application/feed+json")], {}),
        "RSS item with &#55296;": (
            [
                Route(
                    b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>bad &#55296;</title></item></channel></rss>",
                    "application/rss+xml",
                )
            ],
            {},
        ),
        "charset=punycode header": ([Route(PAGE.replace(b"harmless", b"open-air"), content_type="text/html; charset=punycode")], {}),
        "<meta charset=undefined>": ([Route(html_with(b"<meta charset='undefined'>"))], {}),
        "text page, charset=undefined": ([Route(b"A lead-in of a plain page.\n", content_type="text/plain; charset=undefined")], {}),
        "slow drip (1 byte / 50 ms)": ([Route(PAGE, drip_s=0.05)], {"fetch.deadline_s": "5"}),
        "gzip, gzip: 1 GB": ([Route(gzip.compress(one_gb, 9), headers={"Content-Encoding": "gzip, gzip"})], {}),
        "gzip: 1 GB": ([Route(one_gb, headers={"Content-Encoding": "gzip"})], {}),
        "56,000 attributes (0.88 MB)": ([Route(html_with(b"<div " + b" ".join(b'data-a%d="v"' % n for n in range(56_000)) + b">x</div>"))], {}),
        "400,000 elements (5.6 MB)": ([Route(html_with(b"<span>x</span>" * 400_000))], {}),
        "20,000 nested divs": ([Route(html_with(b"<div>" * 20_000 + b"x" + b"</div>" * 20_000))], {}),
        "robots.txt 740 kB, Disallow *.html$": ([Route(PAGE)], {}),  # its robots.txt is set in run_case
    }


def run_nlp(url: str, keys: dict[str, str], cache: Path) -> tuple[int, bool, float, int]:
    """(exit code, traceback printed, seconds, peak RSS in MB) of `nlp read URL`."""
    sets = [arg for key, value in {"fetch.per_host_rps": "50", **keys}.items() for arg in ("--set", f"{key}={value}")]
    env = {**os.environ, "NLP_CACHE_DIR": str(cache)}
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-m", "newsnlp", "read", url, *sets], stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return os.waitstatus_to_exitcode(status), "Traceback" in text, time.monotonic() - start, usage.ru_maxrss // 1024


def run_case(name: str, routes: list[Route], keys: dict[str, str], edit: Callable[[Path], None] | None = None) -> dict[str, object]:
    with serving(Site()) as site, tempfile.TemporaryDirectory() as cache:
        for n, route in enumerate(routes):
            site.routes[f"/{n}.html" if name.startswith("robots") else f"/{n}"] = route
        if name.startswith("robots"):
            site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /*.html$\n" + b"# filler\n" * 82_000, content_type="text/plain")
        url = site.url("/0.html" if name.startswith("robots") else "/0")
        runs = [run_nlp(url, keys, Path(cache))]
        if "twice" in name or edit is not None:
            if edit is not None:
                edit(Path(cache) / "http")
            runs.append(run_nlp(url, keys, Path(cache)))
    code, traceback, seconds, peak = max(runs, key=lambda r: r[3])
    return {
        "input": name,
        "exit": [r[0] for r in runs],
        "traceback": any(r[1] for r in runs),
        "seconds": round(sum(r[2] for r in runs), 1),
        "peak_mb": peak,
    }


def cache_edits() -> dict[str, Callable[[Path], None]]:
    def edit(how: str) -> Callable[[Path], None]:
        def apply(folder: Path) -> None:
            for meta in folder.glob("*.json"):
                if "robots" in json.loads(meta.read_text())["url"]:
                    continue
                body = meta.with_suffix(".body")
                if how == "[]":
                    meta.write_text("[]")
                elif how == "etag 12345":
                    meta.write_text(json.dumps({**json.loads(meta.read_text()), "etag": 12345}))
                else:
                    body.unlink()
                    body.symlink_to("/dev/zero")

        return apply

    return {f"cache edited: {how}": edit(how) for how in ("[]", "etag 12345", "body -> /dev/zero")}


def private_after_public() -> dict[str, object]:
    """A staged "public" start (127.0.0.1 counted public) redirecting to 127.0.0.2 (private)."""
    import ipaddress

    from newsnlp.config.inputs import FetchConfig
    from newsnlp.documents.addresses import AddressPolicy, is_public_address
    from newsnlp.documents.fetch import Fetcher, FetchError

    loopback = ipaddress.ip_address("127.0.0.1")
    answers = {"news.test": ["127.0.0.1"], "intranet.test": ["127.0.0.2"]}
    policy = AddressPolicy(resolver=lambda host, port: answers[host], is_public=lambda a: a == loopback or is_public_address(a))
    with serving(Site()) as site, tempfile.TemporaryDirectory() as cache:
        site.routes["/feed"] = Route(status=302, headers={"Location": f"http://intranet.test:{site.port}/secret"}, etag=False)
        site.routes["/secret"] = Route(PAGE)
        with Fetcher(FetchConfig(per_host_rps=50), cache_dir=Path(cache), guard=policy) as fetcher:
            try:
                fetcher.get(f"http://news.test:{site.port}/feed")
                outcome = "fetched"
            except FetchError as exc:
                outcome = exc.cause
    return {"input": "redirect public -> private", "private connections": site.paths().count("/secret"), "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only the inputs whose name contains one of these")
    args = parser.parse_args()
    rows = []
    for name, (routes, keys) in cases().items():
        if args.only and name != "harmless page" and not any(o in name for o in args.only):
            continue
        rows.append(run_case(name, routes, keys))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    for name, edit in cache_edits().items():
        if not args.only or any(o in name for o in args.only):
            rows.append(run_case(name, [Route(PAGE)], {}, edit))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if not args.only or any(o in "redirect public -> private" for o in args.only):
        print(json.dumps(private_after_public()), flush=True)
    base = int(str(rows[0]["peak_mb"]))
    worst = max(rows[1:], key=lambda r: int(str(r["peak_mb"])), default=rows[0])
    print(
        f"tracebacks: {sum(bool(r['traceback']) for r in rows)}; harmless peak {base} MB; "
        f"worst hostile peak {worst['peak_mb']} MB ({worst['input']}), {int(str(worst['peak_mb'])) - base:+d} MB"
    )


if __name__ == "__main__":
    main()
