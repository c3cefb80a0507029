"""The one guard of a CSV cell and the one escape of a Markdown table cell, for every table this
package writes (records and stories): scraped text is untrusted."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula (`=`, `+`, `-`, `@`, tab,
    CR) gets a leading `'`, as OWASP recommends. Numbers stay numbers."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def one_line(text: Any) -> str:
    """Text for a Markdown heading or table cell: a newline in it would end the heading or row."""
    return " ".join(str(text).split())


def md_cell(text: Any) -> str:
    """Text for a Markdown table cell, on one line, its pipes escaped. Backslashes are escaped
    first: a pipe after an escaped backslash (`\\\\|`) would still end the cell."""
    return one_line(text).replace("\\", "\\\\").replace("|", "\\|")
