"""Step 3, the server against the wild web (every page served from 127.0.0.1): a page that cannot
be read is that document's `error` in a 200 answer (it was a 500); slow-loris URLs hold only the
fetch threads (they held every thread /v1/pages and /v1/summarize needed, and kept a stopped
server alive); work for a client that left is abandoned; a huge feed takes turns with other
requests and is capped; fetched pages are kept a bounded, expiring while, failures never; JSON
Feed is accepted; /docs needs no CDN."""

from __future__ import annotations

import json
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytest.importorskip("fastapi")

from newsnlp import load_config  # noqa: E402
from tests.helpers import FAST  # noqa: E402
from tests.http_server import Route, Site, serving  # noqa: E402
from tests.serve.test_server import pages_passes, post, running, serve_process  # noqa: E402

FETCHING = {"serve.allow_fetch": True, "serve.fetch_allow_hosts": ["127.0.0.1"], "fetch.per_host_rps": 100, "fetch.cache": False}
MALFORMED_LINK = (
    "<html><head><title>Rates held</title></head><body><article><p>The central bank held interest rates on Thursday, "
    "as inflation eased for a third month and officials said they would wait for more data.</p></article>"
    '<footer><a href="http://[ccpa-preferences]">Do not sell my data</a></footer></body></html>'
)
PAGE = (
    "<html><head><title>Oil rises</title></head><body><article><p>Oil prices rose on Monday after producers agreed "
    "to cut output again, traders said, and the market weighed what it meant for supply.</p></article></body></html>"
)


def json_feed(items: int) -> str:
    rows = [
        {"id": f"j{i}", "url": f"https://news.example.com/s/{i}", "title": f"Story {i}: the central bank moved rates by {i} points"}
        for i in range(items)
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON news", "items": rows})


def test_a_page_that_cannot_be_read_is_its_documents_error_in_a_200(monkeypatch):
    config = load_config(FAST, FETCHING)
    with serving(Site()) as site, running(config) as url:
        site.routes["/page"] = Route(PAGE.encode())
        site.routes["/punycode"] = Route(PAGE.encode(), content_type="text/html; charset=punycode")
        site.routes["/to-data"] = Route(b"", status=302, headers={"Location": "data:text/html,hi"})
        documents = [
            {"id": "lead", "lead": "Stocks fell sharply on Tuesday as investors fled risk."},
            {"id": "malformed", "html": MALFORMED_LINK},
            {"id": "page", "url": site.url("/page")},
            {"id": "punycode", "url": site.url("/punycode")},
            {"id": "to-data", "url": site.url("/to-data")},
            {"id": "json-feed", "feed": json_feed(3)},
        ]
        answer = post(url, "/v1/pages", {"documents": documents})
        assert answer.status_code == 200, answer.text
        got = {r["id"]: r for r in answer.json()["records"]}
        assert set(got) == {d["id"] for d in documents}
        assert got["lead"]["article"]["sentiment"] and got["page"]["summary"]["text"].startswith("Oil prices rose")
        assert "error" not in got["malformed"] and got["to-data"]["error"]  # the malformed link is skipped; a redirect to data: fails alone
        assert "error" in got["punycode"] or got["punycode"]["summary"]  # read or refused: never the request's 500
        assert [t["id"] for t in got["json-feed"]["teasers"]] == ["j0", "j1", "j2"]  # JSON Feed, as the docs say
        for bad in ("http://[::1", "http://127.0.0.1:99999/page", "ftp://127.0.0.1/page"):
            refused = post(url, "/v1/pages", {"documents": [{"id": "x", "url": bad}]})
            assert refused.status_code == 422 and refused.json()["field"] == "documents.0.url", (bad, refused.text)


def test_slow_loris_urls_hold_no_thread_other_routes_need():
    """Six URLs that send a byte a second took every thread: /v1/pages and /v1/summarize hung."""
    config = load_config(FAST, FETCHING)  # serve.max_fetches: 8
    with serving(Site()) as site, running(config) as url:
        lorises = [Route(PAGE.encode(), trickle_s=1.0) for _ in range(8)]
        site.routes.update({f"/loris{i}": loris for i, loris in enumerate(lorises)})
        with ThreadPoolExecutor(8) as pool:
            slow = [pool.submit(post, url, "/v1/pages", {"documents": [{"id": i, "url": site.url(f"/loris{i}")}]}) for i in range(8)]
            time.sleep(1.5)  # every loris is being read
            began = time.monotonic()
            summary = httpx.post(url + "/v1/summarize", json={"text": "Oil prices rose on Monday. Traders cheered the cut."}, timeout=30)
            page = post(url, "/v1/pages", {"documents": [{"id": "p", "html": PAGE}]})
            took = time.monotonic() - began
            assert summary.status_code == 200 and page.status_code == 200 and took < 30, (
                took
            )  # the slow lorises send for hours; the goal (none over 10 s) is measured by scripts/serve_hostile.py
            assert not any(f.done() for f in slow)
            for loris in lorises:
                loris.trickle_s = 0.001  # let them end with the test


def test_sigterm_exits_within_shutdown_s_while_slow_loris_fetches_run(tmp_path):
    with serving(Site()) as site:
        site.routes.update({f"/loris{i}": Route(PAGE.encode() * 2, trickle_s=1.0) for i in range(6)})
        proc, url, _ = serve_process("serve.allow_fetch=true", "serve.fetch_allow_hosts=[127.0.0.1]", "fetch.per_host_rps=100", "serve.shutdown_s=3")
        with ThreadPoolExecutor(6) as pool:
            slow = [pool.submit(post, url, "/v1/pages", {"documents": [{"id": i, "url": site.url(f"/loris{i}")}]}) for i in range(6)]
            time.sleep(2)
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=120)
            took = time.monotonic() - stopped
            answers = [f.result(timeout=30).status_code for f in slow]
        assert code == 0 and took < 3 + 2, took
        assert set(answers) <= {503}, answers


def test_work_for_a_client_that_left_is_abandoned_and_health_answers(monkeypatch):
    """A document whose parse is slow: parsing its request's other pages, and its model pass, went
    on after the client left (13 minutes of CPU), while /healthz stalled."""
    import newsnlp.serve.pages as pages

    parsed: list[str] = []
    real = pages.document_from_html

    def slow(data, doc_id, **kwargs):
        until = time.monotonic() + 0.6
        while time.monotonic() < until:  # CPU, in Python: the GIL passes between threads
            sum(range(1000))
        parsed.append(doc_id)
        return real(data, doc_id, **kwargs)

    monkeypatch.setattr(pages, "document_from_html", slow)
    config = load_config(FAST, {"serve.parse_threads": 1, "serve.parse_processes": 0})  # the test's slow parse is in this process
    with running(config) as url:
        before = pages_passes(url)
        body = json.dumps({"documents": [{"id": str(i), "html": PAGE} for i in range(8)]}).encode()
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as raw:  # asks, then hangs up before the answer
            raw.sendall(b"POST /v1/pages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            time.sleep(0.3)
            began = time.monotonic()
            assert httpx.get(url + "/healthz", timeout=5).status_code == 200 and time.monotonic() - began < 1.0
        time.sleep(8 * 0.6 + 1)
        assert len(parsed) <= 3, parsed  # the rest were never started
        assert pages_passes(url) == before  # and no model pass ran for nobody


def test_a_huge_feed_takes_turns_with_other_requests_and_is_capped():
    """One /v1/pages feed of 40,000 items made other clients time out; its teasers now go through
    the model STEP_TEXTS at a time, in turn with other requests, and serve.max_teasers caps them."""
    config = load_config(FAST, {"serve.max_teasers": 3000, "serve.max_body_bytes": 5_000_000})
    with running(config) as url:
        finished: list[str] = []
        with ThreadPoolExecutor(2) as pool:
            big = pool.submit(lambda: (post(url, "/v1/pages", {"documents": [{"id": "feed", "feed": json_feed(4000)}]}), finished.append("feed"))[0])
            while pages_passes(url) == 0 and not big.done():
                time.sleep(0.01)  # the feed's pass is under way
            classify = post(url, "/v1/classify", {"texts": ["The central bank raised interest rates"]})
            finished.append("classify")
            answer = big.result(timeout=600)
        assert classify.status_code == 200 and finished == ["classify", "feed"]
        [record] = answer.json()["records"]
        assert len(record["teasers"]) == 3000 and any("serve.max_teasers" in w for w in record["warnings"])
        too_many = post(url, "/v1/pages", {"documents": [{"id": "x", "lead": "", "teasers": ["A story of words"] * 3001}]})
        assert too_many.status_code == 413 and too_many.json()["field"] == "documents.0.teasers"


def test_a_fetch_that_failed_is_not_remembered():
    """The server's fetcher kept every URL for its life: a transient 500 was answered for ever."""
    with serving(Site()) as site, running(load_config(FAST, FETCHING)) as url:
        site.routes["/flaky"] = Route(b"oops", status=500, content_type="text/plain")
        first = post(url, "/v1/pages", {"documents": [{"id": "f", "url": site.url("/flaky")}]}).json()["records"][0]
        assert "HTTP 500" in first["error"]
        site.routes["/flaky"] = Route(PAGE.encode())
        again = post(url, "/v1/pages", {"documents": [{"id": "f", "url": site.url("/flaky")}]}).json()["records"][0]
    assert "error" not in again and again["title"] == "Oil rises"


def test_fetched_pages_expire_and_the_cache_is_bounded():
    """A page that changed was served in its first version for ever; memory grew ~9 MB per URL."""
    from newsnlp.serve.fetching import server_fetches

    config = load_config(FAST, {**FETCHING, "serve.fetch_cache_s": 1.0, "serve.fetch_cache_entries": 2})
    with serving(Site()) as site, running(config) as url:
        site.routes["/page"] = Route(PAGE.encode())
        assert post(url, "/v1/pages", {"documents": [{"id": "p", "url": site.url("/page")}]}).json()["records"][0]["title"] == "Oil rises"
        site.routes["/page"] = Route(PAGE.replace("Oil rises", "Oil falls").encode())
        time.sleep(1.2)
        changed = post(url, "/v1/pages", {"documents": [{"id": "p", "url": site.url("/page")}]}).json()["records"][0]
        assert changed["title"] == "Oil falls"
    fetches = server_fetches(config)
    with serving(Site()) as site:
        for i in range(5):
            site.routes[f"/p{i}"] = Route(PAGE.encode())
            fetches.get(site.url(f"/p{i}"))
        assert fetches.size == (2, 2 * len(PAGE.encode()))
        assert not fetches.fetcher._done  # the fetcher itself keeps nothing


def test_docs_load_without_a_cdn():
    with running(load_config(FAST)) as url:
        page = httpx.get(url + "/docs").text
        assert "cdn.jsdelivr.net" not in page and "fonts.googleapis" not in page
        scripts = [part.split('"')[0] for part in page.split('src="')[1:]] + [part.split('"')[0] for part in page.split('href="')[1:]]
        local = [path for path in scripts if path.startswith("/")]
        assert local and all(httpx.get(url + path).status_code == 200 for path in local)
        assert "cdn." not in httpx.get(url + "/redoc").text
