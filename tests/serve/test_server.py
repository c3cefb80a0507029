"""`nlp serve` for real: a uvicorn server on a free loopback port, called over HTTP. Records equal
`nlp run`'s; every error is JSON with the right status; the token; requests batched across
clients; SIGTERM lets a request in flight finish and exits 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

pytest.importorskip("fastapi")
import uvicorn  # noqa: E402

from newsnlp import load_config  # noqa: E402
from newsnlp.jobs.run import run_job  # noqa: E402
from newsnlp.run_info import RunInfo  # noqa: E402
from newsnlp.serve import create_app  # noqa: E402
from tests.helpers import FAST, SEED, records_equal  # noqa: E402

TOKEN = "s3cret-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(config) -> Iterator[str]:
    """The app on a free loopback port in this process, until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def server():
    config = load_config(
        FAST,
        {"serve.max_documents": 60, "serve.max_texts": 100, "serve.max_body_bytes": 200_000, "serve.max_batch_texts": 64, "serve.timeout_s": SLOW},
    )
    with running(config) as url:
        yield url, config


@pytest.fixture(scope="module")
def secured():
    with running(load_config(FAST, {"serve.token": TOKEN})) as url:
        yield url


def post(url: str, path: str, body, timeout: float = 60, **kwargs) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=timeout, **kwargs)


SLOW = 300  # seconds a large pass may take on a loaded 2-core machine: these tests are about order, not speed


def test_pages_equal_what_nlp_run_writes(server, tmp_path):
    """The seed page and a 50-document JSONL: the same records as `nlp run` writes."""
    url, config = server
    rows = [
        {
            "id": f"d{i}",
            "lead": f"Shares of company {i} rose {i} percent on Friday. Oil prices fell as talks stalled.",
            "teasers": [f"Gold hit a record {i}...", "The team won the league title..."][: 1 + i % 2],
            "source": "test",
        }
        for i in range(50)
    ]
    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for source, documents in ((SEED, [{"id": SEED.stem, "text": SEED.read_text(encoding="utf-8")}]), (data, rows)):
        out = tmp_path / f"written-{source.stem}.jsonl"
        run_job(
            config.model_copy(update={"input": [str(source)], "output": config.output.model_copy(update={"path": out, "format": "jsonl"})}),
            progress=False,
        )
        written = [json.loads(line) for line in out.read_text().splitlines()]
        response = post(url, "/v1/pages", {"documents": documents})
        assert response.status_code == 200, response.text
        served = response.json()["records"]
        assert len(served) == len(written)
        for a, b in zip(served, written):
            assert records_equal(a, b) is None, records_equal(a, b)


def test_classify_sentiment_and_summarize_answer_as_the_commands_do(server):
    url, config = server
    from newsnlp.engine.pipeline import Pipeline

    pipeline = Pipeline(config)
    texts = ["Oil prices rose after OPEC cut output", "The team won the final", "Profit rose sharply and the company raised its forecast"]
    topics = post(url, "/v1/classify", {"texts": texts}).json()["results"]
    assert [t["text"] for t in topics] == texts and [t["label"] for t in topics] == ["energy", "other", "markets"]
    assert records_equal([{k: v for k, v in t.items() if k != "text"} for t in topics], pipeline.classify(texts)) is None
    sentiment = post(url, "/v1/sentiment", {"texts": texts[2:]}).json()["results"]
    assert sentiment[0]["label"] == "positive" and sentiment[0]["score"] > 0
    body = SEED.read_text(encoding="utf-8").split("Source:")[0]
    summary = post(url, "/v1/summarize", {"text": body, "sentences": 2}).json()["summary"]
    assert summary["method"] == "extractive" and len(summary["sentences"]) == 2 and summary["text"].startswith("Russian President Vladimir Putin")


def test_health_info_metrics_and_docs(server):
    url, _ = server
    assert httpx.get(url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(url + "/readyz").json() == {"status": "ready"}
    info = httpx.get(url + "/v1/info").json()
    assert info["encoder"] == "minilm" and info["tasks"]["topics"]["labels"] == ["markets", "diplomacy", "energy", "other"]
    described = RunInfo.read(info, "/v1/info")  # the shape run.json holds, less the input and config
    assert described.started and described.config is None and described.input is None
    assert set(described.heads) == {"topics", "sentiment"} and all(len(h.sha256) == 64 for h in described.heads.values())
    assert httpx.get(url + "/docs").status_code == 200 and "/v1/pages" in httpx.get(url + "/openapi.json").json()["paths"]
    post(url, "/v1/classify", {"texts": ["Stocks fell"]})
    metrics = httpx.get(url + "/metrics").text
    assert 'nlp_requests_total{route="/v1/classify",status="200"}' in metrics
    assert "nlp_request_seconds_bucket" in metrics and "nlp_pass_items_bucket" in metrics
    assert float(next(line for line in metrics.splitlines() if line.startswith("nlp_texts_encoded_total")).split()[-1]) > 0


@pytest.mark.parametrize(
    "path, body, status, field",
    [
        ("/v1/classify", {"texts": []}, 422, "texts"),
        ("/v1/classify", {"texts": [1]}, 422, "texts.0"),
        ("/v1/classify", {"wrong": ["a"]}, 422, "texts"),
        ("/v1/classify", [1, 2], 422, "body"),
        ("/v1/pages", {"documents": [{"id": 1}]}, 422, "documents.0"),
        ("/v1/pages", {"documents": [{"id": "a", "lead": "x"}, {"id": "a", "lead": "y"}]}, 422, "documents.1.id"),
        ("/v1/summarize", {"text": "x", "sentences": 0}, 422, "sentences"),
        ("/v1/classify", {"texts": ["a"] * 101}, 413, "texts"),  # Step 2 (news-input round): 413 and 401 lacked `field`
        ("/v1/pages", {"documents": [{"id": i, "lead": "x"} for i in range(61)]}, 413, "documents"),
        ("/v1/classify", {"texts": ["a" * 250_000]}, 413, "body"),
    ],
)
def test_bad_input_is_json_with_a_status_never_a_traceback(server, path, body, status, field):
    url, _ = server
    response = post(url, path, body)
    assert response.status_code == status and "Traceback" not in response.text
    assert response.json()["error"] and response.json().get("field") == field


def test_malformed_json_a_chunked_big_body_and_unknown_routes(server):
    url, _ = server
    broken = httpx.post(url + "/v1/classify", content=b'{"texts": ["a"', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["field"] == "body" and "not valid JSON" in broken.json()["error"]

    def chunks():
        for _ in range(30):
            yield b"x" * 10_000

    chunked = httpx.post(url + "/v1/classify", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["field"] == "body"
    missing = httpx.get(url + "/v2/nothing")
    assert missing.status_code == 404 and missing.json()["error"].startswith("no route")


def test_a_token_guards_every_route_but_the_health_checks(secured):
    assert httpx.get(secured + "/healthz").status_code == 200 and httpx.get(secured + "/readyz").status_code == 200
    for method, path in (("GET", "/v1/info"), ("GET", "/metrics"), ("POST", "/v1/classify")):
        denied = httpx.request(method, secured + path, json={"texts": ["a"]})
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer" and denied.json()["field"] == "authorization"
        wrong = httpx.request(method, secured + path, json={"texts": ["a"]}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        allowed = httpx.request(method, secured + path, json={"texts": ["a"]}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200
    info = httpx.get(secured + "/v1/info", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert TOKEN not in info


def test_nlp_config_never_prints_the_token():
    from typer.testing import CliRunner

    from newsnlp.cli import app

    result = CliRunner().invoke(app, ["config", str(FAST), "--set", f"serve.token={TOKEN}"])
    assert result.exit_code == 0 and TOKEN not in result.output and "token: '**********'" in result.output


def test_concurrent_clients_share_passes_and_get_the_sequential_answers(server):
    """64 clients at once (small here: the speed-up is measured by scripts/serve_load.py)."""
    url, _ = server
    texts = [f"Oil prices moved {i} percent as talks went on" for i in range(64)]
    sequential = [post(url, "/v1/classify", {"texts": [t]}).json()["results"][0] for t in texts]
    before = httpx.get(url + "/metrics").text
    with ThreadPoolExecutor(64) as pool:
        concurrent = list(pool.map(lambda t: post(url, "/v1/classify", {"texts": [t]}).json()["results"][0], texts))
    assert all(records_equal(a, b) is None for a, b in zip(concurrent, sequential))
    after = httpx.get(url + "/metrics").text

    def passes(text: str) -> float:
        return float(next(line for line in text.splitlines() if line.startswith('nlp_pass_items_count{kind="classify"}')).split()[-1])

    assert passes(after) - passes(before) < 64  # some requests shared a pass


def test_full_queue_is_503_and_a_slow_answer_504():
    config = load_config(FAST, {"serve.max_queue": 1, "serve.timeout_s": 0.001})
    with running(config) as url:
        with ThreadPoolExecutor(16) as pool:
            statuses = set(pool.map(lambda i: post(url, "/v1/classify", {"texts": [f"text {i} " * 50]}).status_code, range(16)))
        assert statuses <= {503, 504} and 504 in statuses
        busy = [post(url, "/v1/classify", {"texts": [f"busy {i} " * 50]}) for i in range(3)]  # new texts: encoded, never under 1 ms
        assert all(r.status_code in (503, 504) and r.json()["error"] for r in busy)
        assert httpx.get(url + "/healthz").status_code == 200  # the server is still up


def serve_process(*sets: str) -> tuple[subprocess.Popen, str, float]:
    """`nlp serve` of the fast preset in a new process, ready: the process, its URL, a deadline."""
    port = free_port()
    command = [sys.executable, "-m", "newsnlp", "serve", str(FAST), "--port", str(port), *(a for pair in sets for a in ("--set", pair))]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(url + "/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return proc, url, deadline


def test_sigterm_finishes_the_request_in_flight_and_exits_0(tmp_path):
    proc, url, deadline = serve_process("serve.shutdown_s=300", f"serve.timeout_s={SLOW}")  # ample: it finishes
    lead = lambda i: " ".join(f"Oil prices rose {i}.{j} percent on the news." for j in range(30))  # noqa: E731  # distinct texts: a pass of seconds
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(post, url, "/v1/pages", {"documents": [{"id": i, "lead": lead(i)} for i in range(60)]}, SLOW)
        while pages_passes(url) == 0 and not pending.done() and time.time() < deadline:
            time.sleep(0.01)  # until the request's pass has started: it is in flight
        proc.send_signal(signal.SIGTERM)
        answered = pending.result(timeout=SLOW)
    assert answered.status_code == 200 and len(answered.json()["records"]) == 60
    assert proc.wait(timeout=60) == 0, proc.stderr.read()


def test_health_answers_while_a_large_request_runs_and_a_client_that_leaves_is_harmless(server):
    url, _ = server
    lead = lambda i: " ".join(f"Oil prices rose {i}.{j} percent as the talks went on." for j in range(30))  # noqa: E731  # distinct: encoded, not deduplicated
    big = {"documents": [{"id": i, "lead": lead(i)} for i in range(60)]}
    passes_before = pages_passes(url)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(post, url, "/v1/pages", big, SLOW)
        began = time.time()
        while pages_passes(url) == passes_before and time.time() - began < 60:
            time.sleep(0.01)  # until the pages pass has started
        answered_while_busy = False
        while not pending.done() and time.time() - began < 60:
            if httpx.get(url + "/healthz", timeout=10).status_code == 200 and not pending.done():
                answered_while_busy = True  # the health check did not wait for the model pass
                break
        assert answered_while_busy
        assert pending.result(timeout=SLOW).status_code == 200
    body = json.dumps(big).encode()
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as raw:  # sends a request, then hangs up before the answer
        raw.sendall(b"POST /v1/pages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    assert post(url, "/v1/classify", {"texts": ["Stocks fell"]}).status_code == 200


def pages_passes(url: str, kind: str = "pages") -> float:
    lines = [line for line in httpx.get(url + "/metrics").text.splitlines() if line.startswith(f'nlp_pass_items_count{{kind="{kind}"}}')]
    return float(lines[0].split()[-1]) if lines else 0.0


def test_cors_is_off_unless_origins_are_listed(server):
    url, _ = server
    assert "access-control-allow-origin" not in httpx.get(url + "/healthz", headers={"Origin": "https://example.org"}).headers
    with running(load_config(FAST, {"serve.cors_origins": ["https://example.org"]})) as cors_url:
        allowed = httpx.get(cors_url + "/healthz", headers={"Origin": "https://example.org"})
        assert allowed.headers["access-control-allow-origin"] == "https://example.org"
        assert "access-control-allow-origin" not in httpx.get(cors_url + "/healthz", headers={"Origin": "https://evil.example"}).headers


def test_pages_take_html_and_feeds_as_nlp_run_reads_them(server, tmp_path):
    """Step 1: {"id", "html", "url"?} and {"id", "feed"} documents give nlp run's records of the same files."""
    from tests.helpers import ROOT

    url, config = server
    examples = ROOT / "examples"
    out = tmp_path / "written.jsonl"
    inputs = [str(examples / "article.html"), str(examples / "feed.xml")]
    run_job(config.model_copy(update={"input": inputs, "output": config.output.model_copy(update={"path": out, "format": "jsonl"})}), progress=False)
    written = [json.loads(line) for line in out.read_text().splitlines()]
    documents = [
        {"id": "article", "html": (examples / "article.html").read_text(encoding="utf-8")},
        {"id": "feed", "feed": (examples / "feed.xml").read_text(encoding="utf-8")},
    ]
    response = post(url, "/v1/pages", {"documents": documents})
    assert response.status_code == 200, response.text
    for a, b in zip(response.json()["records"], written):
        assert records_equal(a, b) is None, records_equal(a, b)


def test_the_server_fetches_no_url_unless_allowed_and_never_a_private_address(server):
    url, config = server
    refused = post(url, "/v1/pages", {"documents": [{"id": "x", "url": "http://127.0.0.1:9/page"}]})
    assert refused.status_code == 422 and refused.json()["field"] == "documents.0.url" and "allow_fetch" in refused.json()["error"]
    import asyncio

    from newsnlp.serve.app import PageIn
    from newsnlp.serve.fetching import server_fetches
    from newsnlp.serve.offload import Offload
    from newsnlp.serve.pages import read_pages
    from tests.http_server import Route, Site, serving

    def read(allow_hosts: list[str]):
        fetching = load_config(
            FAST, {"serve.allow_fetch": True, "serve.fetch_allow_hosts": allow_hosts, "fetch.per_host_rps": 50, "fetch.cache": False}
        )
        return asyncio.run(read_pages([PageIn(id="x", url=site.url("/page"))], fetching, Offload(1, 1), server_fetches(fetching)))

    with serving(Site()) as site:
        site.routes["/page"] = Route(b"<html><head><title>T</title></head><body><p>A page with some words in it.</p></body></html>")
        [refused_doc] = read([])  # Step 3: that document's error, no longer the request's
        assert "loopback, private or link-local" in refused_doc.error and refused_doc.id == "x"
        assert site.requests == []  # refused before connecting
        [doc] = read(["127.0.0.1"])
    assert doc.id == "x" and doc.title == "T"


def test_a_lone_surrogate_is_that_requests_422_and_fails_no_other_client():
    """Step 3 (news-input round): {"texts": ["abc\\ud800def"]} gave 500 on every route, and with
    shared passes 86 of 100 good requests sent beside 5 bad ones got 500."""
    config = load_config(FAST, {"serve.max_batch_texts": 256, "serve.max_wait_ms": 50})
    bad = '"abc\\ud800def"'  # valid JSON, no text
    bodies = {
        "/v1/classify": f'{{"texts": [{bad}]}}',
        "/v1/sentiment": f'{{"texts": [{bad}]}}',
        "/v1/summarize": f'{{"text": {bad}}}',
        "/v1/pages": f'{{"documents": [{{"id": {bad}, "lead": "x"}}]}}',
    }
    with running(config) as url:
        for path, body in bodies.items():
            answer = httpx.post(url + path, content=body.encode(), headers={"content-type": "application/json"})
            assert answer.status_code == 422 and "surrogate" in answer.json()["error"], (path, answer.text)
        teaser = httpx.post(
            url + "/v1/pages",
            content=f'{{"documents": [{{"id": "a", "lead": "x", "teasers": [{bad}]}}]}}'.encode(),
            headers={"content-type": "application/json"},
        )
        assert teaser.status_code == 422 and teaser.json()["field"].startswith("documents.0.teasers")

        def send(i: int) -> int:
            if i % 20 == 0:
                return httpx.post(
                    url + "/v1/classify", content=bodies["/v1/classify"].encode(), headers={"content-type": "application/json"}
                ).status_code
            return post(url, "/v1/classify", {"texts": [f"Oil prices rose {i} percent"]}).status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(send, range(100)))
    assert statuses.count(422) == 5 and statuses.count(200) == 95


def test_limits_per_text_and_a_long_summary_does_not_hold_the_model():
    """Step 3: /v1/summarize had no length cap (230 KB took 61 s and a concurrent classify got
    504). Texts and sentences are capped (413), and a classify sent after a maximum-size
    summarize is answered before it finishes (by order, not timers)."""
    config = load_config(FAST, {"serve.max_text_chars": 40_000, "serve.max_sentences": 400, "serve.max_body_bytes": 1_000_000})
    article = " ".join(f"Oil prices rose {i} percent on Monday as traders weighed supply." for i in range(390))
    with running(config) as url:
        too_long = post(url, "/v1/classify", {"texts": ["x" * 40_001]})
        assert too_long.status_code == 413 and too_long.json()["field"] == "texts.0"
        too_many = post(url, "/v1/summarize", {"text": article + " More text here." * 20})
        assert too_many.status_code == 413 and too_many.json()["field"] == "text" and "max_sentences" in too_many.json()["error"]
        finished: list[str] = []
        with ThreadPoolExecutor(2) as pool:
            summary = pool.submit(lambda: (post(url, "/v1/summarize", {"text": article}), finished.append("summarize"))[0])
            while pages_passes(url, "summarize") == 0 and not summary.done():
                time.sleep(0.01)  # the summary's pass is under way
            classify = post(url, "/v1/classify", {"texts": ["The central bank raised interest rates"]})
            finished.append("classify")
            assert summary.result(timeout=300).status_code == 200
    assert classify.status_code == 200 and finished == ["classify", "summarize"]


def test_docs_need_the_token_an_empty_token_is_refused_and_head_healthz(secured):
    """Step 3: with a token, /docs, /redoc, /openapi.json and the OAuth redirect answered 200
    without it; an empty token served with no auth; HEAD /healthz was 405."""
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert httpx.get(secured + path).status_code == 401, path
        assert httpx.get(secured + path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200, path
    assert httpx.head(secured + "/healthz").status_code == 200
    from newsnlp.errors import ConfigError

    with pytest.raises(ConfigError, match="empty token"):
        load_config(FAST, {"serve.token": ""})
    old = os.environ.get("NLP_SERVE_TOKEN")
    os.environ["NLP_SERVE_TOKEN"] = ""
    try:
        with pytest.raises(ConfigError, match="NLP_SERVE_TOKEN is set but empty"):
            create_app(load_config(FAST))
    finally:
        os.environ.pop("NLP_SERVE_TOKEN") if old is None else os.environ.__setitem__("NLP_SERVE_TOKEN", old)


@pytest.mark.parametrize(
    "body, field",
    [
        (b'{"texts": ' + b"[" * 5000 + b"]" * 5000 + b"}", "body"),
        (b'{"documents": [{"id": ' + b"9" * 5000 + b', "lead": "x"}]}', "body"),
        (b'{"texts": ["Oil \xff rose"]}', "body"),
        (b'{"documents": [{"id": true, "lead": "x"}]}', "documents.0.id"),
    ],
)
def test_parse_errors_are_422_with_the_field_and_ids_follow_the_jsonl_rule(server, body, field):
    """Step 3: deep nesting, a 5000-digit integer and invalid UTF-8 answered 400 without `field`;
    `"id": true` was accepted as "1" and 1.5 refused, where JSONL does the opposite."""
    url, _ = server
    path = "/v1/pages" if b"documents" in body else "/v1/classify"
    answer = httpx.post(url + path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
    if field == "documents.0.id":
        decimal = post(url, "/v1/pages", {"documents": [{"id": 1.5, "lead": "Oil prices rose on Monday."}]})
        assert decimal.status_code == 200 and decimal.json()["records"][0]["id"] == "1.5"


def test_sigterm_stops_a_busy_server_within_shutdown_s(tmp_path):
    """Step 3: after "Finished server process" a busy server was still alive 180 s later."""
    proc, url, deadline = serve_process(
        "serve.shutdown_s=2", "serve.max_text_chars=400000", "serve.max_sentences=100000", "serve.max_body_bytes=2000000", "serve.timeout_s=600"
    )
    huge = " ".join(f"Oil prices rose {i} percent as traders weighed the supply outlook." for i in range(5000))  # minutes of work
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(lambda: httpx.post(url + "/v1/summarize", json={"text": huge}, timeout=600))
        while pages_passes(url, "summarize") == 0 and time.time() < deadline:
            time.sleep(0.05)
        stopped = time.time()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        took = time.time() - stopped
        answered = pending.result(timeout=60)
    assert took < 15 and answered.status_code == 503


def test_pages_group_stories_within_a_request_or_in_the_servers_index(server, tmp_path):
    """Step 4: `"stories": true` gives story ids within the request (the server keeps nothing);
    with stories.path the server's index joins a later request's copy to an earlier story."""
    url, _ = server
    fed = ["Fed raises rates by three quarters of a point, the most since 1994...", "Monsoon rain floods streets in Mumbai..."]
    daily = ["Federal Reserve hikes interest rates by 0.75 percentage point, biggest since 1994..."]
    body = {
        "documents": [
            {"id": "wire", "lead": "", "teasers": fed, "published": "2022-06-15"},
            {"id": "daily", "lead": "", "teasers": daily, "published": "2022-06-15"},
        ]
    }
    plain = post(url, "/v1/pages", body).json()["records"]
    assert "story" not in json.dumps(plain)
    grouped = post(url, "/v1/pages", {**body, "stories": True}).json()["records"]
    wire, other = grouped[0]["teasers"], grouped[1]["teasers"]
    assert wire[0]["story"] == other[0]["story"] != wire[1]["story"] and grouped[1]["story"] == other[0]["story"]
    assert "story" not in grouped[0]  # no lead of its own, two teasers: its teasers carry the stories
    indexed = load_config(FAST, {"stories.path": str(tmp_path / "served.sqlite")})
    with running(indexed) as served:
        first = post(served, "/v1/pages", {"documents": body["documents"][:1]}).json()["records"][0]
        later = post(served, "/v1/pages", {"documents": body["documents"][1:]}).json()["records"][0]
    assert later["teasers"][0]["story"] == first["teasers"][0]["story"] and (tmp_path / "served.sqlite").exists()
