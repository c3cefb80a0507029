"""The open web (Step 2): most of what a real site publishes is off the desk's beat (sport,
gadgets, deals, recipes, entertainment, local politics, recalls) and must read as `other`, while
the beat keeps its labels; and a record of something bad is bad news. Each case is a headline
written for this test, of the kind the issue quoted wrongly labelled (a recipe as diplomacy, a
teachers' protest at a statehouse as diplomacy 0.97, a film's director as energy, a football
manager's deal as markets, the best SSDs as energy, a car recall as energy; "waiting lists
reach record high" as positive). Run with the packaged heads of the default (MPNet) and the fast
preset (MiniLM), and turbo (static tier, MiniLM where unsure)."""

from __future__ import annotations

import pytest

from newsnlp import Pipeline, load_config
from tests.helpers import DEFAULT, FAST, ROOT, mpnet_or_skip

OFF_BEAT = [
    "Slow-Cooker Apple Cinnamon Chutney Recipe",
    "Hundreds of nurses rally at the state capitol over staffing",
    "Marvel sequel taps new director for 2027 release",
    "Arsenal agree fee to sign Brazilian winger",
    "The Best Budget Gaming Monitors of the Year",
    "Ford recalls 500,000 SUVs over brake defect",
]
ON_BEAT = {
    "Oil prices jump as OPEC+ agrees deeper output cuts": "energy",
    "Fed holds rates steady and signals two cuts this year": "markets",
    "EU imposes new sanctions on Russia over Ukraine": "diplomacy",
}
BAD_RECORDS = [
    "Emergency room waiting times hit a record high",
    "Flu infections reach a record as hospitals fill up",
    "Homelessness climbs to a record in annual count",
]


@pytest.fixture(scope="module", params=["default", "fast", "turbo"])
def pipeline(request):
    if request.param == "default":
        mpnet_or_skip()
    config = {"default": DEFAULT, "fast": FAST, "turbo": ROOT / "configs" / "turbo.yaml"}[request.param]
    return Pipeline(load_config(config)).load()


def test_headlines_off_the_beat_are_other(pipeline):
    labels = [r["label"] for r in pipeline.classify(OFF_BEAT)]
    assert labels == ["other"] * len(OFF_BEAT), list(zip(OFF_BEAT, labels))


def test_headlines_on_the_beat_keep_their_labels(pipeline):
    labels = [r["label"] for r in pipeline.classify(list(ON_BEAT))]
    assert labels == list(ON_BEAT.values())


def test_a_record_of_something_bad_is_bad_news(pipeline):
    results = pipeline.sentiment(BAD_RECORDS)
    assert [r["label"] for r in results] == ["negative"] * len(BAD_RECORDS), [(t, r["score"]) for t, r in zip(BAD_RECORDS, results)]
