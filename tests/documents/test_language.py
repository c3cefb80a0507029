"""Step 2 (news-input round): nothing said the tool is English-only. Each record says the
language it read (`lang`), a document in another language gets a warning, and the run says once
how many were not English."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.documents.language import language
from tests.helpers import FAST, SEED

GERMAN = (
    "Die Ölpreise sind am Montag deutlich gestiegen, nachdem die großen Förderländer eine Kürzung der Produktion beschlossen hatten.\n"
    "Source: Beispiel\nDie Börse in Frankfurt schloss am Nachmittag mit einem kleinen Plus...\n"
)


def test_languages_are_told_apart_and_short_texts_are_undetermined():
    assert language("Oil prices rose on Monday after producers agreed to cut their output") == "en"
    assert language(GERMAN) == "de"
    assert language("Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises") == "fr"
    assert language("Oil rose") == "und"


def test_records_carry_lang_and_a_run_says_how_many_were_not_english(tmp_path):
    page = tmp_path / "de.txt"
    page.write_text(GERMAN, encoding="utf-8")
    out = tmp_path / "r.jsonl"
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(SEED), "-i", str(page), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    english, german = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert english["lang"] == "en" and "warnings" not in english
    assert german["lang"] == "de" and any("not English" in w for w in german["warnings"])
    assert "note: 1 of 2 documents are not English (de 1)" in result.output
