"""`nlp run --engine ray` on a local Ray instance equals the single-process run."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from newsnlp.cli import app

ray = pytest.importorskip("ray", reason="the optional extra newsnlp[ray] is not installed")
runner = CliRunner()


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_engine_equals_the_local_run(tmp_path, tiny_bert, local_ray):
    docs = tmp_path / "docs.jsonl"
    with docs.open("w") as f:
        for i in range(300):
            f.write(
                json.dumps({"id": f"d{i}", "lead": f"Oil prices rose {i} percent. The talks went on.", "teasers": [f"Shares fell {i}..."]}) + "\n"
            )
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "encoder": {"model": str(tiny_bert), "max_length": 32},
                "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
                "ray": {"batch_size": 64},
            }
        )
    )
    outs = {}
    for engine in ("local", "ray"):
        outs[engine] = tmp_path / f"{engine}.jsonl"
        result = runner.invoke(app, ["run", str(config), "-i", str(docs), "-o", str(outs[engine]), "--quiet", "--engine", engine])
        assert result.exit_code == 0, result.output
    local = [json.loads(line) for line in outs["local"].read_text().splitlines()]
    distributed = [json.loads(line) for line in outs["ray"].read_text().splitlines()]
    assert [r["id"] for r in distributed] == [r["id"] for r in local]  # every document, in input order
    for a, b in zip(local, distributed):
        assert a["summary"] == b["summary"]
        assert [t["topic"]["label"] for t in a["teasers"]] == [t["topic"]["label"] for t in b["teasers"]]
        assert abs(a["article"]["sentiment"]["score"] - b["article"]["sentiment"]["score"]) < 1e-4


def test_quiet_means_quiet_with_ray(tmp_path, tiny_bert):
    """Step 2 (news-input round): `--engine ray -q` still printed Ray's INFO lines and warnings.
    A new process, so Ray's own processes write to a real stderr."""
    import subprocess
    import sys

    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": f"d{i}", "lead": "Oil prices rose.", "teasers": ["Shares fell..."]}) + "\n" for i in range(20)))
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "encoder": {"model": str(tiny_bert), "max_length": 32},
                "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
            }
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "newsnlp", "run", str(config), "-i", str(docs), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray", "-q"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and [line for line in done.stderr.splitlines() if line.strip()] == [done.stderr.strip()]
    assert done.stderr.startswith("wrote 20 records")


def test_a_run_without_ray_address_starts_its_own_instance():
    from newsnlp.config import load_config
    from newsnlp.jobs.ray import init_address

    # Ray's default (None) joins the cluster named in its address file, even a dead one: a killed
    # test cluster left it behind and every later local run failed to connect
    assert init_address(load_config(None)) == "local"
    assert init_address(load_config(None, {"ray.address": "auto"})) == "auto"
