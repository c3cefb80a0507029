"""Step 3: every source and every document fails alone. A page holding one malformed link, a
source whose headers or body the library chokes on (served from 127.0.0.1), or a document the
pipeline cannot process was a traceback that wrote nothing (`nlp read`, `nlp run`) or killed
`nlp watch` on every restart. Now each is that document's one-line `error` and a line on
stderr, the rest are written, and read/run/watch --once exit 3."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import FAST, ROOT
from tests.http_server import Route, Site, serving

EXAMPLES = ROOT / "examples"
QUICK_FETCH = ["--set", "fetch.per_host_rps=50"]
runner = CliRunner()
MALFORMED_LINK = (
    "<html><head><title>Rates held</title></head><body><article><p>The central bank held interest rates on Thursday, "
    "as inflation eased for a third month and officials said they would wait for more data.</p></article>"
    '<footer><a href="http://[ccpa-preferences]">Do not sell my data</a></footer></body></html>'
)
GOOD_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title><link>http://127.0.0.1/</link>'
    b"<item><title>Oil prices rose on Monday as producers cut output</title><guid>good-1</guid></item></channel></rss>"
)


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def hostile(site: Site) -> dict[str, str]:
    """Sources the library raised untyped errors on (before its own fixes): name -> URL."""
    site.routes["/etag"] = Route(b"<html><body><p>A page with some words on it.</p></body></html>", etag=False, headers={"ETag": '"caf\xe9"'})
    site.routes["/to-data"] = Route(b"", status=302, headers={"Location": "data:text/html,hi"})
    site.routes["/to-js"] = Route(b"", status=302, headers={"Location": "javascript:alert(1)"})
    site.routes["/retry"] = Route(b"busy", status=503, headers={"Retry-After": "\u00b2"})
    site.routes["/json-feed"] = Route(
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "j1", "title": "\\ud800 a story title of words"}]}',
        content_type="application/feed+json",
    )
    site.routes["/rss"] = Route(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><item><title>Bad &#55296; story of words</title><guid>r1</guid></item></channel></rss>',
        content_type="application/rss+xml",
    )
    site.routes["/good"] = Route(GOOD_FEED, content_type="application/rss+xml")
    return {name.strip("/"): site.url(name) for name in ("/etag", "/to-data", "/to-js", "/retry", "/json-feed", "/rss")}


@pytest.fixture
def folder(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(EXAMPLES / "article.html", pages / "article.html")
    (pages / "malformed.html").write_text(MALFORMED_LINK, encoding="utf-8")
    shutil.copy(EXAMPLES / "feed.xml", pages / "feed.xml")
    return pages


@pytest.fixture
def reader_breaks_on_marker(monkeypatch):
    """A page that breaks the HTML reader with a library's untyped error (as `urljoin`'s ValueError
    on `http://[ccpa-preferences]` did before the reader skipped such links): any page holding
    BREAKS-THE-READER."""
    import newsnlp.documents.sources as sources

    real = sources.document_from_html

    def reader(data, *args, **kwargs):
        if b"BREAKS-THE-READER" in data:
            raise ValueError("Invalid IPv6 URL")
        return real(data, *args, **kwargs)

    monkeypatch.setattr(sources, "document_from_html", reader)


def test_a_malformed_link_is_skipped_and_the_page_read(folder, tmp_path):
    read = runner.invoke(app, ["read", str(folder), "-o", str(tmp_path / "docs.jsonl")])
    assert read.exit_code == 0, read.output
    docs = {d["id"]: d for d in records(tmp_path / "docs.jsonl")}
    assert "error" not in docs["malformed"] and "interest rates" in docs["malformed"]["lead"]


def test_a_page_that_breaks_the_reader_fails_alone_in_read_and_run(folder, tmp_path, reader_breaks_on_marker):
    (folder / "broken.html").write_text(MALFORMED_LINK.replace("Rates held", "BREAKS-THE-READER"), encoding="utf-8")
    read = runner.invoke(app, ["read", str(folder), "-o", str(tmp_path / "docs.jsonl")])
    assert read.exit_code == 3, read.output
    docs = {d["id"]: d for d in records(tmp_path / "docs.jsonl")}
    assert set(docs) == {"article", "malformed", "broken", "feed"}
    assert "ValueError" in docs["broken"]["error"] and "\n" not in docs["broken"]["error"]
    assert "error" not in docs["article"] and docs["feed"]["teasers"]
    assert "failed: " in read.output and "broken.html" in read.output and "1 error" in read.output
    run = runner.invoke(app, ["run", str(FAST), "-i", str(folder), "-o", str(tmp_path / "r.jsonl"), "-q"])
    assert run.exit_code == 3, run.output
    got = {r["id"]: r for r in records(tmp_path / "r.jsonl")}
    assert "ValueError" in got["broken"]["error"] and got["article"]["summary"]["text"] and len(got["feed"]["teasers"]) == 3
    assert "(1 error)" in run.output and "failed: " in run.output


def test_a_single_input_that_breaks_the_reader_is_one_line_and_exit_2(tmp_path, reader_breaks_on_marker):
    page = tmp_path / "broken.html"
    page.write_text(MALFORMED_LINK.replace("Rates held", "BREAKS-THE-READER"), encoding="utf-8")
    result = runner.invoke(app, ["read", str(page), "-o", str(tmp_path / "docs.jsonl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "broken.html" in lines[0] and "ValueError" in lines[0]


def test_hostile_sources_among_good_ones_fail_alone_in_read_run_and_watch(tmp_path):
    with serving(Site()) as site:
        bad = hostile(site)
        sources = [site.url("/good"), *bad.values(), str(EXAMPLES / "world.atom")]
        read = runner.invoke(app, ["read", *sources, "-o", str(tmp_path / "docs.jsonl"), *QUICK_FETCH])
        assert read.exit_code == 3, read.output
        docs = {d["id"]: d for d in records(tmp_path / "docs.jsonl")}
        assert docs[site.url("/good")]["teasers"] and docs["world"]["teasers"]
        for name in ("to-data", "to-js", "retry"):
            assert docs[bad[name]]["error"], name
        run = runner.invoke(app, ["run", str(FAST), *(a for s in sources for a in ("-i", s)), "-o", str(tmp_path / "r.jsonl"), "-q", *QUICK_FETCH])
        assert run.exit_code == 3, run.output
        written = {r["id"]: r for r in records(tmp_path / "r.jsonl")}
        assert written[site.url("/good")]["teasers"][0]["topic"] and len(written["world"]["teasers"]) == 2
        assert all("error" in written[url] for name, url in bad.items() if name in ("to-data", "to-js", "retry"))
        out = tmp_path / "w.jsonl"
        for _attempt in range(2):  # it died on every restart
            watch = runner.invoke(app, ["watch", *sources, "-o", str(out), "--once", "-c", str(FAST), *QUICK_FETCH])
            assert watch.exit_code == 3, watch.output
            assert "failed" in watch.output and "Traceback" not in watch.output
    ids = [r["id"] for r in records(out)]
    assert "good-1" in ids and len(ids) == len(set(ids))


def test_an_untyped_failure_of_any_source_is_its_error_and_a_looping_watch_goes_on(tmp_path, monkeypatch):
    """Whatever the fetcher raises (here: httpx.InvalidURL, UnicodeEncodeError, ValueError as the
    library raised them), a looping watch reports it each cycle, tries it again, keeps the rest."""
    from newsnlp.config import load_config
    from newsnlp.documents.fetch import Fetcher
    from newsnlp.jobs.watch import Watch

    raised = {"/invalid": httpx.InvalidURL("Invalid non-printable ASCII character in URL"), "/etag": UnicodeEncodeError("ascii", "é", 0, 1, "x")}
    raised["/retry"] = ValueError("could not convert string to float: '²'")
    real_get = Fetcher.get

    def get(self, url):
        for path, exc in raised.items():
            if url.endswith(path):
                raise exc
        return real_get(self, url)

    monkeypatch.setattr(Fetcher, "get", get)
    with serving(Site()) as site:
        site.routes["/good"] = Route(GOOD_FEED, content_type="application/rss+xml")
        sources = [site.url("/good"), *(site.url(p) for p in raised)]
        config = load_config(FAST, {"input": sources, "fetch.per_host_rps": 50})
        said: list[str] = []
        watch = Watch(config, tmp_path / "w.jsonl", say=said.append)
        cycles = iter(range(2))
        with pytest.raises(StopIteration):  # the third sleep ends the test's watch
            watch.run(every_s=0, once=False, sleep=lambda s: next(cycles))
    assert watch.cycles == 3 and watch.failures == 9
    assert all("3 failed" in line and "InvalidURL" in line and "UnicodeEncodeError" in line for line in said)
    assert [r["id"] for r in records(tmp_path / "w.jsonl")] == ["good-1"]


def test_a_document_the_pipeline_cannot_process_fails_alone(tmp_path, monkeypatch):
    """A chunk that raises is processed again one document at a time: only the culprit fails; a
    failure every document meets alone (no document's) still stops the run."""
    from newsnlp.config import load_config
    from newsnlp.engine import chunks
    from newsnlp.jobs.run import run_job

    real = chunks.ChunkTexts.of

    def of(docs, *args, **kwargs):
        if any("POISON" in doc.lead for doc in docs):
            raise RuntimeError("the tokenizer fell over")
        return real(docs, *args, **kwargs)

    monkeypatch.setattr(chunks.ChunkTexts, "of", of)
    lines = [{"id": f"d{i}", "lead": f"Oil prices rose {i} percent on Monday." + (" POISON" if i == 3 else "")} for i in range(6)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "r.jsonl"
    config = load_config(FAST, {"input": [str(source)], "output.path": str(out)})
    result = run_job(config, progress=False)
    got = records(out)
    assert [r["id"] for r in got] == [f"d{i}" for i in range(6)] and result.errors == 1
    assert got[3]["error"] == "RuntimeError: the tokenizer fell over" and all("summary" in r for i, r in enumerate(got) if i != 3)
    source.write_text("".join(json.dumps({**line, "lead": line["lead"] + " POISON"}) + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(RuntimeError):
        run_job(load_config(FAST, {"input": [str(source)], "output.path": str(tmp_path / "all.jsonl")}), progress=False)
