"""Small classifier heads over the shared embeddings, stored as plain arrays (.npz, no pickle)
with a JSON card beside them that says what data trained them, its license and the CV figures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError
from .numeric import softmax
from .resources import resource_path

PACKAGED_HEADS = {"sentiment": "sentiment_head.npz"}


@dataclass
class LinearHead:
    """Multinomial logistic regression: probabilities = softmax(X @ coef.T + intercept)."""

    classes: list[str]
    coef: np.ndarray  # (n_classes, dim)
    intercept: np.ndarray  # (n_classes,)
    card: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        if vectors.shape[-1] != self.coef.shape[1]:
            raise ModelError(f"head expects {self.coef.shape[1]}-dim embeddings but the encoder gives {vectors.shape[-1]}; train the head on this encoder")
        return softmax(vectors @ self.coef.T + self.intercept)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32), classes=np.array(self.classes))
        card_path = path.with_suffix(".json")
        card_path.write_text(json.dumps(self.card, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "LinearHead":
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"head file not found: {path}; train one with scripts/train_sentiment_head.py or use head: default")
        with np.load(path, allow_pickle=False) as arrays:
            head = cls(classes=[str(c) for c in arrays["classes"]], coef=arrays["coef"], intercept=arrays["intercept"])
        card_path = path.with_suffix(".json")
        if card_path.is_file():
            head.card = json.loads(card_path.read_text(encoding="utf-8"))
        return head


def packaged_head_path(task: str) -> Path:
    return resource_path(PACKAGED_HEADS[task])


def load_head(ref: str, task: str) -> LinearHead:
    """`default` is the head shipped in nlp/resources; anything else is a path."""
    return LinearHead.load(packaged_head_path(task) if ref == "default" else Path(ref).expanduser())
