"""Items are keyed by what they are (guid, else url, else a hash of their text), never by their place
in a run (`docid#N`), and placed in time by the dates they have (Step 3): a feed re-read with new
items on top gave each old item another item's story; a second day's page of the same file name
inherited the first's; a feed item as JSONL ignored its document's date, so the same kind of
event a month apart was merged; an undated member set a story's last_seen to the run's time."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.config import StoriesConfig
from newsnlp.stories.grouping import Grouper
from newsnlp.stories.index import StoryIndex, describe
from newsnlp.stories.items import Item
from tests.helpers import FAST
from tests.stories.test_runs import DAILY, FED, WIRE, records

runner = CliRunner()
QUAKE = ("Strong earthquake shakes southern Turkey", "A magnitude 7.8 earthquake struck near Gaziantep before dawn.", FED)


def run(tmp_path, source, out, index):
    done = runner.invoke(app, ["run", str(FAST), "-i", str(source), "-o", str(tmp_path / out), "--stories", str(index), "-q"])
    assert done.exit_code == 0, done.output
    return records(tmp_path / out)


def rss(items: list[tuple[str, tuple[str, str, str]]]) -> str:
    """A feed of (guid, (title, text, date)) items, each linked to a page named by its guid."""
    body = "".join(
        f"<item><title>{t}</title><link>https://wire.example/{g}</link><guid>{g}</guid><pubDate>{d}</pubDate><description>{x}</description></item>"
        for g, (t, x, d) in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>wire</title><link>https://wire.example/</link>{body}</channel></rss>'


def test_a_feed_read_again_with_a_new_item_on_top_keeps_each_items_story(tmp_path):
    index = tmp_path / "stories.sqlite"
    (tmp_path / "wire.xml").write_text(rss([("fed", WIRE[0]), ("rain", WIRE[1])]))
    before = {t["id"]: t["story"] for t in run(tmp_path, tmp_path / "wire.xml", "1.jsonl", index)[0]["teasers"]}
    (tmp_path / "wire.xml").write_text(rss([("quake", QUAKE), ("fed", WIRE[0]), ("rain", WIRE[1])]))  # a new item on top
    after = {t["id"]: t["story"] for t in run(tmp_path, tmp_path / "wire.xml", "2.jsonl", index)[0]["teasers"]}
    assert after["fed"] == before["fed"] and after["rain"] == before["rain"]  # each keeps its story
    assert after["quake"] not in before.values()  # the earthquake is not the Fed decision


def test_the_next_days_page_of_the_same_file_name_is_its_own_story(tmp_path):
    index = tmp_path / "stories.sqlite"
    page = tmp_path / "front.txt"
    page.write_text(f"{WIRE[0][1]} {WIRE[0][0]}.\n\n{WIRE[1][0]}\n")
    first = run(tmp_path, page, "1.jsonl", index)[0]
    page.write_text(f"{DAILY[1][1]} {DAILY[1][0]}.\n\n{QUAKE[0]}\n")  # the next day's front page, the same name
    second = run(tmp_path, page, "2.jsonl", index)[0]
    earlier = {first["story"], *(t["story"] for t in first["teasers"])}
    assert second["story"] not in earlier and not {t["story"] for t in second["teasers"]} & earlier


def test_a_feed_item_as_jsonl_is_placed_at_its_documents_date(tmp_path):
    """The same kind of event a month apart: two OPEC+ cuts, each a lead-less document with one
    teaser and the date on the document. Undated, they were grouped by their words alone."""
    cut = "OPEC+ agrees to cut oil output by one million barrels a day from next month"
    docs = tmp_path / "items.jsonl"
    rows = [
        {"id": "jan", "lead": "", "published": "2024-01-10", "teasers": [{"text": cut}]},
        {"id": "feb", "lead": "", "published": "2024-02-14", "teasers": [{"text": cut + "."}]},
    ]
    docs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = run(tmp_path, docs, "r.jsonl", tmp_path / "stories.sqlite")
    assert got[0]["story"] != got[1]["story"]
    listing = runner.invoke(app, ["stories", str(tmp_path / "stories.sqlite")])
    seen = sorted(json.loads(line)["first_seen"] for line in listing.stdout.splitlines())
    assert seen == ["2024-01-10T00:00:00Z", "2024-02-14T00:00:00Z"]


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=16)
    return v / np.linalg.norm(v)


def test_last_seen_comes_from_dated_members_only():
    dated = Item.of("a", "a", None, "Oil talks in Vienna", _vector(1), "2024-01-10T08:00:00Z", 0.0)
    undated = Item.of("b", "b", None, "Oil talks in Vienna", _vector(1), None, 1_900_000_000.0)  # the run's time, 2030
    grouper = Grouper(StoriesConfig(threshold=0.5))
    assert len({a.story for _, a in grouper.group(sorted([dated, undated], key=Item.order))}) == 1
    story = grouper.memory.stories[0]
    assert story.count == 2 and describe(story, [])["last_seen"] == "2024-01-10T08:00:00Z"


def test_one_item_twice_in_a_run_is_one_member(tmp_path):
    """A page the run read and a teaser linking to it share a key (the url): one member, one story."""
    page = Item.of("https://x.example/a", "page", None, "Oil talks in Vienna", _vector(2), "2024-01-10", 0.0)
    link = Item.of("https://x.example/a", "front", 3, "Vienna oil talks", _vector(2), "2024-01-10", 0.0)
    index = StoryIndex(tmp_path / "stories.sqlite", "minilm")
    with index:
        placed = [a for _, a in Grouper(StoriesConfig(), index).group([page, link])]
    assert placed[0] == placed[1] and index.count() == 1
    assert index.listing()[0]["size"] == 1
    index.close()
