"""The document every reader produces: a lead article (paragraphs), teaser snippets with their
links, and what is known of the page (url, title, source, dates). Readers of each format live
beside this module; tasks read only `lead`, `sentences()` and `teasers`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsnlp.documents.furniture import is_furniture
from newsnlp.documents.text import clean_paragraph, is_crosshead, split_sentences
from newsnlp.records import Record, TeaserResult


@dataclass
class Paragraph:
    text: str
    crosshead: bool = False


@dataclass(frozen=True)
class TeaserInfo:
    """Where a teaser points: the story's absolute url, when it was published, a feed item's id."""

    url: str | None = None
    published: str | None = None
    id: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("url", self.url), ("id", self.id), ("published", self.published)) if v}


@dataclass
class Document:
    """One news page: lead paragraphs, teaser snippets, and what is known of the page."""

    id: str
    paragraphs: list[Paragraph]
    teasers: list[str] = field(default_factory=list)
    source: str | None = None
    title: str | None = None
    error: str | None = None  # a page of a folder that could not be read: reported, not dropped
    warnings: list[str] = field(default_factory=list)  # what reading changed (the record's `warnings`)
    url: str | None = None  # canonical, else the fetched URL
    published: str | None = None  # ISO 8601 date or time
    fetched: str | None = None  # when the body was fetched (UTC, ISO 8601)
    author: str | None = None
    teaser_info: list[TeaserInfo] = field(default_factory=list)  # aligned with `teasers`, or empty

    @property
    def lead(self) -> str:
        """The lead article's body text (crossheads left out)."""
        return "\n".join(p.text for p in self.paragraphs if not p.crosshead)

    @property
    def lead_text(self) -> str:
        """Every lead paragraph, crossheads included: what `from_parts` reads back into this lead."""
        return "\n".join(p.text for p in self.paragraphs)

    def sentences(self) -> list[str]:
        """Lead sentences, in order; crossheads are headings and furniture (bylines, timestamps,
        credits, disclosures) is the page's, never sentences."""
        return [s for p in self.paragraphs if not p.crosshead for s in split_sentences(p.text) if not is_furniture(s)]

    def teaser(self, index: int) -> TeaserInfo:
        return self.teaser_info[index] if index < len(self.teaser_info) else TeaserInfo()

    def to_page(self) -> str:
        """The page as text (lead paragraphs, a `Source:` line, one teaser a line): what
        `parse_page` reads back into the same lead and teasers."""
        lines = [p.text for p in self.paragraphs]
        if self.source is not None or self.teasers:
            lines += [f"Source: {self.source or ''}".rstrip(), *self.teasers]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """What `nlp read` writes: every field the JSONL reader takes back into this document."""
        row: dict[str, Any] = {"id": self.id}
        for key in ("url", "title", "published", "fetched", "source", "author"):
            if getattr(self, key):
                row[key] = getattr(self, key)
        if self.error:
            row["error"] = self.error
        else:
            row["lead"] = self.lead_text
            row["teasers"] = [{"text": text, **self.teaser(i).as_dict()} for i, text in enumerate(self.teasers)]
        if self.warnings:
            row["warnings"] = list(self.warnings)
        return row

    @classmethod
    def from_parts(
        cls,
        id: str,
        lead: str,
        teasers: list[str] | None = None,
        source: str | None = None,
        title: str | None = None,
        *,
        info: list[TeaserInfo] | None = None,
        **known: Any,
    ) -> Document:
        """A document from its parts; empty and whitespace-only teasers are dropped (teaser
        indexes stay 0..n-1, as a page's blank lines are) and counted in `warnings`. `info`
        (aligned with `teasers`) says where each points; `known`: url, published, fetched, author."""
        given = teasers or []
        pairs = [(t, info[i] if info and i < len(info) else TeaserInfo()) for i, t in enumerate(given)]
        kept = [(t, meta) for t, meta in pairs if t.strip()]
        dropped = len(given) - len(kept)
        warnings = [f"{dropped} empty teaser{'s' * (dropped > 1)} dropped"] if dropped else []
        has_info = any(meta != TeaserInfo() for _, meta in kept)
        return cls(
            id=id,
            paragraphs=paragraphs_of(lead.splitlines()),
            teasers=[t for t, _ in kept],
            source=source,
            title=title,
            warnings=warnings,
            teaser_info=[meta for _, meta in kept] if has_info else [],
            **known,
        )


def paragraphs_of(lines: list[str]) -> list[Paragraph]:
    paragraphs = []
    for line in lines:
        text = clean_paragraph(line)
        if text:
            paragraphs.append(Paragraph(text=text, crosshead=is_crosshead(text)))
    return paragraphs


def base_record(doc: Document) -> Record:
    """The record before any task: the document's id, source, title (url, published and fetched
    where known) and teasers (with their url, id and published where known)."""
    record: Record = {"id": doc.id, "source": doc.source}
    if doc.url:
        record["url"] = doc.url
    if doc.title:
        record["title"] = doc.title
    if doc.published:
        record["published"] = doc.published
    if doc.fetched:
        record["fetched"] = doc.fetched
    record["article"] = {}
    record["teasers"] = [_teaser(doc, i, text) for i, text in enumerate(doc.teasers)]
    return record


def _teaser(doc: Document, index: int, text: str) -> TeaserResult:
    teaser: TeaserResult = {"index": index, "text": text}
    info = doc.teaser(index)
    if info.url:
        teaser["url"] = info.url
    if info.id:
        teaser["id"] = info.id
    if info.published:
        teaser["published"] = info.published
    return teaser
