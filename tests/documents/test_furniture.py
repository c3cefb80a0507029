"""The text patterns of page furniture (newsnlp/documents/furniture.py): what they take, and the
sentences that only look like furniture (a date in a sentence, "By Monday", a letter to the
editor quoted in a story), which they must leave alone."""

from __future__ import annotations

import pytest

from newsnlp.documents.furniture import clean_headline, cut_related_tail, cut_share_row, ends_as_sentence, is_furniture, strip_leading_stamp

FURNITURE = [
    "May 3, 2023",
    "September 9, 2020 update",
    "Datum 12.03.2021",
    "Published: Friday, June 3, 2022.",
    "Updated 5 hours ago",
    "By Ann Poe, March 3, 2024 2:30 pm",
    "By Ann Poe and Jo Roe, Staff Writers",
    "By HARBOUR PORT AUTHORITY",
    "Written by: Ann Poe",
    "Photo: Jo Roe",
    "Image credit: example.com/press",
    "(c) 2024 Harbour Media",
    "We may earn a commission when you buy through links on this page.",
    "Send us your letters using the form below.",
    "Sign up for our morning newsletter to get the news in your inbox.",
    "Follow us for more stories like this.",
    "This story originally appeared on Harbour Weekly.",
    "Share this article",
]
PROSE = [
    "The ferry returned to service on May 3, 2023.",
    "By Monday, the council had voted to close the road.",
    "By 2030, the port wants to run on renewable power.",
    "In a letter to the editor of the Ledger, she argued the fares were too high.",
    "Workers will receive compensation for the lost shifts.",
    "Sunday lunch at the harbour",
    "Pictures of the flood show the damage to the quay.",
    "March 15 protesters gathered outside the town hall to demand a vote.",
    "Share this withEmailTwitterCopy this linkThe ferry returned on Monday after a month.",  # the sentence is glued on
]


@pytest.mark.parametrize("text", FURNITURE)
def test_furniture_is_told_from_text(text):
    assert is_furniture(text)


@pytest.mark.parametrize("text", PROSE)
def test_a_sentence_that_mentions_a_date_or_a_letter_is_prose(text):
    assert not is_furniture(text)


def test_a_labelled_timestamp_opening_a_line_is_cut_and_prose_is_left():
    assert strip_leading_stamp("Last updated 4 May 2023 10:20 BST The ferry returned.") == "The ferry returned."
    assert strip_leading_stamp("Updated figures show the ferry is busier.") == "Updated figures show the ferry is busier."


def test_a_glued_header_and_a_glued_list_of_stories_are_cut():
    header = "Home News Ferry back in service By Jo Roe - Share Facebook Twitter WhatsApp Email The ferry returned on Monday."
    assert cut_share_row(header) == "The ferry returned on Monday."
    assert cut_related_tail("The ferry returned on Monday. Related Articles Bridge closes for repairs") == "The ferry returned on Monday."
    assert cut_related_tail("Related Articles Bridge closes for repairs Quay works start") == ""
    assert cut_related_tail("Related articles were kept on file.") == "Related articles were kept on file."


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Quay repairs finish early2 hours ago", "Quay repairs finish early"),
        ("Quay repairs finish early | June 3, 2022", "Quay repairs finish early"),
        ("RELATED: Quay repairs finish early", "Quay repairs finish early"),
        ("NewsQuay repairs finish early", "Quay repairs finish early"),
        ("'Quay Songs,' by Jo Roe", "Quay Songs"),
        ("The 10 best walks along the quay", "The 10 best walks along the quay"),  # a number that is the headline's
        ("Storm update: ferry times for 20 April 2022", "Storm update: ferry times for 20 April 2022"),  # a date that is
    ],
)
def test_a_headline_loses_its_chrome_and_keeps_its_words(raw, clean):
    assert clean_headline(raw) == clean


def test_a_summary_sentence_ends_as_a_sentence():
    assert ends_as_sentence("The ferry returned.") and ends_as_sentence("“We are back,” she said.”")
    assert ends_as_sentence("the ferry is back . '")  # tokenised text sets the closing quote apart
    assert not ends_as_sentence("Ferry timetable and fares")
