"""Step 3: a label the topics head was not trained on must be scored (by its prototypes) and can
win; a configuration that cannot work as the user expects is said at start-up in one line."""

import numpy as np

from nlp.config import HeadTrainConfig, LabelSpec, TopicsConfig
from nlp.heads.train import fit_head
from nlp.tasks.topics import EmbeddingTopics

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
