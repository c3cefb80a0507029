"""What several tests share: the repository's paths, the one definition of equal records, and
development data that may be absent (a fresh clone has no ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_517d009a7ae7e6d3.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"
FAST = ROOT / "configs" / "fast.yaml"  # the fast preset (MiniLM), pinned by tests
DEFAULT = ROOT / "configs" / "default.yaml"  # the default (MPNet): a few tests only


def records_equal(a, b, tol: float = 1e-4, path: str = "record") -> str | None:
    """Where two records differ, or None: the same keys, labels, chosen sentences and texts, and
    every score within `tol`. The one definition of equal records that resume, serving and the
    cache are held to."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
        return None if ok else f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next((d for key in a if (d := records_equal(a[key], b[key], tol, f"{path}.{key}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := records_equal(x, y, tol, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def shared_data(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is a development-only folder)")
    return path
