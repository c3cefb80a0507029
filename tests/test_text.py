import pytest

from newsnlp.documents.text import clean_paragraph, is_crosshead, split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He left. She stayed.", ["He left.", "She stayed."]),
        ("U.S. officials met Mr. Smith at 3 p.m. on Friday. Talks ended.", ["U.S. officials met Mr. Smith at 3 p.m. on Friday.", "Talks ended."]),
        # PTB-tokenised text, as in CNN/DailyMail
        (
            "police said he was there . He said it was bad . shares rose 5 % .",
            ["police said he was there .", "He said it was bad .", "shares rose 5 % ."],
        ),
        # sentences glued by scraping
        ("He joined the community.Dr Venter said it was fine.", ["He joined the community.", "Dr Venter said it was fine."]),
        # a quoted ellipsis inside a sentence does not split it, and a domain stays whole
        ('"If he... rained curses," Putin said. Visit Reuters.com now.', ['"If he... rained curses," Putin said.', "Visit Reuters.com now."]),
        ("line one\nline two", ["line one", "line two"]),
        ("", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_editor_tag_removed_but_parentheses_kept():
    assert clean_paragraph("He said so. (alg)") == "He said so."
    assert clean_paragraph("He said so. (jk/dp) ") == "He said so."
    assert clean_paragraph("Sales rose (in euros).") == "Sales rose (in euros)."


@pytest.mark.parametrize(
    "line, expected",
    [("THE CHOICE IS WAR OR PEACE, SAYS PUTIN", True), ("NATO", False), ("The choice is war", False), ("U.S. OIL OUTPUT FALLS 5%", True)],
)
def test_crosshead(line, expected):
    assert is_crosshead(line) is expected


def test_snippet_sentences():
    from newsnlp.documents.text import snippet_sentences

    assert snippet_sentences("Oil prices rose 1.5% on Monday...") == ["Oil prices rose 1.5% on Monday..."]
    assert snippet_sentences('Gold hit a record. "This is calm," he said. Then it slowed...') == [
        "Gold hit a record.",
        '"This is calm," he said.',
        "Then it slowed...",
    ]


def test_teaser_cut():
    from newsnlp.documents.text import teaser_cut

    body = "Oil prices rose\non Monday after OPEC cut output, traders said. " * 5
    cut = teaser_cut(body, 40)
    assert cut == "Oil prices rose on Monday after OPEC cut..." and "\n" not in cut
    assert teaser_cut("Short  text.", 40) == "Short text."


def test_long_text_is_split_in_blocks_with_the_same_sentences():
    """Step 2: pysbd is quadratic (a 1 MB teaser of sentences stalled a run); blocks keep it linear."""
    from newsnlp.documents.text import PYSBD_BLOCK, _blocks

    text = " ".join(f"Sentence number {i} says the U.S. economy grew 2.5% in Q{i % 4 + 1}." for i in range(400))
    blocks = _blocks(text)
    assert "".join(blocks) == text and all(len(b) <= PYSBD_BLOCK for b in blocks) and len(blocks) > 1
    sentences = split_sentences(text)
    assert len(sentences) == 400 and sentences[7] == "Sentence number 7 says the U.S. economy grew 2.5% in Q4."
    assert _blocks("x" * 10_000) == ["x" * PYSBD_BLOCK, "x" * PYSBD_BLOCK, "x" * 2000]  # no boundary at all: a hard cut


def test_a_huge_teaser_is_split_only_as_far_as_the_models_read(tiny_config, monkeypatch):
    from newsnlp import Document, Pipeline
    from newsnlp.engine import chunks as pipeline_module  # where a chunk splits its teasers

    seen = []
    real = pipeline_module.snippet_sentences
    monkeypatch.setattr(pipeline_module, "snippet_sentences", lambda text: seen.append(len(text)) or real(text))
    teaser = "Oil prices fell again today. " * 40_000  # about 1.2 MB
    record = next(Pipeline(tiny_config).process([Document.from_parts("d", "Stocks rose on Friday.", [teaser])]))
    assert seen == [10 * tiny_config.encoder.max_length] and "sentiment" in record["teasers"][0]
    assert any("teaser 0 is" in w for w in record["warnings"])


def test_sentences_on_the_dev_articles_are_what_pysbd_gave_before_the_speed_work():
    """The 100 CNN/DailyMail dev articles split exactly as before splits were cached (the digest
    was taken from the splitter before Step 7): a faster splitter must give the same sentences."""
    import hashlib
    import json

    from newsnlp.documents.text import split_sentences
    from tests.helpers import shared_data

    rows = [json.loads(line) for line in shared_data("summarization/realsumm_cnndm_test100.jsonl").read_text().splitlines()]
    paragraphs = [p for r in rows for p in r["article"].split("\n") if p.strip()]
    for _ in range(2):  # the first pass fills the cache, the second reads it
        joined = "\x1e".join("\x1f".join(split_sentences(p)) for p in paragraphs)
        assert hashlib.sha256(joined.encode()).hexdigest() == "46653a3d0929592ed098ffb1924ea065b2c76837bbe6f37e33a901b81e388b5a"
