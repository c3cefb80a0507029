"""A run as one self-contained HTML page (`nlp report`, `nlp run --format html`)."""

from nlp.report.html import render_html, write_report

__all__ = ["render_html", "write_report"]
