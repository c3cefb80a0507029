import pytest

from nlp.text import clean_paragraph, is_crosshead, split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He left. She stayed.", ["He left.", "She stayed."]),
        ("U.S. officials met Mr. Smith at 3 p.m. on Friday. Talks ended.", ["U.S. officials met Mr. Smith at 3 p.m. on Friday.", "Talks ended."]),
        # PTB-tokenised text, as in CNN/DailyMail
        ("police said he was there . He said it was bad . shares rose 5 % .", ["police said he was there .", "He said it was bad .", "shares rose 5 % ."]),
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


@pytest.mark.parametrize("line, expected", [("THE CHOICE IS WAR OR PEACE, SAYS PUTIN", True), ("NATO", False), ("The choice is war", False), ("U.S. OIL OUTPUT FALLS 5%", True)])
def test_crosshead(line, expected):
    assert is_crosshead(line) is expected


def test_snippet_sentences():
    from nlp.text import snippet_sentences

    assert snippet_sentences("Oil prices rose 1.5% on Monday...") == ["Oil prices rose 1.5% on Monday..."]
    assert snippet_sentences('Gold hit a record. "This is calm," he said. Then it slowed...') == ["Gold hit a record.", '"This is calm," he said.', "Then it slowed..."]


def test_teaser_cut():
    from nlp.text import teaser_cut

    body = "Oil prices rose\non Monday after OPEC cut output, traders said. " * 5
    cut = teaser_cut(body, 40)
    assert cut == "Oil prices rose on Monday after OPEC cut..." and "\n" not in cut
    assert teaser_cut("Short  text.", 40) == "Short text."
