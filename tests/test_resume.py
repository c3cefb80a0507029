"""Resume for real: `nlp run` in a subprocess on a few thousand short documents, killed with
SIGKILL at random points, resumed; the output must hold every input id exactly once and equal an
uninterrupted run's records (scores within 1e-4)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.helpers import records_equal

N_DOCS = 2500
WORDS = "oil gas prices shares stocks market bank rose fell peace talks war president minister team game won".split()


@pytest.fixture(scope="module")
def setup(tmp_path_factory, tiny_bert):
    root = tmp_path_factory.mktemp("resume")
    rng = random.Random(0)
    with (root / "docs.jsonl").open("w") as f:
        for i in range(N_DOCS):
            lead = " ".join(rng.choice(WORDS) for _ in range(8)) + f" {i}. " + " ".join(rng.choice(WORDS) for _ in range(6)) + "."
            f.write(json.dumps({"id": f"doc-{i}", "lead": lead, "teasers": [" ".join(rng.choice(WORDS) for _ in range(7)) + "..."]}) + "\n")
    # the fast preset's summary knobs: centrality counts, so near-ties would show batching noise
    config = {
        "encoder": {"model": str(tiny_bert), "max_length": 32},
        "batch_size": 16,
        "tasks": {
            "topics": {"method": "embedding"},
            "sentiment": {"method": "embedding"},
            "summarize": {"position_weight": 0.7, "position_decay": 1.5, "redundancy": 0.5},
        },
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    reference = root / "reference.jsonl"
    nlp(root, reference)
    return root, {r["id"]: r for r in read(reference)}


def nlp(root, out, *extra, wait=True):
    # each output its own embedding cache: a cache the reference run warmed made the runs under
    # test fast enough to end before the point they are killed or checked at
    own = ["--set", f"cache.path={out.with_name(out.name + '.embeddings.sqlite')}"]
    command = [
        sys.executable,
        "-m",
        "newsnlp",
        "run",
        str(root / "config.yaml"),
        "-i",
        str(root / "docs.jsonl"),
        "-o",
        str(out),
        "--quiet",
        *own,
        *extra,
    ]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def started(root, out, lines=1, *extra):
    """`nlp run` in a subprocess, once its journal holds `lines` checked records (a line counts
    once its checksum is in the sidecar `.sums`: a line without one is computed again)."""
    proc = nlp(root, out, *extra, wait=False)
    journal = out.with_name(out.name + ".partial")
    sums = journal.with_name(journal.name + ".sums")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not (sums.exists() and sums.read_bytes().count(b"\n") >= lines):
        time.sleep(0.005)
    return proc, journal


def killed(root, out, lines):
    """A run killed with SIGKILL once its journal holds `lines` records; the journal's path."""
    proc, journal = started(root, out, lines)
    assert proc.poll() is None, "the run ended before the kill point"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return journal


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def close(a, b, path="record"):
    # 1e-3, as the stored records are held to: with its own embedding cache a resumed run encodes
    # its texts in other batches than the reference run did, and ONNX's sums differ in the 4th digit
    difference = records_equal(a, b, tol=1e-3, path=path)
    assert difference is None, difference


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_killed_then_resumed_equals_an_uninterrupted_run(setup, tmp_path, seed):
    root, reference = setup
    out = tmp_path / "out.jsonl"
    journal = killed(root, out, random.Random(seed).randint(1, N_DOCS - 200))
    assert not out.exists() and journal.exists()
    resumed = nlp(root, out, "--resume")
    assert "from the interrupted run" in resumed.stderr
    records = read(out)
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(reference) and len(ids) == len(set(ids)) == N_DOCS  # every id exactly once
    for record in records:
        close(record, reference[record["id"]], record["id"])
    assert not journal.exists()


def test_a_leftover_journal_needs_resume(setup, tmp_path):
    root, _ = setup
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text("")
    command = [sys.executable, "-m", "newsnlp", "run", str(root / "config.yaml"), "-i", str(root / "docs.jsonl"), "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--resume" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "signals, code", [((signal.SIGINT,), 130), ((signal.SIGTERM,), 143), ((signal.SIGHUP,), 129), ((signal.SIGINT, signal.SIGINT), 130)]
)
def test_ctrl_c_stops_cleanly_with_the_resume_command(setup, tmp_path, signals, code):
    """SIGTERM and SIGHUP stop a run as Ctrl-C does (Step 2: they exited -15 and -1 with no
    message); a second Ctrl-C during the cleanup changes nothing (it exited -2)."""
    root, _ = setup
    out = tmp_path / "out.jsonl"
    proc, journal = started(root, out)
    for sig in signals:
        proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    stderr = stderr.decode()
    assert proc.returncode == code, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted:" in lines[0] and "--resume" in lines[0] and "Traceback" not in stderr
    written = int(lines[0].split("interrupted: ")[1].split()[0].replace(",", ""))
    assert written == len(read(journal))


@pytest.mark.parametrize("second", [(), ("--resume",)])
def test_a_second_run_on_a_locked_output_is_refused_and_every_id_is_written_once(setup, tmp_path, second):
    """Step 2: run B on run A's output, following the '--resume' advice while A ran, duplicated
    records (200 lines, 100 ids) and died with a traceback. Now B is refused in one line."""
    root, reference = setup
    out = tmp_path / "same.jsonl"
    # batch size 1 slows the first run down (records are the same): it must outlast the second's start-up
    first, journal = started(root, out, 1, "--set", "batch_size=1")
    assert first.poll() is None, "the first run ended before the second could start"
    command = [sys.executable, "-m", "newsnlp", "run", str(root / "config.yaml"), "-i", str(root / "docs.jsonl"), "-o", str(out), "--quiet", *second]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2 and len(lines) == 1 and f"(pid {first.pid}) is writing" in lines[0], refused.stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    ids = [r["id"] for r in read(out)]
    assert len(ids) == len(set(ids)) == len(reference)
    assert not (tmp_path / "same.jsonl.lock").exists() and not journal.exists()


def test_resume_refuses_another_config_or_input(setup, tmp_path):
    """Step 2: --resume with another config gave records of two configs in one file (631 with one
    summary sentence, 869 with two); with another input reusing ids, old text was kept."""
    root, reference = setup
    out = tmp_path / "out.jsonl"
    journal = killed(root, out, 50)
    assert (tmp_path / "out.jsonl.partial.meta").exists()

    def resume(*extra, docs=root / "docs.jsonl"):
        own = ["--set", f"cache.path={out.with_name(out.name + '.embeddings.sqlite')}"]  # as `nlp` gave the killed run
        command = [
            sys.executable,
            "-m",
            "newsnlp",
            "run",
            str(root / "config.yaml"),
            "-i",
            str(docs),
            "-o",
            str(out),
            "--quiet",
            "--resume",
            *own,
            *extra,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=300)

    other = resume("--set", "tasks.summarize.sentences=2")
    assert other.returncode == 2 and "tasks.summarize.sentences was 3, now 2" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    changed = tmp_path / "docs.jsonl"
    changed.write_text((root / "docs.jsonl").read_text().replace('"doc-3"', '"doc-3x"'))
    other = resume(docs=changed)
    assert other.returncode == 2 and "input" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    same = resume("--set", "batch_size=4", "--set", "threads=1")  # keys that change no record
    assert same.returncode == 0, same.stderr
    assert sorted(r["id"] for r in read(out)) == sorted(reference)
    assert not journal.exists() and not (tmp_path / "out.jsonl.partial.meta").exists()


def test_an_output_folder_deleted_mid_run_stops_in_one_line(setup, tmp_path):
    """Step 2: with the output folder deleted mid-run, all records went into the deleted journal,
    then a traceback at the final rename."""
    import shutil

    root, _ = setup
    folder = tmp_path / "out"
    out = folder / "out.jsonl"
    proc, _ = started(root, out)
    shutil.rmtree(folder)
    _, stderr = proc.communicate(timeout=300)
    stderr = stderr.decode()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "vanished during the run" in lines[0] and "Traceback" not in stderr, stderr


def test_an_edited_journal_line_is_computed_again(setup, tmp_path):
    """Step 2: appending {"id": "doc-1499", "fake": true} to the journal made --resume skip that
    document. Each line's checksum sits in <journal>.sums; from the first line that does not
    match, records are computed again."""
    root, reference = setup
    out = tmp_path / "out.jsonl"
    journal = killed(root, out, 100)
    lines = journal.read_bytes().splitlines(keepends=True)
    complete = [line for line in lines if line.endswith(b"\n")]
    forged = json.loads(complete[10])
    forged["teasers"] = []
    complete[10] = (json.dumps(forged) + "\n").encode()  # an edited record, same id
    complete.append(b'{"id": "doc-2499", "fake": true}\n')  # a forged one
    journal.write_bytes(b"".join(complete))
    nlp(root, out, "--resume")
    records = read(out)
    assert sorted(r["id"] for r in records) == sorted(reference) and not any(r.get("fake") for r in records)
    for record in records:
        close(record, reference[record["id"]], record["id"])


def test_the_closing_count_of_errors_includes_the_interrupted_part(tmp_path, tiny_config, monkeypatch):
    """Step 2: after a resume, the closing line left out the error records of the interrupted part."""
    from newsnlp.engine import pipeline as pipeline_module
    from newsnlp.jobs.run import run_job
    from newsnlp.jobs.session import RunInterrupted

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"\x00\x01binary")  # an error record
    for name in ("b", "c"):
        (folder / f"{name}.txt").write_text("Stocks rose on Friday.\nSource: Wire\nOil fell...\n")
    config = tiny_config.model_copy(update={"input": [str(folder)], "output": tiny_config.output.model_copy(update={"path": tmp_path / "out.jsonl"})})
    real = pipeline_module.Pipeline.process_with_views  # what run_job reads (records beside their views)

    def stop_after_one(self, docs, on_progress=None):
        for i, pair in enumerate(real(self, docs, on_progress)):
            if i == 1:
                raise KeyboardInterrupt
            yield pair

    monkeypatch.setattr(pipeline_module.Pipeline, "process_with_views", stop_after_one)
    with pytest.raises(RunInterrupted):
        run_job(config, progress=False)
    monkeypatch.setattr(pipeline_module.Pipeline, "process_with_views", real)
    result = run_job(config, progress=False, resume=True)
    assert result.resumed == 1 and result.documents == 2 and result.errors == 1
