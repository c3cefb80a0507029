"""Readers of this project's own formats: a news-page .txt (lead, `Source:` line, teasers) and
JSONL documents (streamed; what `nlp read` writes reads back). HTML, feeds and URLs: `sources`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsnlp.documents.document import Document, TeaserInfo, paragraphs_of
from newsnlp.documents.text import clean_paragraph
from newsnlp.errors import InputError

_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(?P<source>.*\S)?\s*$", re.IGNORECASE)


def parse_page(text: str, id: str) -> Document:
    """Parse a news page: lead lines, a `Source:` line, then one teaser per line.

    A page without a `Source:` line is all lead.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    source_at = next((i for i, line in enumerate(lines) if _SOURCE_LINE.match(line)), None)
    if source_at is None:
        return Document(id=id, paragraphs=paragraphs_of(lines))
    match = _SOURCE_LINE.match(lines[source_at])
    source = match.group("source") if match else None
    teasers = [clean_paragraph(line) for line in lines[source_at + 1 :] if line.strip()]
    return Document(id=id, paragraphs=paragraphs_of(lines[:source_at]), teasers=teasers, source=source)


def wide_encoding(encoding: str) -> bool:
    """UTF-16 or UTF-32: NUL bytes are text, and a newline is more than one byte."""
    return encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32"))


def refuse_unasked_utf16(head: bytes, path: Path, encoding: str) -> None:
    """A file that starts with a UTF-16 byte-order mark, read as another encoding, is named as
    UTF-16 (it would otherwise look binary)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not wide_encoding(encoding):
        raise InputError(f"{path}: UTF-16 text (it starts with a UTF-16 byte-order mark); pass --encoding utf-16")


def decode_text(data: bytes, path: Path, encoding: str = "utf-8") -> str:
    """A file's bytes as text; binary content, or text not in `encoding`, is an error naming the
    file (and the byte offset)."""
    refuse_unasked_utf16(data[:2], path, encoding)
    if b"\x00" in data[:8192] and not wide_encoding(encoding):
        raise InputError(f"{path}: binary file, not text (expected a UTF-8 news page)")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not {_name(encoding)} text (invalid byte at offset {exc.start}); convert it to UTF-8 or pass --encoding, e.g. --encoding latin-1"
        ) from exc
    except LookupError as exc:
        raise InputError(f"--encoding {encoding}: unknown encoding; e.g. utf-8, latin-1, cp1252") from exc
    except UnicodeError as exc:  # a codec's own failure (punycode, undefined): not a charset for text
        raise InputError(f"{path}: cannot be read as {encoding} ({exc}); convert it to UTF-8 or pass another --encoding") from None


def _name(encoding: str) -> str:
    return "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def read_page(path: Path, encoding: str = "utf-8") -> Document:
    return page_from_bytes(path.read_bytes(), path, encoding)


def page_from_bytes(data: bytes, path: Path, encoding: str = "utf-8") -> Document:
    """A page file's document; unreadable or empty content is an InputError naming the file."""
    text = decode_text(data, path, encoding)
    if not text.strip():
        raise InputError(f"{path}: empty file (expected a news page: lead, 'Source:' line, teasers)")
    return parse_page(text, id=path.stem)


def document_from_json(row: Any, where: str) -> Document:
    """A JSONL document: `text` (a whole page) or `lead` plus `teasers` (strings, or objects with
    `text` and optional `url`, `published`, `id`), and optional `url`, `title`, `source`,
    `published`, `fetched`, `author`, `warnings`; `error` alone is a document that could not be
    read (as `nlp read` writes one)."""
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object with 'id' and 'text' (or 'lead' and 'teasers')")
    if "id" not in row:
        raise InputError(f"{where}: missing 'id'")
    if isinstance(row["id"], bool) or not isinstance(row["id"], (str, int, float)) or not str(row["id"]).strip():
        raise InputError(f"{where}: 'id' must be a non-empty string or a number, got {json.dumps(row['id'])[:40]}")
    doc_id = str(row["id"])
    known = {key: _optional_text(row, key, where) for key in ("url", "published", "fetched", "author")}
    if isinstance(row.get("text"), str):
        doc = parse_page(row["text"], id=doc_id)
        doc.title = _optional_text(row, "title", where) or doc.title
        doc.source = _optional_text(row, "source", where) or doc.source
    elif isinstance(row.get("lead"), str):
        texts, info = _teasers(row.get("teasers"), where)
        doc = Document.from_parts(
            doc_id, row["lead"], texts, source=_optional_text(row, "source", where), title=_optional_text(row, "title", where), info=info
        )
    elif isinstance(row.get("error"), str) and row["error"].strip():
        doc = Document(id=doc_id, paragraphs=[], error=row["error"])
    else:
        raise InputError(f"{where}: needs a string 'text' (a whole page) or 'lead' (plus optional 'teasers')")
    for key, value in known.items():
        setattr(doc, key, value)
    warnings = row.get("warnings")
    if isinstance(warnings, list) and all(isinstance(w, str) for w in warnings):
        doc.warnings = list(warnings) + doc.warnings
    return doc


def _optional_text(row: dict[str, Any], key: str, where: str) -> str | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: '{key}' must be a string, got {json.dumps(value)[:40]}")
    return value


def _teasers(value: Any, where: str) -> tuple[list[str], list[TeaserInfo]]:
    """Teasers as strings, or as objects with `text` (and `url`, `published`, `id`)."""
    if value is None:
        return [], []
    if not isinstance(value, list):
        raise InputError(f"{where}: 'teasers' must be a list of strings or of objects with 'text'")
    texts, info = [], []
    for n, teaser in enumerate(value):
        if isinstance(teaser, str):
            texts.append(teaser)
            info.append(TeaserInfo())
        elif isinstance(teaser, dict) and isinstance(teaser.get("text"), str):
            texts.append(teaser["text"])
            info.append(TeaserInfo(**{k: _optional_text(teaser, k, f"{where} teaser {n}") for k in ("url", "published", "id")}))
        else:
            raise InputError(f"{where}: teaser {n} must be a string or an object with a string 'text'")
    return texts, info


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    """JSON's `\\ud800` escapes decode to characters no encoder or tokenizer accepts."""
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _jsonl_lines(path: Path, encoding: str, max_bytes: int = 32_000_000) -> Iterator[tuple[int, str]]:
    """(line number, stripped text) of a JSONL file. Byte lines for one-byte-newline encodings
    (an undecodable line names its byte; a line over `max_bytes` is an error, read no further);
    UTF-16/32 decoded as a text stream (its newline is more than one byte, so byte lines would
    split characters)."""
    if wide_encoding(encoding):
        try:
            with path.open("r", encoding=encoding, newline="") as text:
                for number, line in enumerate(text, start=1):
                    yield number, line.strip()
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not {encoding} text (byte {exc.start} of a chunk); pass the right --encoding") from exc
        return
    with path.open("rb") as handle:
        refuse_unasked_utf16(handle.read(2), path, encoding)
        handle.seek(0)
        for number, raw in enumerate(iter(lambda: handle.readline(max_bytes + 1), b""), start=1):
            if len(raw) > max_bytes:
                raise InputError(f"{path}:{number}: a line of over {max_bytes:,} bytes (max_document_bytes); split the document or raise the limit")
            try:
                yield number, raw.decode(encoding).strip()
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{number}: not {_name(encoding)} text (byte {exc.start} of the line); pass --encoding if it is another one"
                ) from exc


def iter_jsonl(path: Path, encoding: str = "utf-8", max_bytes: int = 32_000_000) -> Iterator[Document]:
    """Stream documents from JSONL, one per line; a bad line names its line number."""
    seen_any = False
    for number, line in _jsonl_lines(path, encoding, max_bytes):
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: invalid JSON ({exc.msg}, column {exc.colno})") from exc
        except RecursionError:
            raise InputError(f"{path}:{number}: JSON nested too deeply to be a document") from None
        if _has_lone_surrogate(row):
            raise InputError(f"{path}:{number}: a string holds an unpaired surrogate escape (such as \\ud800), which is no text; fix the input")
        seen_any = True
        yield document_from_json(row, f"{path}:{number}")
    if not seen_any:
        raise InputError(f"{path}: empty file (expected one JSON document per line)")


def unique_ids(docs: Iterator[Document], on_duplicate: str = "error") -> Iterator[Document]:
    """Documents with distinct ids: a repeated id is an error naming it, or (`suffix`) becomes
    `id#2`, `id#3`, ... in input order, the same on every run (so --resume finds them)."""
    seen: dict[str, int] = {}
    for doc in docs:
        if doc.id in seen:
            if on_duplicate != "suffix":
                raise InputError(
                    f"duplicate document id '{doc.id}' (document {seen[doc.id]} and again later); make ids unique or pass --on-duplicate suffix"
                )
            n = 2
            while f"{doc.id}#{n}" in seen:
                n += 1
            doc.id = f"{doc.id}#{n}"
        seen[doc.id] = len(seen) + 1
        yield doc
