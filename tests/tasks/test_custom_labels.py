"""Step 3: a label the topics head was not trained on must be scored (by its prototypes) and can
win; a configuration that cannot work as the user expects is said at start-up in one line."""

import numpy as np

from newsnlp.config import HeadTrainConfig, LabelSpec, TopicsConfig
from newsnlp.tasks.topics import EmbeddingTopics
from newsnlp.training.fit import fit_head

VOCAB = ["stocks", "war", "oil", "football", "phones", "technology"]
HEAD_LABELS = ["markets", "diplomacy", "energy", "other"]


def encode(texts):
    """One-hot of the first word (a stand-in encoder with known geometry); 'technology' sits
    between phones and football, as in a real encoder it sits near `other`'s examples."""
    out = np.zeros((len(texts), len(VOCAB)), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i, VOCAB.index(text.split()[0])] = 1.0
        if text.split()[0] == "technology":
            out[i] = 0
            out[i, VOCAB.index("technology")] = 0.6
            out[i, VOCAB.index("football")] = 0.8
    return out


def head():
    texts = [f"{w} x" for w in ("stocks", "war", "oil", "football") for _ in range(10)]
    labels = [label for label in HEAD_LABELS for _ in range(10)]
    return fit_head(encode(texts), texts, labels, HeadTrainConfig(familiarity=False))


def labels(**extra):
    return {
        "markets": LabelSpec(description="stocks"),
        "diplomacy": LabelSpec(description="war"),
        "energy": LabelSpec(description="oil"),
        "other": LabelSpec(description="football"),
        **extra,
    }


def topics(**extra):
    return EmbeddingTopics(TopicsConfig(method="head", labels=labels(**extra), temperature=0.1, head_weight=0.8), encode, head=head())


def test_a_label_the_head_lacks_takes_its_prototype_probability_and_can_win():
    task = topics(technology=LabelSpec(description="phones"))
    vectors = encode(["phones new", "oil fell"])
    sims = task.scorer.similarities(vectors)
    prototypes = task.combine(sims, None, task.config.temperature)
    probs = task.combine(sims, task.head_part(None, vectors), task.config.temperature)
    tech = task.labels.index("technology")
    assert np.allclose(probs[:, tech], prototypes[:, tech])  # was 0.8 × 0 (the head) + 0.2 × prototypes
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert [task.labels[i] for i in task.decide(probs, 0.4)] == ["technology", "energy"]
    assert [t["label"] for t in task.classify(["phones new", "oil fell"], vectors)] == ["technology", "energy"]
    assert task.notes[0] == (
        "topics: 'technology' is not among the head's labels (diplomacy, energy, markets, other): "
        "scored by its prototypes (description and examples) alone"
    )


def test_the_heads_own_labels_give_no_notes_and_the_head_is_unchanged():
    task = topics()
    vectors = encode(["phones new", "oil fell"])
    part = task.head_part(None, vectors)
    assert task.notes == [] and part.known is None
    assert np.allclose(
        task.combine(task.scorer.similarities(vectors), part, 0.1),
        0.8 * part.probs + 0.2 * task.combine(task.scorer.similarities(vectors), None, 0.1),
    )


def test_a_label_whose_own_name_is_classified_elsewhere_is_said():
    task = topics(technology=LabelSpec(description="phones"))  # the text "technology" sits near `other`'s football
    assert any("the text 'technology' is itself classified 'other'" in note for note in task.notes)


TECH_HEADLINES = [  # written for this test: technology news, no other topic in them
    "Apple unveils a thinner iPhone with a faster chip and a brighter screen",
    "Microsoft releases a Windows update that fixes a security flaw in the browser",
    "Google launches a new AI chatbot for its search engine",
    "Samsung shows off a foldable smartphone with a larger display",
    "Meta rolls out a software update to its virtual reality headset",
    "Nvidia announces a graphics card for gamers and AI developers",
    "A new version of the Linux kernel adds support for more laptops",
    "Sony's next game console will ship with a solid-state drive",
    "Amazon adds a smarter voice assistant to its Echo speakers",
    "Hackers exploited a bug in a popular password manager app",
    "Intel shows a laptop processor that uses less battery power",
    "OpenAI updates its app so users can talk to the assistant by voice",
]
OTHER_TOPICS = {
    "Oil prices rose after OPEC agreed to cut output": "energy",
    "The central bank raised interest rates by a quarter point": "markets",
    "Envoys agreed to extend the ceasefire by thirty days": "diplomacy",
    "The home team won the championship in extra time": "other",
}


def test_readmes_one_line_label_takes_its_headlines(default_pipeline):
    """Step 2 (news-input round): README's one-line `--set` label sent 2 of 4 pure-tech headlines
    to `other`. The line is read from README itself, so the two stay one."""
    import re

    from newsnlp import Pipeline, load_config
    from tests.helpers import FAST, ROOT

    line = re.search(r"--set '(tasks\.topics\.labels\.technology=[^']+)'", (ROOT / "README.md").read_text(encoding="utf-8")).group(1)
    pipeline = Pipeline(load_config(FAST, [line]))
    assert len(pipeline.topics_task.labels) == 5  # added to the four
    labels = [r["label"] for r in pipeline.classify(TECH_HEADLINES)]
    assert labels.count("technology") >= 10, labels
    assert [r["label"] for r in pipeline.classify(list(OTHER_TOPICS))] == list(OTHER_TOPICS.values())
    assert any("no longer count for 'other'" in note for note in pipeline.notes)


def test_a_labels_section_adds_to_the_four_unless_replace(tmp_path):
    """Step 2 (news-input round): a `labels:` section silently replaced the four labels (a file
    adding `technology` labelled every text `technology 1.000`)."""
    from newsnlp import load_config

    path = tmp_path / "c.yaml"
    path.write_text("tasks:\n  topics:\n    labels:\n      technology:\n        description: smartphones, software and gadgets\n")
    assert list(load_config(path).tasks.topics.labels) == ["markets", "diplomacy", "energy", "other", "technology"]
    replaced = load_config(path, ["tasks.topics.labels_mode=replace"]).tasks.topics
    assert list(replaced.labels) == ["technology"]
    from newsnlp.tasks.topics import label_notes

    [note] = [n for n in label_notes(replaced, []) if "leave out" in n]
    assert "'markets', 'diplomacy', 'energy', 'other'" in note and "abstain label only" in note
