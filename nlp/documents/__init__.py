"""Documents: news pages and JSON rows read into `Document`s (`readers`), the text helpers every
task shares (`text`), and labelled rows for evaluation and training (`labelled`)."""

from nlp.documents.readers import (
    PAGE_SUFFIXES,
    Document,
    Paragraph,
    document_from_json,
    folder_page,
    iter_documents,
    parse_page,
    read_page,
    scan_documents,
    unique_ids,
)

__all__ = [
    "PAGE_SUFFIXES",
    "Document",
    "Paragraph",
    "document_from_json",
    "folder_page",
    "iter_documents",
    "parse_page",
    "read_page",
    "scan_documents",
    "unique_ids",
]
