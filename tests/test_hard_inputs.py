"""Issue-8 input table on the tiny model: hard but valid input runs (exit 0); every bad input is
one line, exit 2, no traceback and no output or partial file."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from newsnlp.cli import app
from tests.helpers import SEED

runner = CliRunner()


@pytest.fixture()
def config(tmp_path, tiny_bert):
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "encoder": {"model": str(tiny_bert), "max_length": 32},
                "batch_size": 16,
                "tasks": {"topics": {"method": "embedding"}, "sentiment": {"method": "embedding"}},
            }
        )
    )
    return str(path)


def run(config, page, out, *extra):
    return runner.invoke(app, ["run", config, "-i", str(page), "-o", str(out), "--quiet", *extra])


def records(out):
    return [json.loads(line) for line in out.read_text().splitlines()]


# ---------------------------------------------------------------- hard but valid: exit 0


def test_a_10_mb_article_is_bounded_and_says_so(tmp_path, config):
    page = tmp_path / "big.txt"
    paragraph = "Oil prices rose as the talks went on and the minister said the market fell. " * 40
    page.write_text("\n".join([paragraph] * 3400) + "\nSource: Wire\nShares rose on the market...\n")
    assert page.stat().st_size > 10_000_000
    out = tmp_path / "o.jsonl"
    result = run(config, page, out)
    assert result.exit_code == 0, result.output
    [record] = records(out)
    assert record["summary"]["text"] and record["teasers"][0]["topic"]["label"]
    assert any("max_lead_chars" in w for w in record["warnings"])


def test_one_giant_paragraph_is_cut_at_a_space(tmp_path, config):
    page = tmp_path / "giant.txt"
    page.write_text("word " * 100_000)
    out = tmp_path / "o.jsonl"
    assert run(config, page, out, "--set", "max_lead_chars=5000").exit_code == 0
    [record] = records(out)
    assert "the first 4,99" in record["warnings"][0]


@pytest.mark.parametrize("text", ["Just a lead. No source line here.\nSecond paragraph.", "Lead only.\nSource: Wire\n"])
def test_pages_without_source_or_teasers_are_all_lead(tmp_path, config, text):
    page = tmp_path / "p.txt"
    page.write_text(text)
    out = tmp_path / "o.jsonl"
    assert run(config, page, out).exit_code == 0
    [record] = records(out)
    assert record["teasers"] == [] and record["summary"]["text"]


def test_a_100_kb_teaser_is_read_in_part_with_a_warning(tmp_path, config):
    page = tmp_path / "p.txt"
    page.write_text("Oil prices rose.\nSource: Wire\n" + "shares rose " * 9000 + "...\n")
    out = tmp_path / "o.jsonl"
    assert run(config, page, out).exit_code == 0
    [record] = records(out)
    assert "teaser 0 is 108,0" in record["warnings"][0] and "the models read its first 32 tokens" in record["warnings"][0]
    assert record["teasers"][0]["topic"]["label"]


def test_windows_line_endings_and_a_bom(tmp_path, config):
    page = tmp_path / "p.txt"
    page.write_bytes(b"\xef\xbb\xbf" + SEED.read_text().replace("\n", "\r\n").encode())
    out = tmp_path / "o.jsonl"
    assert run(config, page, out).exit_code == 0
    [record] = records(out)
    assert record["source"] == "Reuters.com" and len(record["teasers"]) == 8


def test_a_bad_page_in_a_folder_is_an_error_record_not_a_stop(tmp_path, config):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text("Oil prices rose.\nSource: Wire\nShares fell...\n")
    (folder / "b.txt").write_bytes(b"\x00\x01binary")
    (folder / "c.txt").write_text("   \n")
    out = tmp_path / "o.jsonl"
    result = run(config, folder, out)
    assert result.exit_code == 3 and "(2 errors)" in result.output  # Step 2: "2 with errors", "1 errors"; Step 3: exit 3, the rest written
    by_id = {r["id"]: r for r in records(out)}
    assert "binary file" in by_id["b"]["error"] and "empty" in by_id["c"]["error"] and "error" not in by_id["a"]


def test_encoding_option_reads_latin_1(tmp_path, config):
    page = tmp_path / "p.txt"
    page.write_bytes("Caf\xe9 prices rose.\nSource: Wire\nShares fell...\n".encode("latin-1"))
    out = tmp_path / "o.jsonl"
    assert run(config, page, out).exit_code == 2
    assert run(config, page, out, "--encoding", "latin-1").exit_code == 0
    assert "Café" in records(out)[0]["summary"]["text"]


def test_duplicate_ids_error_or_suffix(tmp_path, config):
    docs = tmp_path / "d.jsonl"
    docs.write_text("".join(json.dumps({"id": i, "lead": "Oil prices rose."}) + "\n" for i in ["a", "b", "a", "a"]))
    out = tmp_path / "o.jsonl"
    result = run(config, docs, out)
    assert result.exit_code == 2 and "duplicate document id 'a'" in result.output
    assert not out.exists() and not (tmp_path / "o.jsonl.partial").exists()
    assert run(config, docs, out, "--on-duplicate", "suffix").exit_code == 0
    assert [r["id"] for r in records(out)] == ["a", "b", "a#2", "a#3"]


# ---------------------------------------------------------------- bad input: one line, exit 2


def bad_jsonl_late(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"id": i, "lead": "Oil rose."}) + "\n" for i in range(500)) + "{not json\n")
    return path


@pytest.mark.parametrize(
    "make, extra, message",
    [
        (lambda p: p / "missing.txt", [], "input not found"),
        (lambda p: (p / "e.txt").write_text("") and p / "e.txt" or p / "e.txt", [], "empty file"),
        (lambda p: (p / "b.txt").write_bytes(b"\x00\xff") and p / "b.txt", [], "binary file"),
        (lambda p: (p / "l.txt").write_bytes(b"abc\xe9") and p / "l.txt", [], "invalid byte at offset 3"),
        (bad_jsonl_late, [], "d.jsonl:501: invalid JSON"),
        (lambda p: SEED, ["--set", "tasks.topics.no_such_key=1"], "unknown key"),
        (lambda p: SEED, ["--set", "batch_size=lots"], "batch_size: expected a valid integer"),
        (lambda p: SEED, ["--set", "device=cuda"], "no CUDA GPU is available"),
        (lambda p: SEED, ["--set", "encoder.model=nobody/nothing-here"], "not available offline"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, config, make, extra, message):
    page = make(tmp_path)
    out = tmp_path / "out" / "o.jsonl"
    result = run(config, page, out, *extra)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "out" / "o.jsonl.partial").exists()


def test_output_folder_not_writable(tmp_path, config):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(config, SEED, blocker / "o.jsonl")
    assert result.exit_code == 2 and "cannot create the output folder" in result.output


def test_input_and_output_the_same_file(tmp_path, config):
    page = tmp_path / "p.jsonl"
    page.write_text(json.dumps({"id": "a", "lead": "x"}) + "\n")
    result = run(config, page, page)
    assert result.exit_code == 2 and "is an input of" in result.output
    assert page.read_text().startswith('{"id": "a"')


def test_empty_and_blank_jsonl_teasers_are_dropped_and_counted(tmp_path):
    """Step 2: an empty-string teaser crashed the run with KeyError: ''; a blank one was kept as '  '."""
    import json

    from typer.testing import CliRunner

    from newsnlp.cli import app
    from tests.helpers import FAST

    data = tmp_path / "e.jsonl"
    data.write_text(json.dumps({"id": "e", "lead": "Stocks rose 3% on Friday.", "teasers": ["", "Oil fell...", "   ", "\t"]}) + "\n")
    out = tmp_path / "r.jsonl"
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(data), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(t["index"], t["text"]) for t in record["teasers"]] == [(0, "Oil fell...")]
    assert record["warnings"] == ["3 empty teasers dropped"]


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "s", "lead": "Stocks \\ud800 rose.", "teasers": []}', "unpaired surrogate"),
        ('{"id": "\\udc00", "lead": "Stocks rose."}', "unpaired surrogate"),
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
        ('{"id": "c", "lead": "a\u0001b"}'.replace("\u0001", "\x01"), "Invalid control character at, column"),
    ],
)
def test_jsonl_that_no_model_can_read_is_one_line_up_front(tmp_path, line, message):
    """Step 2: a lone surrogate passed the up-front scan, then the tokenizer failed after 128
    records (a traceback); 10,000 nested levels gave RecursionError."""
    from typer.testing import CliRunner

    from newsnlp.cli import app
    from tests.helpers import FAST

    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "ok", "lead": "Stocks rose."}\n' + line + "\n")
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(data), "-o", str(tmp_path / "r.jsonl")])
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and message in lines[0] and "bad.jsonl:2" in lines[0], result.output
    assert not (tmp_path / "r.jsonl").exists()


def test_a_yaml_config_nested_too_deeply_is_one_line(tmp_path):
    from newsnlp.config import load_config
    from newsnlp.errors import ConfigError

    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


def test_utf16_input_is_named_and_reads_with_its_encoding(tmp_path):
    """Step 2: a UTF-16 page was called binary; UTF-16 JSONL failed even with --encoding utf-16
    (lines were split on the byte 0x0a)."""
    from typer.testing import CliRunner

    from newsnlp.cli import app
    from tests.helpers import FAST

    page = tmp_path / "page.txt"
    page.write_text("Stocks rose on Friday.\nSource: Wire\nOil fell...\n", encoding="utf-16")
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(page), "-o", str(tmp_path / "p.jsonl"), "--quiet"])
    assert result.exit_code == 2 and "--encoding utf-16" in result.output and "binary" not in result.output
    data = tmp_path / "docs.jsonl"
    rows = [{"id": f"d{i}", "lead": f"Stocks rose {i}% on Friday ≈ ✓.", "teasers": ["Oil fell..."]} for i in range(3)]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-16")
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(data), "-o", str(tmp_path / "d.jsonl"), "--quiet"])
    assert result.exit_code == 2 and "--encoding utf-16" in result.output
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(data), "-o", str(tmp_path / "d.jsonl"), "--quiet", "--encoding", "utf-16"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in (tmp_path / "d.jsonl").read_text().splitlines()] == ["d0", "d1", "d2"]


def one_line_exit_2(result, message: str) -> None:
    lines = [line for line in result.output.splitlines() if line.strip() and not line.startswith("nlp: exporting")]  # a progress line may come first
    assert result.exit_code == 2 and len(lines) == 1 and message in lines[0] and "Traceback" not in result.output, result.output


def test_every_error_is_one_line(tmp_path, config):
    """Step 3 (news-input round): each of these was a traceback, exit 1."""
    one_line_exit_2(run(config, tmp_path / "missing.jsonl", tmp_path / "o.jsonl"), "input not found")
    one_line_exit_2(
        runner.invoke(app, ["run", config, "-i", str(SEED), "--set", "encoder.max_length=513", "-q"]),
        "encoder.max_length 513 is over the 64 positions",  # the tiny model holds 64
    )
    head = tmp_path / "zero.npz"
    import numpy as np

    np.savez(head, classes=np.array([], dtype=str), coef=np.zeros((0, 32), dtype=np.float32), intercept=np.zeros(0, dtype=np.float32))
    one_line_exit_2(
        run(config, SEED, tmp_path / "o.jsonl", "--set", "tasks.topics.method=head", "--set", f"tasks.topics.head={head}"),
        "0 classes; a head tells at least two apart",
    )
    (tmp_path / "empty.jsonl").write_text("")
    for command in ("evaluate", "calibrate"):
        eval_config = tmp_path / f"eval-{command}.yaml"
        eval_config.write_text(
            yaml.safe_dump({**yaml.safe_load(open(config)), "data": {"path": str(tmp_path / "empty.jsonl"), "label_field": "label"}})
        )
        one_line_exit_2(runner.invoke(app, [command, "topics", "-c", str(eval_config)]), "has no rows")
    one_line_exit_2(runner.invoke(app, ["cache", "clear", "--set", f"cache.path={tmp_path}"]), "is a folder")


def test_a_full_disk_at_the_end_is_one_line_and_the_journal_is_kept(tmp_path, config, monkeypatch):
    """Step 3: an OSError from the writer's __exit__ (full disk) hid the message; resuming after
    freeing space recovered every record."""
    import errno

    import newsnlp.jobs.journal as output

    real = output.os.replace

    def full(src, dst):
        if str(dst).endswith("o.jsonl"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", full)
    out = tmp_path / "o.jsonl"
    one_line_exit_2(run(config, SEED, out), "No space left on device")
    assert (tmp_path / "o.jsonl.partial").exists() and not out.exists()
    monkeypatch.setattr(output.os, "replace", real)
    assert run(config, SEED, out, "--resume").exit_code == 0 and len(records(out)) == 1


def test_encodings_are_checked_once_and_a_latin1_run_writes_html(tmp_path, config):
    """Step 3: `--encoding bogus` over a folder exited 0 with every page an error record; a run
    with --encoding latin-1 could not write HTML (the report read the input as UTF-8)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_bytes("Caf\xe9 prices rose on Monday.\nSource: Wire\nThe caf\xe9 chain grew...\n".encode("latin-1"))
    one_line_exit_2(run(config, folder, tmp_path / "o.jsonl", "--encoding", "bogus"), "unknown encoding")
    page = tmp_path / "o.html"
    done = run(config, folder, page, "--encoding", "latin-1")
    assert done.exit_code == 0, done.output
    assert "Café prices rose" in page.read_text(encoding="utf-8") and not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.writing"))
    jsonl = tmp_path / "o.jsonl"
    assert run(config, folder, jsonl, "--encoding", "latin-1").exit_code == 0
    again = runner.invoke(app, ["report", str(jsonl), "-o", str(tmp_path / "again.html")])  # the run's encoding, from run.json
    assert again.exit_code == 0 and "Café prices rose" in (tmp_path / "again.html").read_text(encoding="utf-8")


def test_report_reads_only_records_and_keeps_line_separators_as_text(tmp_path):
    """Step 3: non-object records, a topic without a label, a non-UTF-8 file and a bad run.json
    were tracebacks; a records file that is a JSON object made a "0 documents" page with exit 0;
    records holding U+2028 or U+2029 were rejected (splitlines)."""
    cases = {
        "numbers.jsonl": ("1\n2\n", "a JSON int, not an object"),
        "nolabel.jsonl": (json.dumps({"id": "a", "teasers": [{"index": 0, "text": "x", "topic": {"scores": {}}}]}) + "\n", "a topic without a label"),
        "object.json": (json.dumps({"records": []}), "a JSON object, not records"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        one_line_exit_2(runner.invoke(app, ["report", str(tmp_path / name), "-o", str(tmp_path / "p.html")]), message)
    (tmp_path / "latin.jsonl").write_bytes(b'{"id": "caf\xe9"}\n')
    one_line_exit_2(runner.invoke(app, ["report", str(tmp_path / "latin.jsonl"), "-o", str(tmp_path / "p.html")]), "not UTF-8")
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"id": "a", "source": "s", "teasers": [{"index": 0, "text": "line\u2028separator\u2029paragraph"}]}, ensure_ascii=False) + "\n"
    )
    (tmp_path / "good.jsonl.run.json").write_text("{not json")
    done = runner.invoke(app, ["report", str(good), "-o", str(tmp_path / "good.html")])
    assert done.exit_code == 0 and "run's description out" in done.output and (tmp_path / "good.html").exists()


def test_resume_accepts_the_same_input_by_another_path_and_refuses_an_edit_of_the_same_size(tmp_path, config, monkeypatch):
    """Step 3: resume with the input given as an absolute path was refused; a same-size edit in
    the middle of a 3 MB input was accepted and mixed old and new records."""
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": f"d{i}", "lead": f"Oil prices rose {i} percent on the news today."}) + "\n" for i in range(40)))
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.partial").write_text("")
    from newsnlp.config import load_config
    from newsnlp.documents import Inputs
    from newsnlp.jobs.files import RunFiles
    from newsnlp.jobs.session import run_fingerprint

    cfg = load_config(config, {"input": "docs.jsonl"})
    monkeypatch.chdir(tmp_path)
    RunFiles(out).meta.write_text(json.dumps(run_fingerprint(cfg, Inputs.of(cfg))))
    assert run(config, docs.resolve(), out, "--resume").exit_code == 0  # the same file, by its absolute path
    (tmp_path / "o.jsonl.partial").write_text("")
    RunFiles(out).meta.write_text(json.dumps(run_fingerprint(cfg, Inputs.of(cfg))))
    text = docs.read_text()
    docs.write_text(text.replace("rose 20 percent", "fell 20 percent"))  # the same size, in the middle
    one_line_exit_2(run(config, docs, out, "--resume"), "the input's contents differ")


def test_a_fifo_is_refused_and_a_huge_page_is_read_in_part(tmp_path, config):
    """Step 3: a FIFO as input blocked for ever; a 200 MB single-line page peaked at 3.4 GB RSS."""
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line_exit_2(run(config, fifo, tmp_path / "o.jsonl"), "not a regular file or folder")
    huge = tmp_path / "huge.txt"
    huge.write_text("Oil prices rose. " * 100_000 + "\nSource: Wire\nShares fell...\n")
    out = tmp_path / "h.jsonl"
    assert run(config, huge, out, "--set", "max_document_bytes=200000").exit_code == 0
    [record] = records(out)
    assert any("max_document_bytes" in w for w in record["warnings"])
    long_line = tmp_path / "long.jsonl"
    long_line.write_text(json.dumps({"id": "x", "lead": "word " * 100_000}) + "\n")
    one_line_exit_2(run(config, long_line, tmp_path / "l.jsonl", "--set", "max_document_bytes=100000"), "a line of over 100,000 bytes")
