"""What `nlp evaluate` returns, for every task (its own module: the stories evaluation returns it
too, and the evaluator dispatches to that)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Evaluation:
    task: str
    metrics: dict[str, Any]  # what --json prints
    predictions: list[dict[str, Any]]  # one per row, worst first
    labels: list[str] = field(default_factory=list)  # classifier label order, for the confusion matrix
    gold: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
