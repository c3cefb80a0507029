"""`nlp stories` as CSV and Markdown: story names are scraped text (Step 4). The listing had its own
CSV guard (no tab or CR) and escaped a pipe as `\\|`, a live pipe that split the row; it now
renders through the records' one CSV guard and one Markdown-cell escape (newsnlp/formats/cells.py)."""

from __future__ import annotations

import csv
import io

import numpy as np
from typer.testing import CliRunner

from newsnlp.cli import app
from newsnlp.config import StoriesConfig
from newsnlp.stories.grouping import Grouper
from newsnlp.stories.index import StoryIndex
from newsnlp.stories.items import Item

NAMES = [
    "Oil | gas talks stall",
    '=HYPERLINK("http://x","click")',
    "+cmd calc",
    "-2+3 votes",
    "@SUM(A1:A9)",
    "\tTabbed headline",
    "Back\\|slash and pipe",
]


def cells(row: str) -> list[str]:
    """A Markdown table row's cells as GFM reads them: a backslash escapes the next character."""
    found, cell, chars = [], "", iter(row.strip().strip("|"))
    for char in chars:
        if char == "\\":
            cell += char + next(chars, "")
        elif char == "|":
            found.append(cell)
            cell = ""
        else:
            cell += char
    return [*found, cell]


def index_of(tmp_path) -> str:
    """An index of one story per name: orthogonal vectors never group."""
    path = tmp_path / "stories.sqlite"
    index = StoryIndex(path, "minilm")
    items = [Item.of(f"k{i}", f"d{i}", None, name, np.eye(len(NAMES))[i], f"2024-01-0{i + 1}", 0.0) for i, name in enumerate(NAMES)]
    with index:
        list(Grouper(StoriesConfig(threshold=0.9), index).group(sorted(items, key=Item.order)))
    index.close()
    return str(path)


def test_a_story_name_never_breaks_a_markdown_row(tmp_path):
    """The listing escaped a pipe as `\\\\|`: an escaped backslash, then a live pipe."""
    md = CliRunner().invoke(app, ["stories", index_of(tmp_path), "--format", "md"])
    assert md.exit_code == 0, md.output
    rows = [line for line in md.stdout.splitlines() if line.startswith("| st-")]
    assert len(rows) == len(NAMES) and all(len(cells(row)) == 7 for row in rows), rows
    assert "| Oil \\| gas talks stall |" in md.stdout and "Back\\\\\\|slash" in md.stdout


def test_a_story_name_never_starts_a_formula(tmp_path):
    """The listing's own guard let a name starting with a tab (or CR) through."""
    table = CliRunner().invoke(app, ["stories", index_of(tmp_path), "--format", "csv"])
    assert table.exit_code == 0, table.output
    names = {row["name"] for row in csv.DictReader(io.StringIO(table.stdout))}
    assert names == {("'" + n if n[0] in "=+-@\t" else n) for n in NAMES}
