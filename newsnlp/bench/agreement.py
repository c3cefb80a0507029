"""Label agreement between two runs over the same documents: what every bench comparison reports
beside its speed (the default against torch fp32, turbo against the default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from newsnlp.records import Record


def agreement(reference: Sequence[Record], other: Sequence[Record]) -> dict[str, float]:
    """How often `other` gives `reference`'s topic and sentiment labels (articles and teasers)."""

    def items(records: Sequence[Record], key: str) -> list[Any]:
        parts: list[Any] = [x for r in records for x in [r.get("article", {}), *r.get("teasers", [])]]
        return [x[key] for x in parts if key in x]

    out: dict[str, float] = {}
    for key in ("topic", "sentiment"):
        a, b = items(reference, key), items(other, key)
        if not a:
            continue
        out[f"{key}_agreement"] = round(float(np.mean([x["label"] == y["label"] for x, y in zip(a, b)])), 4)
        out[f"{key}_max_abs_delta"] = round(max(abs(x["scores"][k] - y["scores"][k]) for x, y in zip(a, b) for k in x["scores"]), 4)
    return out
