"""The HTML report: one self-contained page from records (`nlp report`, `nlp run --format html`),
with untrusted text kept as text; then, where Chromium is installed, the page as a browser shows
it: rows, chips, bars, a filter, no injected script run, no network request."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.formats.html import overview, render_html
from tests.helpers import FAST, SEED

SCRIPT = "<script>document.title='pwned'</script>"
IMG = '"><img src=x onerror="document.body.dataset.pwned=1">'
NETWORK = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import|fetch\(""", re.IGNORECASE)
BROWSER_HOSTS = ("google.com", "gvt1.com", "gstatic.com", "googleapis.com")  # Chromium's own services, not the page's


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """The fast preset on the seed page, its first teasers made hostile, as JSONL with its run.json."""
    folder = tmp_path_factory.mktemp("report")
    out = folder / "records.jsonl"
    assert run("run", str(FAST), "-i", str(SEED), "-o", str(out), "--quiet").exit_code == 0
    record = json.loads(out.read_text())
    record["teasers"][0]["text"] = SCRIPT + record["teasers"][0]["text"]
    record["teasers"][1]["text"] = IMG + record["teasers"][1]["text"]
    out.write_text(json.dumps(record) + "\n")
    return out


def test_every_run_writes_its_description_without_secrets(seed_run):
    described = json.loads(seed_run.with_name(seed_run.name + ".run.json").read_text())
    assert described["version"] and described["encoder"] == "minilm" and described["started"] <= described["finished"]
    assert set(described["heads"]) == {"topics", "sentiment"} and all(len(h["sha256"]) == 64 for h in described["heads"].values())
    assert described["config"]["serve"]["token"] is None and described["tasks"]["topics"]["threshold"] == 0.5
    assert "about" not in described  # one shape (RunInfo): nothing repeated under a wrapper


def test_a_run_json_of_the_previous_version_still_gives_the_page_its_run(seed_run, tmp_path):
    """Step 4: run.json is RunInfo's shape now; one written before (the page's header wrapped in
    `about`, its time `written`) still gives the page its config, date and input."""
    described = json.loads(seed_run.with_name(seed_run.name + ".run.json").read_text())
    header = {"title": None, "written": "2026-11-30 12:00 UTC", "version": described["version"], "encoder": described["encoder"]}
    old = {k: described[k] for k in ("version", "started", "finished", "input", "encoder", "heads", "config", "fingerprint")}
    old["about"] = {**header, **described["tasks"]}
    records = tmp_path / "old.jsonl"
    records.write_text(seed_run.read_text())
    records.with_name("old.jsonl.run.json").write_text(json.dumps(old))
    result = run("report", str(records))
    assert result.exit_code == 0 and "not readable" not in result.output, result.output
    page = records.with_suffix(".html").read_text()
    assert "no run description" not in page and "Leads are not shown" not in page  # its input, from run.json
    assert f"written {described['started'][:10]}" in page and "topics: head over markets, diplomacy, energy, other" in page


def test_the_page_is_one_offline_file_with_hostile_text_kept_as_text(seed_run):
    out = seed_run.with_suffix(".html")
    result = run("report", str(seed_run), "--input", str(SEED), "-o", str(out), "--title", "Seed <b>page</b>")
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert not NETWORK.search(page)  # nothing fetched: no src/href/url()/@import/fetch to a network address
    assert "<title>Seed &lt;b&gt;page&lt;/b&gt;</title>" in page  # the shell is autoescaped
    data = page.split('<script id="data" type="application/json">')[1].split("</script>")[0]
    assert "<script" not in data and "<img" not in data and "\\u003cscript\\u003e" in data  # the records cannot break out of their script
    assert json.loads(data)["records"][0]["lead"][0].startswith("Russian President Vladimir Putin")  # --input: leads shown


def test_without_run_json_or_input_the_page_says_what_it_leaves_out(seed_run, tmp_path):
    bare = tmp_path / "bare.jsonl"
    bare.write_text(seed_run.read_text())
    assert run("report", str(bare)).exit_code == 0
    page = bare.with_suffix(".html").read_text()
    assert "no run description" in page and "Leads are not shown" in page


def test_report_errors_are_one_line(tmp_path):
    missing = run("report", str(tmp_path / "none.jsonl"))
    assert missing.exit_code == 2 and "not found" in missing.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    result = run("report", str(broken))
    assert result.exit_code == 2 and "not records" in result.output and "Traceback" not in result.output


def test_run_format_html_with_errors_and_warnings(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "bad.txt").write_bytes(b"\x00\x01binary")
    (folder / "long.txt").write_text("Stocks rose on Friday.\nSource: Wire\n" + "Oil " * 1000 + "...\n")
    shutil.copy(SEED, folder / SEED.name)
    out = tmp_path / "run.html"
    result = run("run", str(FAST), "-i", str(folder), "-o", str(out), "--quiet")
    assert result.exit_code == 3, result.output  # some documents failed, the rest written (docs/usage.md, Exit codes)
    page = out.read_text()
    assert "<b>3</b> documents" in page and "<b>1</b> errors" in page and "<b>1</b> warnings" in page
    assert out.with_name("run.html.run.json").is_file()


def test_overview_counts_topics_and_their_sentiment():
    teaser = {
        "index": 0,
        "text": "t",
        "topic": {"label": "energy", "scores": {}, "labels": ["energy"], "label_scores": {}},
        "sentiment": {"label": "negative", "score": -0.5, "scores": {}},
    }
    records = [
        {"id": "a", "teasers": [teaser, {**teaser, "sentiment": {"label": "positive", "score": 0.5, "scores": {}}}]},
        {"id": "b", "error": "x"},
    ]
    view = overview(records)
    assert (view["documents"], view["teasers"], view["errors"]) == (2, 2, 1)
    assert view["bars"][0]["label"] == "energy" and {p["sign"]: p["n"] for p in view["bars"][0]["parts"]} == {
        "negative": 1,
        "neutral": 0,
        "positive": 1,
    }
    assert "energy" in render_html(records)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium with apt-get where it can; README, Report)")
    return found


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--hide-scrollbars",
]


def browse(page: Path, *args: str, fragment: str = "") -> str:
    done = subprocess.run([chromium(), *FLAGS, *args, page.resolve().as_uri() + fragment], capture_output=True, text=True, timeout=120)
    return done.stdout


def test_the_seed_report_in_a_real_browser(seed_run, tmp_path):
    page = tmp_path / "seed.html"
    assert run("report", str(seed_run), "--input", str(SEED), "-o", str(page)).exit_code == 0
    net_log = tmp_path / "net.json"
    dom = browse(page, "--dump-dom", f"--log-net-log={net_log}")
    assert dom.count('<tr class="teaser">') == 8 and dom.count('class="bar"') >= 9  # 8 teasers and the article
    assert dom.count('class="chip') >= 9 and "markets" in dom and "diplomacy" in dom
    assert "<title>nlp run</title>" in dom and "data-pwned" not in dom  # the injected script and handler did not run
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom  # shown as text
    hosts = set(re.findall(r'"url":"https?://([^/":]+)', net_log.read_text()))
    assert not [h for h in hosts if not h.endswith(BROWSER_HOSTS)], hosts  # the page asked the network for nothing
    assert re.search(r'class="chip"[^>]*>(markets|diplomacy|energy) 0\.\d\d<', dom)  # Step 2 (news-input round): scores shown, not only in tooltips
    negative = sum(t["sentiment"]["label"] == "negative" for t in json.loads(seed_run.read_text())["teasers"])
    by_sentiment = browse(page, "--dump-dom", fragment="#sentiment=negative")  # the key README names (it was `sign=`)
    assert by_sentiment.count('<tr class="teaser">') == negative and 0 < negative < 8
    filtered = browse(page, "--dump-dom", fragment="#topic=markets")
    assert filtered.count('<tr class="teaser">') == 4  # teasers 0, 5, 7, and 6 (energy, markets also applies)
    assert filtered.count('<tr class="teaser">') < dom.count('<tr class="teaser">')
    shot = tmp_path / "seed.png"
    browse(page, f"--screenshot={shot}", "--window-size=1200,1500")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_titles_and_teasers_link_to_their_urls_over_http_only():
    """Step 1: a document's title links to its url (http/https only, rel noopener noreferrer), with
    its published date; each teaser links to its own url; a javascript: url is dropped."""
    record = {
        "id": "a",
        "url": "https://news.example.com/a",
        "title": "Oil rises",
        "published": "2026-12-04",
        "source": "Harbour Ledger",
        "article": {},
        "teasers": [
            {"index": 0, "text": "Gas storage falls", "url": "https://news.example.com/gas"},
            {"index": 1, "text": "Click me", "url": "javascript:alert(1)"},
        ],
    }
    page = render_html([record, {**record, "id": "b", "url": "javascript:alert(2)"}])
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.DOTALL).group(1).replace("<\\/", "</"))
    docs = data["records"]
    assert docs[0]["url"] == "https://news.example.com/a" and docs[0]["published"] == "2026-12-04"
    assert "url" not in docs[1] and docs[0]["teasers"][0]["url"] == "https://news.example.com/gas" and "url" not in docs[0]["teasers"][1]
    assert 'rel: "noopener noreferrer"' in page and "^https?:" in page


def test_report_never_destroys_a_file(seed_run, tmp_path):
    """Step 3 (news-input round): `nlp report t1.jsonl -o t1.jsonl` turned the records into HTML,
    -o onto the run's input did the same, -o onto a device replaced it with a regular file, and
    -o onto a folder was a traceback that left `adir.writing`. One check for run and report."""
    import os

    records = seed_run.read_text()
    other = tmp_path / "other.jsonl"
    other.write_text(records)
    folder = tmp_path / "adir"
    folder.mkdir()
    fifo = tmp_path / "a-fifo"
    os.mkfifo(fifo)  # a node that is not a regular file, as a device is (the same check)
    cases = [
        (seed_run, "is an input of nlp report"),
        (SEED, "is an input of nlp report"),
        (other, "holds records"),
        (folder, "is a folder"),
        (fifo, "not a regular file"),
    ]
    for target, message in cases:
        result = run("report", str(seed_run), "--input", str(SEED), "-o", str(target))
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert result.exit_code == 2 and len(lines) == 1 and message in lines[0], (target, result.output)
    assert seed_run.read_text() == records and other.read_text() == records and SEED.read_text().lstrip().startswith("Russian")
    assert not list(tmp_path.glob("*.writing")) and fifo.exists() and not fifo.is_file()


def test_the_stories_view_lists_each_story_with_its_members_and_links():
    """Step 4: records that carry `story` give a Stories section, largest first: name, sources,
    first seen, topic, sentiment spread; members link over http(s) only; text stays text."""
    from newsnlp.formats.stories import stories_view

    def teaser(text, story, url, score, topic="markets"):
        return {"index": 0, "text": text, "url": url, "story": story, "topic": {"label": topic}, "sentiment": {"label": "neutral", "score": score}}

    records = [
        {
            "id": "a",
            "source": "Wire",
            "published": "2022-06-15",
            "article": {},
            "teasers": [teaser("Fed lifts rates " + SCRIPT, "st-1", "https://w.example/1", -0.5)],
        },
        {
            "id": "b",
            "source": "Daily",
            "published": "2022-06-16",
            "article": {},
            "teasers": [teaser("Fed hikes", "st-1", "javascript:alert(1)", 0.25)],
        },
        {"id": "c", "source": "Daily", "published": "2022-06-14", "article": {}, "teasers": [teaser("Rain in Mumbai", "st-2", None, 0.0, "other")]},
    ]
    rows = stories_view(records)
    assert [r["story"] for r in rows] == ["st-1", "st-2"] and rows[0]["sources"] == 2 and rows[0]["first_seen"] == "2022-06-15"
    assert rows[0]["sentiment"] == (-0.5, -0.125, 0.25) and rows[0]["topic"] == "markets"
    assert [m["url"] for m in rows[0]["members"]] == ["https://w.example/1", None]
    page = render_html(records)
    section = page[page.index('<section class="stories"') : page.index("</section>", page.index('<section class="stories"'))]
    assert "2 stories" in section and section.count('<tr class="story">') == 2 and "-0.50 / -0.12 / +0.25" in section
    assert SCRIPT not in section and "&lt;script&gt;" in section and "javascript:" not in section
    assert '<section class="stories"' not in render_html([{**r, "teasers": [{**r["teasers"][0], "story": None}]} for r in records])
