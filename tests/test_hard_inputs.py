"""Issue-8 input table on the tiny model: hard but valid input runs (exit 0); every bad input is
one line, exit 2, no traceback and no output or partial file."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from nlp.cli import app
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
    assert result.exit_code == 0 and "(2 errors)" in result.output  # Step 2: "2 with errors", "1 errors"
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
    assert result.exit_code == 2 and "is the input file" in result.output
    assert page.read_text().startswith('{"id": "a"')


def test_empty_and_blank_jsonl_teasers_are_dropped_and_counted(tmp_path):
    """Step 2: an empty-string teaser crashed the run with KeyError: ''; a blank one was kept as '  '."""
    import json

    from typer.testing import CliRunner

    from nlp.cli import app
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

    from nlp.cli import app
    from tests.helpers import FAST

    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "ok", "lead": "Stocks rose."}\n' + line + "\n")
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(data), "-o", str(tmp_path / "r.jsonl")])
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and message in lines[0] and "bad.jsonl:2" in lines[0], result.output
    assert not (tmp_path / "r.jsonl").exists()


def test_a_yaml_config_nested_too_deeply_is_one_line(tmp_path):
    from nlp.config import load_config
    from nlp.errors import ConfigError

    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


def test_utf16_input_is_named_and_reads_with_its_encoding(tmp_path):
    """Step 2: a UTF-16 page was called binary; UTF-16 JSONL failed even with --encoding utf-16
    (lines were split on the byte 0x0a)."""
    from typer.testing import CliRunner

    from nlp.cli import app
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
