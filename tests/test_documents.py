import json

import pytest

from newsnlp.documents import iter_documents, parse_page, read_page, scan_documents
from newsnlp.errors import InputError
from tests.helpers import SEED


def test_seed_page():
    doc = read_page(SEED)
    assert doc.id == SEED.stem
    assert doc.source == "Reuters.com"
    assert len(doc.teasers) == 8
    assert all(t.endswith("...") for t in doc.teasers)
    crossheads = [p.text for p in doc.paragraphs if p.crosshead]
    assert crossheads == ["THE CHOICE IS WAR OR PEACE, SAYS PUTIN"]
    sentences = doc.sentences()
    assert sentences[0].startswith("Russian President Vladimir Putin said on Thursday")
    assert not any("THE CHOICE" in s for s in sentences)
    assert not any("(alg)" in s for s in sentences)
    assert "(alg)" not in doc.lead and "THE CHOICE" not in doc.lead


def test_page_without_source_is_all_lead():
    doc = parse_page("First paragraph here.\nSecond one ends with a teaser-like tail...\n", id="x")
    assert doc.teasers == [] and doc.source is None
    assert len(doc.paragraphs) == 2


def test_quoted_ellipsis_in_lead_is_not_a_teaser():
    doc = parse_page('He said "we will... see" and left.\nSource: AP\nA teaser...\n', id="x")
    assert doc.teasers == ["A teaser..."]
    assert doc.sentences() == ['He said "we will... see" and left.']


def test_windows_line_endings_and_bom():
    doc = parse_page("\ufeffLead one.\r\nLead two.\r\nSource: X\r\nTeaser one...\r\n\r\nTeaser two...\r\n", id="w")
    assert doc.source == "X" and doc.teasers == ["Teaser one...", "Teaser two..."]
    assert doc.sentences() == ["Lead one.", "Lead two."]


def test_folder_and_jsonl(tmp_path):
    (tmp_path / "b.txt").write_text("Lead B.\nSource: S\nT...\n")
    (tmp_path / "a.txt").write_text("Lead A.\n")
    (tmp_path / "notes.md").write_text("ignored")
    assert [d.id for d in iter_documents(tmp_path)] == ["a", "b"]
    assert scan_documents(tmp_path) == 2
    jsonl = tmp_path / "docs.jsonl"
    rows = [{"id": 1, "text": "Lead.\nSource: S\nT1...\n"}, {"id": "two", "lead": "Para one.\nPara two.", "teasers": ["x..."], "source": "Y"}]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = list(iter_documents(jsonl))
    assert [d.id for d in docs] == ["1", "two"]
    assert docs[0].teasers == ["T1..."] and docs[1].source == "Y" and len(docs[1].paragraphs) == 2
    assert scan_documents(jsonl) == 2


def test_jsonl_is_streamed(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": 1, "text": "ok."}\nnot json\n')
    docs = iter_documents(path)
    assert next(docs).id == "1"  # the first document arrives before the bad line is read
    with pytest.raises(InputError, match=r"docs.jsonl:2: invalid JSON"):
        next(docs)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"caf\xe9 au lait", "not UTF-8 text (invalid byte at offset 3)"),
    ],
)
def test_bad_pages(tmp_path, content, message):
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(iter_documents(path))


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "x"}', "missing 'id'"),
        ('{"id": 1}', "needs a string 'text'"),
        ("[1]", "expected a JSON object"),
        ('{"id": 1, "lead": "x", "teasers": "y"}', "'teasers' must be a list"),
    ],
)
def test_bad_jsonl_rows(tmp_path, line, message):
    path = tmp_path / "d.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(InputError, match=message):
        list(iter_documents(path))


def test_missing_input_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="input not found"):
        list(iter_documents(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="folder has no files to read"):
        list(iter_documents(tmp_path))


def test_ray_reads_a_folders_pages_as_the_local_reader_does(tmp_path):
    """Ray's workers get the driver's documents as JSON (what `nlp read` writes): the same documents."""
    from newsnlp.jobs.ray import _parse

    (tmp_path / "a.txt").write_bytes("\ufeffOil rose.\r\nSource: Wire\r\nShares fell...\r\n".encode())
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "c.txt").write_text("  \n")
    (tmp_path / "d.txt").write_bytes(b"Caf\xe9 prices rose.")
    local = list(iter_documents(tmp_path))
    ray = [_parse({"text": json.dumps(doc.to_json())}) for doc in local]
    assert ray == local and [d.error is not None for d in local] == [False, True, True, True]


def test_a_folder_page_deleted_during_the_run_becomes_an_error_record(tmp_path):
    """Step 2: a page deleted after the folder was listed ended the run with a traceback."""
    from newsnlp.documents import iter_documents

    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text("Stocks rose on Friday.\nSource: Wire\nOil fell...\n")
    docs = iter_documents(tmp_path)
    assert next(docs).error is None
    (tmp_path / "b.txt").unlink()
    gone = next(docs)
    assert gone.id == "b" and "could not be read" in gone.error
