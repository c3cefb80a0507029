"""`nlp report`: a records file as one self-contained HTML page (the page itself: `newsnlp.formats.html`)."""

from newsnlp.formats.html import render_html
from newsnlp.jobs.report import write_report

__all__ = ["render_html", "write_report"]
