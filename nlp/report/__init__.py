"""`nlp report`: a records file as one self-contained HTML page (the page itself: `nlp.formats.html`)."""

from nlp.formats.html import render_html
from nlp.report.html import write_report

__all__ = ["render_html", "write_report"]
