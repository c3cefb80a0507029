"""Documents and their readers: a news-page .txt, a folder of pages, or JSONL (streamed)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.documents.text import clean_paragraph, is_crosshead, split_sentences
from nlp.errors import InputError

_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(?P<source>.*\S)?\s*$", re.IGNORECASE)
PAGE_SUFFIXES = (".txt",)


@dataclass
class Paragraph:
    text: str
    crosshead: bool = False


@dataclass
class Document:
    """One news page: lead paragraphs, an optional source, and teaser snippets."""

    id: str
    paragraphs: list[Paragraph]
    teasers: list[str] = field(default_factory=list)
    source: str | None = None
    title: str | None = None
    error: str | None = None  # a page of a folder that could not be read: reported, not dropped
    warnings: list[str] = field(default_factory=list)  # what reading changed (the record's `warnings`)

    @property
    def lead(self) -> str:
        """The lead article's body text (crossheads left out)."""
        return "\n".join(p.text for p in self.paragraphs if not p.crosshead)

    def sentences(self) -> list[str]:
        """Lead sentences, in order; crossheads are headings, never sentences."""
        return [s for p in self.paragraphs if not p.crosshead for s in split_sentences(p.text)]

    def to_page(self) -> str:
        """The page as text (lead paragraphs, a `Source:` line, one teaser a line): what
        `parse_page` reads back into the same lead and teasers."""
        lines = [p.text for p in self.paragraphs]
        if self.source is not None or self.teasers:
            lines += [f"Source: {self.source or ''}".rstrip(), *self.teasers]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_parts(cls, id: str, lead: str, teasers: list[str] | None = None, source: str | None = None, title: str | None = None) -> Document:
        """A document from its parts; empty and whitespace-only teasers are dropped (teaser
        indexes stay 0..n-1, as a page's blank lines are) and counted in `warnings`."""
        kept = [t for t in teasers or [] if t.strip()]
        dropped = len(teasers or []) - len(kept)
        warnings = [f"{dropped} empty teaser{'s' * (dropped > 1)} dropped"] if dropped else []
        return cls(id=id, paragraphs=_paragraphs(lead.splitlines()), teasers=kept, source=source, title=title, warnings=warnings)


def _paragraphs(lines: list[str]) -> list[Paragraph]:
    paragraphs = []
    for line in lines:
        text = clean_paragraph(line)
        if text:
            paragraphs.append(Paragraph(text=text, crosshead=is_crosshead(text)))
    return paragraphs


def parse_page(text: str, id: str) -> Document:
    """Parse a news page: lead lines, a `Source:` line, then one teaser per line.

    A page without a `Source:` line is all lead.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    source_at = next((i for i, line in enumerate(lines) if _SOURCE_LINE.match(line)), None)
    if source_at is None:
        return Document(id=id, paragraphs=_paragraphs(lines))
    match = _SOURCE_LINE.match(lines[source_at])
    source = match.group("source") if match else None
    teasers = [clean_paragraph(line) for line in lines[source_at + 1 :] if line.strip()]
    return Document(id=id, paragraphs=_paragraphs(lines[:source_at]), teasers=teasers, source=source)


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


def folder_page(data: bytes, path: Path, encoding: str = "utf-8") -> Document:
    """A page of a folder: one that cannot be read becomes a document with an `error`, so one
    bad file of thousands does not stop a run (every engine reads folders through this)."""
    try:
        return page_from_bytes(data, path, encoding)
    except InputError as exc:
        return Document(id=path.stem, paragraphs=[], error=str(exc))


def document_from_json(row: Any, where: str) -> Document:
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object with 'id' and 'text' (or 'lead' and 'teasers')")
    if "id" not in row:
        raise InputError(f"{where}: missing 'id'")
    if isinstance(row["id"], bool) or not isinstance(row["id"], (str, int, float)) or not str(row["id"]).strip():
        raise InputError(f"{where}: 'id' must be a non-empty string or a number, got {json.dumps(row['id'])[:40]}")
    doc_id = str(row["id"])
    if isinstance(row.get("text"), str):
        doc = parse_page(row["text"], id=doc_id)
        doc.title = row.get("title") or doc.title
        return doc
    if isinstance(row.get("lead"), str):
        teasers = row.get("teasers") or []
        if not isinstance(teasers, list) or not all(isinstance(t, str) for t in teasers):
            raise InputError(f"{where}: 'teasers' must be a list of strings")
        return Document.from_parts(doc_id, row["lead"], teasers, source=row.get("source"), title=row.get("title"))
    raise InputError(f"{where}: needs a string 'text' (a whole page) or 'lead' (plus optional 'teasers')")


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


def _jsonl_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped text) of a JSONL file. Byte lines for one-byte-newline encodings
    (an undecodable line names its byte); UTF-16/32 decoded as a text stream (its newline is
    more than one byte, so byte lines would split characters)."""
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
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode(encoding).strip()
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{number}: not {_name(encoding)} text (byte {exc.start} of the line); pass --encoding if it is another one"
                ) from exc


def iter_jsonl(path: Path, encoding: str = "utf-8") -> Iterator[Document]:
    """Stream documents from JSONL, one per line; a bad line names its line number."""
    seen_any = False
    for number, line in _jsonl_lines(path, encoding):
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


def iter_documents(path: str | Path, encoding: str = "utf-8") -> Iterator[Document]:
    """Documents from a page, a folder of pages (sorted by name), or a JSONL file. In a folder,
    a page that cannot be read becomes a document with an `error` (one bad file of thousands
    does not stop a run); a single bad input file is an error."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"input not found: {path} (give a .txt page, a folder of pages, or a .jsonl file)")
    if path.is_dir():
        pages = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
        if not pages:
            raise InputError(f"{path}: folder has no .txt pages")
        for page in pages:
            try:
                data = page.read_bytes()
            except OSError as exc:  # deleted or made unreadable since the folder was listed
                yield Document(id=page.stem, paragraphs=[], error=f"{page}: could not be read ({exc.strerror or exc})")
                continue
            yield folder_page(data, page, encoding)
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from iter_jsonl(path, encoding)
    else:
        yield read_page(path, encoding)


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


def scan_documents(path: str | Path, encoding: str = "utf-8", on_duplicate: str = "error") -> int:
    """Read the whole input once before any output exists, so a bad JSONL line or a duplicate id
    fails the run up front (exit 2, nothing written) rather than after hours; returns the count.
    Only ids and line validity are kept in memory."""
    count = 0
    for _ in unique_ids(_light_documents(Path(path), encoding), on_duplicate):
        count += 1
    return count


def _light_documents(path: Path, encoding: str) -> Iterator[Document]:
    if path.is_dir() or path.suffix.lower() not in (".jsonl", ".ndjson"):
        if path.is_dir():
            yield from (Document(id=p.stem, paragraphs=[]) for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
        else:
            yield next(iter_documents(path, encoding))
        return
    yield from iter_jsonl(path, encoding)
