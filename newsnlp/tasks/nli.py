"""Zero-shot topics from any NLI model: each text is the premise, "This news is about {label}."
the hypothesis (the label's description, or its name, fills the template).

`scores`: a softmax over the labels' entailment logits, which the embedding method's
abstain-as-`other` rule reads; `label_scores`: per label, entailment against contradiction,
which decides the record's `labels`. The
entailment and contradiction outputs are read from the model's `id2label`, never assumed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsnlp.batching import run_batched
from newsnlp.config import TopicsConfig
from newsnlp.errors import ModelError
from newsnlp.models.hub import Classifier
from newsnlp.models.runtime import Runtime
from newsnlp.numeric import softmax
from newsnlp.records import Partial, TopicResult
from newsnlp.tasks.base import DocView, Reads
from newsnlp.tasks.topics import (
    label_notes,
    split_per_document,
    topic_labels,
    topic_records,
)


def nli_indices(id2label: dict[int, str], ref: str = "the model") -> tuple[int, int]:
    """(entailment, contradiction) output indices. Two-way models ('entailment' /
    'not_entailment') use the 'not' class as contradiction."""
    names = {int(i): str(name).lower().replace("-", "_").replace(" ", "_") for i, name in id2label.items()}
    entail = [i for i, n in names.items() if n.startswith("entail")]
    contradict = [i for i, n in names.items() if n.startswith("contradict") or n.startswith(("not_entail", "non_entail"))]
    if len(entail) != 1 or len(contradict) != 1:
        raise ModelError(
            f"tasks.topics.model: {ref} has labels {sorted(id2label.values())}; method nli needs an NLI model "
            "with 'entailment' and 'contradiction' (or 'not_entailment') labels"
        )
    return entail[0], contradict[0]


class NLITopics:
    name = "topics"
    reads: frozenset[Reads] = frozenset()

    def __init__(self, config: TopicsConfig, runtime: Runtime, model: Classifier | None = None) -> None:
        self.config = config
        self.runtime = runtime
        self.model = model or Classifier(config.model, runtime, "tasks.topics.model", config.backend, config.quantize)
        specs = topic_labels(config)
        self.labels = list(specs)
        self.other = self.labels.index(config.other_label)
        self.hypotheses = [config.hypothesis_template.format(spec.description or name) for name, spec in specs.items()]
        self.entail, self.contradict = nli_indices(self.model.id2label, repr(self.model.ref))
        self.notes = label_notes(config, [])

    def _logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        return self.model.logits(pairs, pairs=True)

    def _label_logits(self, texts: Sequence[str]) -> np.ndarray:
        """(n_texts, n_labels, n_outputs): every (text, hypothesis) pair in one batched pass."""
        pairs = [(text, hypothesis) for text in texts for hypothesis in self.hypotheses]
        rows = run_batched(pairs, self._logits, batch_size=self.runtime.batch_size, length=lambda p: len(p[0]) + len(p[1]))
        return np.stack(rows).reshape(len(texts), len(self.labels), -1)

    @staticmethod
    def _scores(logits: np.ndarray, entail: int, contradict: int) -> tuple[np.ndarray, np.ndarray]:
        """(softmax over the labels' entailment logits, each label's entailment vs contradiction)."""
        return softmax(logits[..., entail]), softmax(logits[..., [contradict, entail]])[..., 1]

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """(n_texts, n_labels) scores summing to 1 per text: a softmax over the labels' entailment logits."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self._scores(self._label_logits(texts), self.entail, self.contradict)[0]

    def classify(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[TopicResult]:
        """Topic records; each label's independent score is P(entailment vs contradiction)."""
        if not texts:
            return []
        probs, independent = self._scores(self._label_logits(texts), self.entail, self.contradict)
        return topic_records(probs, self.labels, self.other, self.config, independent)

    def __call__(self, views: list[DocView]) -> list[Partial]:
        texts = [t for view in views for t in (view.doc.lead, *view.doc.teasers)]
        return split_per_document(views, self.classify(texts))
