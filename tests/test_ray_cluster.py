"""`nlp run --engine ray` on a real cluster of two nodes (`ray.cluster_utils.Cluster`: a head and
a second node, each a raylet of its own, in this machine's process tree; Ray's own tests stage
node failures so): the records equal a local run's and the actors of both nodes made them; a
node lost after the first batch is written, and the run stopped later, `--resume` loses and
duplicates nothing.

Marked `cluster` (started by `.ci/run` on its own: `NLP_REQUIRE_RAY=1 pytest -m cluster`); where
Ray is not installed it skips, unless NLP_REQUIRE_RAY=1, where it fails."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.jobs.journal import RecordWriter
from tests.helpers import records_equal

try:
    import ray
    from ray.cluster_utils import Cluster
except ImportError:
    if os.environ.get("NLP_REQUIRE_RAY") == "1":
        pytest.fail("NLP_REQUIRE_RAY=1, but Ray is not installed: pip install -e '.[ray]'", pytrace=False)
    pytest.skip("the optional extra newsnlp[ray] is not installed", allow_module_level=True)

pytestmark = pytest.mark.cluster
runner = CliRunner()
DOCS, BATCH = 400, 50  # eight batches over three actors
CPUS = 2  # logical CPUs per node: 3 actors (the cluster's 4 but one, which Ray Data keeps to read) cannot fit on one node


@pytest.fixture(scope="module")
def cluster():
    ray.shutdown()  # a local instance an earlier test left: the runs here connect to the cluster themselves
    made = Cluster(initialize_head=True, head_node_args={"num_cpus": CPUS, "include_dashboard": False})
    second = made.add_node(num_cpus=CPUS)
    made.wait_for_nodes()
    yield made, second
    ray.shutdown()
    made.shutdown()


@pytest.fixture(scope="module")
def job(tmp_path_factory, tiny_bert):
    """The input, the config (pointing at no cluster yet) and the local run's records."""
    folder = tmp_path_factory.mktemp("cluster")
    docs = folder / "docs.jsonl"
    docs.write_text(
        "".join(
            json.dumps({"id": f"d{i}", "lead": f"Oil prices rose {i} percent. The talks went on.", "teasers": [f"Shares fell {i}..."]}) + "\n"
            for i in range(DOCS)
        )
    )
    config = folder / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "encoder": {"model": str(tiny_bert), "max_length": 32},
                "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
                "ray": {"batch_size": BATCH},
                "cache": {"path": str(folder / "embeddings.sqlite")},  # not the session's: Ray's workers write to it
            }
        )
    )
    local = folder / "local.jsonl"
    done = runner.invoke(app, ["run", str(config), "-i", str(docs), "-o", str(local), "-q"])
    assert done.exit_code == 0, done.output
    return folder, config, docs, read(local)


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def on_ray(cluster_address, config, docs, out, *extra):
    return runner.invoke(
        app, ["run", str(config), "-i", str(docs), "-o", str(out), "-q", "--engine", "ray", "--set", f"ray.address={cluster_address}", *extra]
    )


def nodes_of(out):
    """How many records each node made, as run.json says."""
    return json.loads(out.with_name(out.name + ".run.json").read_text())["ray"]["nodes"]


def test_two_nodes_make_the_local_runs_records(cluster, job):
    made, second = cluster
    folder, config, docs, local = job
    out = folder / "two.jsonl"
    done = on_ray(made.address, config, docs, out)
    assert done.exit_code == 0, done.output
    assert records_equal(local, read(out)) is None
    nodes = nodes_of(out)
    assert set(nodes) == {made.head_node.node_id, second.node_id}, nodes  # actors on both nodes made records
    assert sum(nodes.values()) == DOCS


def test_a_node_lost_then_resume_loses_and_duplicates_nothing(cluster, job, monkeypatch):
    """The second node is removed once the first batch is written (its actors die with it, and
    Ray carries on with the head's); the run is stopped three batches later; `--resume` on the
    head alone writes the rest."""
    made, second = cluster
    folder, config, docs, local = job
    out = folder / "lost.jsonl"
    write = RecordWriter.write

    def staged(self, record):
        write(self, record)
        if self.count == BATCH:
            made.remove_node(second)
        elif self.count == 4 * BATCH:
            raise KeyboardInterrupt

    monkeypatch.setattr(RecordWriter, "write", staged)
    stopped = on_ray(made.address, config, docs, out)
    assert stopped.exit_code == 130 and f"interrupted: {4 * BATCH} documents in {out}.partial" in stopped.output, stopped.output
    assert not out.exists() and len(read(folder / "lost.jsonl.partial")) == 4 * BATCH
    monkeypatch.setattr(RecordWriter, "write", write)
    resumed = on_ray(made.address, config, docs, out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert f"wrote {DOCS} records ({4 * BATCH} from the interrupted run)" in resumed.output
    records = read(out)
    assert [r["id"] for r in records] == [r["id"] for r in local]  # each once, in input order
    assert records_equal(local, records) is None
    assert nodes_of(out) == {made.head_node.node_id: DOCS - 4 * BATCH}  # the rest, on the node left
