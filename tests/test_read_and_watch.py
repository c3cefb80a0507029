"""Real news in, end to end: `nlp read`, `nlp run` on HTML, feeds and URLs served from
127.0.0.1, and `nlp watch` (conditional requests, new items only, kill -9)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import FAST, ROOT, records_equal
from tests.http_server import Route, Site, serving

EXAMPLES = ROOT / "examples"
runner = CliRunner()
QUICK_FETCH = ["--set", "fetch.per_host_rps=50"]


def invoke(*args: str, code: int = 0):
    """Run the CLI; exit 3 means written, but some documents failed."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_read_writes_what_run_reads_back_into_the_same_records(tmp_path):
    invoke("read", str(EXAMPLES), "-o", str(tmp_path / "docs.jsonl"))
    docs = records(tmp_path / "docs.jsonl")
    assert [d["id"] for d in docs] == ["article", "feed", "wire", "world"]
    assert docs[0]["teasers"][0]["url"].startswith("https://news.example.com/") and docs[0]["published"] == "2026-12-04"
    invoke("run", str(FAST), "-i", str(EXAMPLES), "-o", str(tmp_path / "direct.jsonl"), "-q")
    invoke("run", str(FAST), "-i", str(tmp_path / "docs.jsonl"), "-o", str(tmp_path / "via_read.jsonl"), "-q")
    assert records_equal(records(tmp_path / "direct.jsonl"), records(tmp_path / "via_read.jsonl")) is None


def test_run_on_a_page_and_feeds_summarises_the_article_and_links_every_teaser(tmp_path):
    out = tmp_path / "r.jsonl"
    invoke(
        "run",
        str(FAST),
        "-i",
        str(EXAMPLES / "article.html"),
        "-i",
        str(EXAMPLES / "feed.xml"),
        "-i",
        str(EXAMPLES / "world.atom"),
        "-o",
        str(out),
        "-q",
    )
    article, rss, atom = records(out)
    assert article["summary"]["text"].startswith("Oil prices rose on Thursday") and "<" not in article["summary"]["text"]
    assert article["url"] == "https://news.example.com/energy/2026/12/04/oil-rises-output-cuts" and article["title"].startswith("Oil rises")
    assert article["article"]["topic"]["label"] == "energy"
    for record, count in ((article, 5), (rss, 3), (atom, 2)):
        assert len(record["teasers"]) == count
        assert all(t["url"].startswith("https://") and "<" not in t["text"] and "&amp;" not in t["text"] for t in record["teasers"])
    assert rss["teasers"][0]["id"] == "hl-2026-12-05-0001" and rss["teasers"][0]["published"] == "2026-12-05T08:15:00Z"
    assert "topic" not in rss["article"]  # a feed has no article of its own


def test_urls_served_locally_give_the_saved_files_records_and_robots_is_honoured(tmp_path):
    saved = tmp_path / "saved.jsonl"
    invoke("run", str(FAST), "-i", str(EXAMPLES / "article.html"), "-i", str(EXAMPLES / "feed.xml"), "-o", str(saved), "-q")
    with serving(Site()) as site:
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        site.routes["/article"] = Route((EXAMPLES / "article.html").read_bytes())
        site.routes["/feed"] = Route((EXAMPLES / "feed.xml").read_bytes(), content_type="application/rss+xml")
        site.routes["/private/page"] = Route((EXAMPLES / "article.html").read_bytes())
        listing = tmp_path / "sources.urls"
        listing.write_text(f"{site.url('/article')}\n{site.url('/feed')}\n{site.url('/private/page')}\n")
        fetched = tmp_path / "fetched.jsonl"
        invoke("run", str(FAST), "-i", str(listing), "-o", str(fetched), "-q", *QUICK_FETCH, code=3)  # the robots-refused page
    assert "/private/page" not in site.paths()
    got = records(fetched)
    assert "refused by" in got[2]["error"] and got[2]["id"] == site.url("/private/page")
    for local, remote in zip(records(saved), got[:2]):
        assert remote["fetched"] and remote["id"].startswith("http://127.0.0.1")
        assert records_equal({**local, "id": "", "url": ""}, {**{k: v for k, v in remote.items() if k != "fetched"}, "id": "", "url": ""}) is None
    assert got[0]["url"] == "https://news.example.com/energy/2026/12/04/oil-rises-output-cuts"  # the page's canonical URL


FEED_HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title><link>http://127.0.0.1/</link>'


def feed(items: range) -> bytes:
    body = "".join(
        f"<item><title>Story {i}: the central bank moved rates by {i} points</title><link>http://127.0.0.1/s/{i}</link><guid>g-{i}</guid></item>"
        for i in items
    )
    return (FEED_HEAD + body + "</channel></rss>").encode()


def test_watch_adds_only_new_items_and_sends_only_conditional_requests_when_nothing_changed(tmp_path):
    out = tmp_path / "watch.jsonl"
    with serving(Site()) as site:
        site.routes["/feed"] = Route(feed(range(3)), content_type="application/rss+xml")
        invoke("watch", site.url("/feed"), "-o", str(out), "--once", "-c", str(FAST), *QUICK_FETCH)
        assert [r["id"] for r in records(out)] == ["g-0", "g-1", "g-2"]
        before = len(site.requests)
        second = invoke("watch", site.url("/feed"), "-o", str(out), "--once", "-c", str(FAST), *QUICK_FETCH)
        assert "0 new items" in second.output and len(records(out)) == 3
        assert all(r.conditional for r in site.requests[before:]) and len(site.requests) > before
        site.routes["/feed"] = Route(feed(range(5)), content_type="application/rss+xml")
        third = invoke("watch", site.url("/feed"), "-o", str(out), "--once", "-c", str(FAST), *QUICK_FETCH)
    assert "2 new items" in third.output
    assert [r["id"] for r in records(out)] == ["g-0", "g-1", "g-2", "g-3", "g-4"]
    assert records(out)[3]["teasers"][0]["url"] == "http://127.0.0.1/s/3"


def test_watch_killed_mid_cycle_loses_and_duplicates_nothing(tmp_path):
    source = tmp_path / "big.xml"
    source.write_bytes(feed(range(400)))
    out = tmp_path / "watch.jsonl"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "newsnlp", "watch", str(source), "-o", str(out), "--once", "-c", str(FAST), "--set", "batch_size=8"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = len(out.read_text().splitlines())
    assert 0 < first < 400, "the kill should land mid-cycle"
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    ids = [r["id"] for r in records(out)]
    assert sorted(ids) == sorted(f"g-{i}" for i in range(400)) and len(ids) == len(set(ids))


def test_watch_reports_a_failing_source_and_goes_on(tmp_path):
    out = tmp_path / "w.jsonl"
    shutil.copy(EXAMPLES / "world.atom", tmp_path / "world.atom")
    result = invoke("watch", str(tmp_path / "world.atom"), "http://127.0.0.1:9/none", "-o", str(out), "--once", "-c", str(FAST), *QUICK_FETCH, code=3)
    assert "1 failed" in result.output and "127.0.0.1:9" in result.output
    assert len(records(out)) == 2


def test_a_single_url_that_fails_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["run", str(FAST), "-i", "http://127.0.0.1:9/feed", "-o", str(tmp_path / "r.jsonl"), *QUICK_FETCH])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "http://127.0.0.1:9/feed" in lines[0] and "cannot connect" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()
