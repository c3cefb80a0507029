"""The test run's own cache directory goes when the run ends (left behind, about 1 GB a run filled CI's disk)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_test_cache_dir_is_removed_when_the_run_ends():
    env = {k: v for k, v in os.environ.items() if k != "NLP_CACHE_DIR"}
    script = "import os, pathlib, tests.conftest; d = pathlib.Path(os.environ['NLP_CACHE_DIR']); (d / 'x.onnx').write_bytes(b'1'); print(d)"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    made = Path(done.stdout.strip().splitlines()[-1])
    assert made.name.startswith("nlp-test-cache-")
    assert not made.exists()


def test_a_given_cache_dir_is_kept(tmp_path):
    env = {**os.environ, "NLP_CACHE_DIR": str(tmp_path / "mine")}
    script = "import os, pathlib, tests.conftest; d = pathlib.Path(os.environ['NLP_CACHE_DIR']); d.mkdir(); print(d)"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mine").is_dir()
