"""Languages: each record says the language it read (`lang`); a text in a language the encoder
does not read (encoder.languages) gets no topic or sentiment from it (`abstained`, reason
`language`), and the run names those languages once. Headlines are short: detection must work on
them, CJK without spaces included (it answered `und` under three whitespace-separated words, so a
Japanese headline counted as English and got a topic)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.documents.language import language
from tests.helpers import FAST, SEED

GERMAN = (
    "Die Ölpreise sind am Montag deutlich gestiegen, nachdem die großen Förderländer eine Kürzung der Produktion beschlossen hatten.\n"
    "Source: Beispiel\nDie Börse in Frankfurt schloss am Nachmittag mit einem kleinen Plus...\n"
)
# Headlines written for these tests, one per language the issue named and a few more.
FOREIGN_HEADLINES = {
    "ja": "特許法の改正案が国会で可決",
    "zh": "北京发布新的交通管理规定",
    "ko": "서울 아파트값 3주 연속 상승",
    "ru": "Правительство одобрило бюджет",
    "pt": "Governo anuncia novas medidas para a economia",
    "es": "La inflación baja al 3% en noviembre",
    "fr": "Le gouvernement annonce un plan de relance",
}
ENGLISH_HEADLINES = [
    "Spiced Apple Butter Recipe",
    "Week of September 25th, 2004",  # dates and names read as other languages to a bare identifier
    "City council approves new bike lanes",
    "STRIKERS SHINE AS UNITED ROUT ROVERS",
    "Gadget review: the cheapest earbuds worth buying",
]


def test_languages_are_told_apart_and_short_latin_texts_are_undetermined():
    assert language("Oil prices rose on Monday after producers agreed to cut their output") == "en"
    assert language(GERMAN) == "de"
    assert language("Le gouvernement a annoncé de nouvelles mesures pour soutenir les entreprises") == "fr"
    assert language("Oil rose") == "und"


@pytest.mark.parametrize("code", sorted(FOREIGN_HEADLINES))
def test_a_headline_in_another_language_is_told_even_without_spaces(code):
    assert language(FOREIGN_HEADLINES[code]) == code


@pytest.mark.parametrize("headline", ENGLISH_HEADLINES)
def test_an_english_headline_is_never_called_another_language(headline):
    assert language(headline) in ("en", "und")


def test_a_record_in_a_language_the_encoder_does_not_read_gets_no_labels(tmp_path):
    page = tmp_path / "de.txt"
    page.write_text(GERMAN, encoding="utf-8")
    feed = tmp_path / "ja.jsonl"
    feed.write_text(json.dumps({"id": "ja", "lead": "", "teasers": [FOREIGN_HEADLINES["ja"]]}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(SEED), "-i", str(page), "-i", str(feed), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    english, german, japanese = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert english["lang"] == "en" and "warnings" not in english and "abstained" not in english["teasers"][0]["sentiment"]
    assert german["lang"] == "de" and any("does not read" in w for w in german["warnings"])
    assert german["summary"]["text"]  # an extractive summary still works
    for part in [german["article"], *german["teasers"], *japanese["teasers"]]:
        code = german["lang"] if part is not japanese["teasers"][0] else "ja"
        assert part["topic"]["label"] == "other" and part["topic"]["abstained"] == {"reason": "language", "lang": code}
        assert part["sentiment"]["label"] == "neutral" and part["sentiment"]["abstained"] == {"reason": "language", "lang": code}
        assert set(part["topic"]["scores"].values()) == {0.0}
    assert "2 of 3 documents are in a language the encoder does not read (de 1, ja 1)" in result.output


def test_a_user_whose_encoder_reads_the_language_gets_labels(tmp_path):
    feed = tmp_path / "de.jsonl"
    feed.write_text(
        json.dumps({"id": "de", "lead": "", "teasers": ["Die Ölpreise sind am Montag deutlich gestiegen"]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.jsonl"
    result = CliRunner().invoke(app, ["run", str(FAST), "-i", str(feed), "-o", str(out), "-q", "--set", "encoder.languages=[en, de]"])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["lang"] == "de" and "abstained" not in record["teasers"][0]["sentiment"]


def test_classify_and_sentiment_withhold_a_label_per_text(tmp_path):
    source = tmp_path / "h.txt"
    source.write_text("Oil prices rose after producers cut output\n" + FOREIGN_HEADLINES["ko"] + "\n", encoding="utf-8")
    for command in ("classify", "sentiment"):
        result = CliRunner().invoke(app, [command, "--file", str(source), "-c", str(FAST), "--json"])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        assert "abstained" not in rows[0]
        assert rows[1]["abstained"] == {"reason": "language", "lang": "ko"}
