"""Documents: the `Document` every reader produces (`document`); the readers of this project's
page and JSONL formats (`readers`), of HTML pages (`html`) and feeds (`feeds`); URLs fetched
politely (`fetch`); a run's inputs resolved and read (`sources`); the text helpers every task
shares (`text`), and labelled rows for evaluation and training (`labelled`)."""

from newsnlp.documents.document import Document, Paragraph, TeaserInfo, base_record
from newsnlp.documents.readers import (
    document_from_json,
    parse_page,
    read_page,
    unique_ids,
)
from newsnlp.documents.sources import READ_SUFFIXES, Inputs, iter_documents, scan_documents

__all__ = [
    "base_record",
    "READ_SUFFIXES",
    "Document",
    "Inputs",
    "Paragraph",
    "TeaserInfo",
    "document_from_json",
    "iter_documents",
    "parse_page",
    "read_page",
    "scan_documents",
    "unique_ids",
]
