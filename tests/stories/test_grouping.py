"""Grouping on items of known geometry: the same event grouped across outlets, look-alike events
kept apart by their dates, undated items placed by content, wire copies marked, ids stable."""

from __future__ import annotations

import numpy as np

from newsnlp.config import StoriesConfig
from newsnlp.stories.grouping import Grouper, story_id
from newsnlp.stories.items import DAY, Item, epoch, names, numbers

CONFIG = StoriesConfig(threshold=0.6, entity_weight=0.4, number_weight=0.0, window="3d")


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def item(key: str, vector: np.ndarray, date: str | None, text: str = "", source: str = "wire") -> Item:
    return Item.of(key, key, None, text or key, vector, date, fallback=0.0, source=source)


def stories(items: list[Item], config: StoriesConfig = CONFIG) -> dict[str, str]:
    return {i.key: a.story for i, a in Grouper(config).group(sorted(items, key=Item.order))}


def test_one_event_across_outlets_is_one_story_and_two_look_alike_events_are_two():
    opec = unit(1, 0.1, 0)
    items = [
        item("a", opec, "2024-06-02", "OPEC+ extends output cuts into 2025"),
        item("b", unit(1, 0.15, 0.02), "2024-06-02", "OPEC+ agrees to extend deep oil output cuts"),
        item("c", unit(1, 0.12, 0.01), "2024-06-03", "OPEC+ extends cuts, oil steady"),
        item("later", opec, "2024-11-30", "OPEC+ extends output cuts again"),  # the same words, months later
        item("other", unit(0, 0, 1), "2024-06-02", "A football club wins the cup"),
    ]
    found = stories(items)
    assert found["a"] == found["b"] == found["c"] == story_id("a")
    assert found["later"] not in (found["a"], found["other"]) and found["other"] != found["a"]


def test_an_undated_item_joins_by_content_and_a_wire_copy_is_marked():
    event = unit(1, 0.2, 0)
    grouper = Grouper(CONFIG)
    dated = [item("x", event, "2023-02-06", "Quake hits Turkey and Syria"), item("y", unit(0, 1, 0), "2023-02-06", "Markets fall")]
    undated = item("z", event, None, "Quake hits Turkey and Syria")  # a copy, date unknown
    results = {i.key: a for i, a in grouper.group(sorted([*dated, undated], key=Item.order))}
    assert results["z"].story == results["x"].story and results["z"].duplicate_of == "x"
    assert results["y"].story != results["x"].story and results["x"].duplicate_of is None


def test_names_and_numbers_are_read_from_text_and_dates_from_iso():
    assert names("Turkey and Syria were hit on Monday, the UN said") == frozenset({"turkey", "syria", "un"})
    assert numbers("Brent rose 2.4% to $81.30, a 1,000 rise") == frozenset({"2.4", "81.30", "1000"})
    assert epoch("2024-06-02T10:30:00Z") == epoch("2024-06-02") + 10.5 * 3600 and epoch("2024-06") is None and epoch(None) is None
    assert DAY == 86_400.0


def test_the_same_items_give_the_same_stories_whatever_their_input_order():
    vectors = [unit(1, i * 0.05, 0) for i in range(6)] + [unit(0, 1, i * 0.05) for i in range(6)]
    items = [item(f"k{i}", v, f"2024-01-0{1 + i % 3}") for i, v in enumerate(vectors)]
    assert stories(items) == stories(list(reversed(items)))


def test_the_window_is_a_duration_with_its_unit():
    import pytest

    from newsnlp.config import load_config
    from newsnlp.errors import ConfigError
    from tests.helpers import FAST

    assert load_config(FAST, {"stories.window": "72h"}).stories.window_s == 3 * DAY
    with pytest.raises(ConfigError, match="stories.window: expected a duration with its unit"):
        load_config(FAST, {"stories.window": "3"})  # days or seconds? refused, not guessed
