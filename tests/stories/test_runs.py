"""Stories through the commands: `nlp run --stories` over two feeds, the index growing across runs,
a run killed with SIGKILL and resumed giving the same story ids, a damaged or foreign index set
aside, another encoder's index refused, `nlp stories`, `nlp evaluate stories` and the server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import FAST, records_equal

runner = CliRunner()


def feed(name: str, items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>https://{name}.example/{i}</link><guid>{name}-{i}</guid><pubDate>{date}</pubDate><description>{text}</description></item>"
        for i, (title, text, date) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title><link>https://{name}.example/</link>{body}</channel></rss>'


FED = "Wed, 15 Jun 2022 18:00:00 GMT"
WIRE = [
    (
        "Fed raises rates by three quarters of a point, the most since 1994",
        "The Federal Reserve lifted its benchmark rate by 75 basis points to fight inflation.",
        FED,
    ),
    ("Heavy rain floods streets in Mumbai", "Monsoon rains flooded roads across Mumbai, halting trains.", FED),
]
DAILY = [
    (
        "Federal Reserve hikes interest rates by 0.75 percentage point",
        "The Fed raised rates by 75 basis points on Wednesday, its biggest increase since 1994.",
        FED,
    ),
    ("Tennis star wins her first Wimbledon title", "The champion won in straight sets at Wimbledon.", "Sat, 09 Jul 2022 15:00:00 GMT"),
]


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_two_feeds_are_grouped_and_the_index_grows_across_runs(tmp_path):
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE))
    (tmp_path / "daily.xml").write_text(feed("daily", DAILY))
    index = tmp_path / "stories.sqlite"
    out = tmp_path / "r.jsonl"
    first = runner.invoke(app, ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-o", str(out), "--stories", str(index), "-q"])
    assert first.exit_code == 0, first.output
    fed = records(out)[0]["teasers"][0]["story"]
    second = runner.invoke(
        app, ["run", str(FAST), "-i", str(tmp_path / "daily.xml"), "-o", str(tmp_path / "r2.jsonl"), "--stories", str(index), "-q"]
    )
    assert second.exit_code == 0, second.output
    daily = records(tmp_path / "r2.jsonl")[0]["teasers"]
    assert daily[0]["story"] == fed and daily[1]["story"] != fed  # the same Fed decision, another outlet, a later run
    listing = runner.invoke(app, ["stories", str(index)])
    stories = [json.loads(line) for line in listing.stdout.splitlines()]
    assert stories[0]["story"] == fed and stories[0]["size"] == 2 and stories[0]["sources"] == 2 and len(stories) == 3
    assert {m["key"] for m in stories[0]["members"]} == {"wire-0", "daily-0"} and stories[0]["topic"] == "markets"
    for fmt in ("csv", "md", "html", "json"):
        done = runner.invoke(app, ["stories", str(index), "-o", str(tmp_path / f"s.{fmt}")])
        assert done.exit_code == 0 and (tmp_path / f"s.{fmt}").stat().st_size > 100, fmt
    plain = runner.invoke(app, ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-o", str(tmp_path / "plain.jsonl"), "-q"])
    assert plain.exit_code == 0 and "story" not in json.dumps(records(tmp_path / "plain.jsonl"))  # off unless asked


def test_a_run_killed_and_resumed_gives_the_same_stories(tmp_path):
    docs = tmp_path / "docs.jsonl"
    topics = [
        "Oil prices rose after producers cut output",
        "The central bank raised interest rates",
        "Peace talks resumed in Geneva",
        "The team won the final",
    ]
    with docs.open("w") as out:
        for i in range(400):
            date = f"2024-0{1 + i % 3}-{1 + (i * 7) % 27:02d}"
            out.write(json.dumps({"id": f"d{i}", "lead": "", "teasers": [{"text": f"{topics[i % 4]}, report {i % 9}", "published": date}]}) + "\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def command(out, index):
        return [
            sys.executable,
            "-m",
            "newsnlp",
            "run",
            str(FAST),
            "-i",
            str(docs),
            "-o",
            str(out),
            "--stories",
            str(index),
            "-q",
            "--set",
            "batch_size=4",
        ]

    whole = tmp_path / "whole.jsonl"
    subprocess.run(command(whole, tmp_path / "whole.sqlite"), env=env, check=True, capture_output=True, timeout=600)
    cut = tmp_path / "cut.jsonl"
    process = subprocess.Popen(command(cut, tmp_path / "cut.sqlite"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = tmp_path / "cut.jsonl.partial"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not partial.exists() or len(partial.read_bytes().splitlines()) < 50):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not cut.exists() and partial.exists()
    subprocess.run(command(cut, tmp_path / "cut.sqlite") + ["--resume"], env=env, check=True, capture_output=True, timeout=600)
    a, b = records(whole), records(cut)
    assert [r["teasers"][0]["story"] for r in a] == [r["teasers"][0]["story"] for r in b]
    assert records_equal(a, b) is None
    assert not (tmp_path / "cut.jsonl.partial.items").exists()


def test_a_damaged_or_foreign_index_is_set_aside_and_another_encoders_refused(tmp_path):
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE))
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"not a database at all" * 50)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE stories (id TEXT)")
    for index in (damaged, foreign):
        done = runner.invoke(
            app, ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-o", str(tmp_path / f"{index.stem}.jsonl"), "--stories", str(index), "-q"]
        )
        assert done.exit_code == 0 and "moved aside" in done.output, done.output
        assert (tmp_path / f"{index.name}.set-aside").exists() and records(tmp_path / f"{index.stem}.jsonl")[0]["teasers"][0]["story"]
    other = runner.invoke(
        app,
        [
            "run",
            str(FAST),
            "-i",
            str(tmp_path / "wire.xml"),
            "-o",
            str(tmp_path / "o.jsonl"),
            "--stories",
            str(damaged),
            "--set",
            "encoder.model=mpnet",
            "-q",
        ],
    )
    assert other.exit_code == 2 and "built with encoder minilm, this run's is mpnet" in other.output
    listing = runner.invoke(app, ["stories", str(tmp_path / "wire.xml")])
    assert listing.exit_code == 2 and "not a story index" in listing.output


def test_evaluate_stories_scores_a_labelled_set(tmp_path):
    rows = [
        {"id": "a", "event": "fed", "headline": WIRE[0][0], "text": WIRE[0][1], "outlet": "wire", "date": "2022-06-15"},
        {"id": "b", "event": "fed", "headline": DAILY[0][0], "text": DAILY[0][1], "outlet": "daily", "date": "2022-06-15"},
        {"id": "c", "event": "rain", "headline": WIRE[1][0], "text": WIRE[1][1], "outlet": "wire", "date": "2022-06-15"},
        {"id": "d", "event": "tennis", "headline": DAILY[1][0], "text": DAILY[1][1], "outlet": "daily", "date": ""},
    ]
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = tmp_path / "eval.yaml"
    config.write_text(
        "encoder: {model: minilm}\nstories: {threshold: 0.45, entity_weight: 0.2, number_weight: 0.1}\n"
        f"data: {{path: {data}, text_fields: [text], title_field: headline, source_field: outlet, date_field: date, label_field: event, id_field: id}}\n"
    )
    result = runner.invoke(app, ["evaluate", "stories", "-c", str(config), "--json", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.splitlines()[0])
    assert metrics["bcubed"]["f1"] == 1.0 and metrics["singletons_attached"] == 0.0 and metrics["stories"] == 3
    assert "Worst merges" in (tmp_path / "report" / "report.md").read_text() and (tmp_path / "report" / "report.html").exists()


def test_watch_attaches_each_cycles_items_to_the_index(tmp_path):
    """Two cycles of `nlp watch --stories`: the second outlet's copy of the Fed decision joins the
    story the first cycle founded (the index persists between cycles and processes)."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "wire.xml").write_text(feed("wire", WIRE))
    out, index = tmp_path / "watch.jsonl", tmp_path / "stories.sqlite"
    first = runner.invoke(app, ["watch", str(feeds / "wire.xml"), "-o", str(out), "--once", "-c", str(FAST), "--stories", str(index)])
    assert first.exit_code == 0, first.output
    (feeds / "daily.xml").write_text(feed("daily", DAILY))
    second = runner.invoke(
        app, ["watch", str(feeds / "wire.xml"), str(feeds / "daily.xml"), "-o", str(out), "--once", "-c", str(FAST), "--stories", str(index)]
    )
    assert second.exit_code == 0, second.output
    by_id = {r["id"]: r for r in records(out)}
    assert len(by_id) == 4 and all("story" in r for r in by_id.values())
    assert by_id["daily-0"]["story"] == by_id["wire-0"]["story"] != by_id["wire-1"]["story"]
    assert by_id["daily-1"]["story"] not in {by_id["wire-0"]["story"], by_id["wire-1"]["story"]}


def test_ray_groups_as_the_local_run(tmp_path):
    import pytest

    ray = pytest.importorskip("ray", reason="the optional extra newsnlp[ray] is not installed")
    (tmp_path / "wire.xml").write_text(feed("wire", WIRE))
    (tmp_path / "daily.xml").write_text(feed("daily", DAILY))
    outs = {}
    for engine in ("local", "ray"):
        outs[engine] = tmp_path / f"{engine}.jsonl"
        args = ["run", str(FAST), "-i", str(tmp_path / "wire.xml"), "-i", str(tmp_path / "daily.xml"), "-o", str(outs[engine])]
        # the session's embedding cache stays out of it: after Ray's actors wrote to it and were shut
        # down, the test process's next connection to that file failed ("disk I/O error": open, below)
        own = ["--set", f"cache.path={tmp_path / 'embeddings.sqlite'}"]
        done = runner.invoke(app, [*args, "--stories", str(tmp_path / f"{engine}.sqlite"), "-q", "--engine", engine, *own])
        assert done.exit_code == 0, done.output
    ray.shutdown()
    assert records_equal(records(outs["local"]), records(outs["ray"])) is None
    assert records(outs["ray"])[0]["teasers"][0]["story"] == records(outs["ray"])[1]["teasers"][0]["story"]
