"""A run's inputs read into documents: paths, folders, URLs and files of URLs, mixed freely.

What a file holds is sniffed from its content (HTML, an RSS/Atom feed, a JSON Feed, JSONL, a list
of URLs, a news-page text), not only from its suffix. A single input that cannot be read is an
error (exit 2); inside a folder or a list it becomes a document with an `error`, so one bad file
or URL of thousands does not stop a run. URLs go through one `Fetcher` per `Inputs`, so the scan
before a run and the run itself read each response once."""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsnlp.config.inputs import FeedConfig, FetchConfig, HtmlConfig
from newsnlp.documents.document import Document
from newsnlp.documents.feeds import documents_from_feed
from newsnlp.documents.fetch import Fetched, Fetcher, FetchError, is_url
from newsnlp.documents.html import document_from_html
from newsnlp.documents.markup import Kind, charset_that_decodes, sniff, url_lines, usable_charset
from newsnlp.documents.readers import iter_jsonl, page_from_bytes, unique_ids
from newsnlp.errors import InputError, NlpError, one_line
from newsnlp.resources.disk import file_sha256

MAX_DOCUMENT_BYTES = 32_000_000  # run config's max_document_bytes
READ_SUFFIXES = (".txt", ".html", ".htm", ".xml", ".rss", ".atom", ".json", ".jsonl", ".ndjson", ".urls")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIX_KIND: dict[str, Kind] = {".urls": "urls", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_MEDIA_KIND: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/feed+json": "jsonfeed",
}


@dataclass(frozen=True)
class Item:
    """One thing to read: a file or a URL; `listed` when it came from a folder, a list or one of
    several inputs (then a failure is that document's error, not the run's)."""

    ref: str
    url: bool
    listed: bool

    @property
    def path(self) -> Path:
        return Path(self.ref)


class Inputs:
    """The inputs of a run, resolved into items and read into documents."""

    def __init__(
        self,
        refs: str | Path | Sequence[str | Path],
        encoding: str = "utf-8",
        *,
        html: HtmlConfig | None = None,
        feed: FeedConfig | None = None,
        fetch: FetchConfig | None = None,
        fetcher: Fetcher | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.refs = [str(r) for r in ([refs] if isinstance(refs, (str, Path)) else refs)]
        if not self.refs:
            raise InputError("no input given (a file, folder or URL)")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"--encoding {encoding}: unknown encoding; e.g. utf-8, latin-1, cp1252") from None
        if usable_charset(encoding) is None:  # punycode, undefined, unicode_escape: codecs, not charsets
            raise InputError(f"--encoding {encoding}: not a text charset; e.g. utf-8, latin-1, cp1252")
        self.encoding = encoding
        self.max_bytes = max_bytes
        self.html, self.feed, self.fetch = html or HtmlConfig(), feed or FeedConfig(), fetch or FetchConfig()
        self._fetcher = fetcher
        self._items: list[Item] | None = None

    @classmethod
    def of(cls, config: Any, fetcher: Fetcher | None = None) -> Inputs:
        """A run config's inputs (`input`, `input_encoding`, `html`, `feed`, `fetch`)."""
        return cls(
            config.input,
            config.input_encoding,
            html=config.html,
            feed=config.feed,
            fetch=config.fetch,
            fetcher=fetcher,
            max_bytes=config.max_document_bytes,
        )

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            from newsnlp.resources.disk import cache_root

            self._fetcher = Fetcher(self.fetch, cache_dir=cache_root() / "http")
        return self._fetcher

    def refresh(self) -> None:
        """Read every input afresh next time: folders listed again, URLs fetched again
        (conditionally): `nlp watch`'s next cycle."""
        self._items = None
        if self._fetcher is not None:
            self._fetcher.forget()

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()

    def items(self) -> list[Item]:
        """Every file and URL to read, in order: folders as their readable files (sorted by
        name), files of URLs as their URLs. A missing path is an error."""
        if self._items is None:
            several = len(self.refs) > 1
            items: list[Item] = []
            for ref in self.refs:
                items.extend(self._expand(ref, several))
            self._items = items
        return self._items

    def _expand(self, ref: str, listed: bool) -> list[Item]:
        if is_url(ref):
            return [Item(ref, url=True, listed=listed)]
        if "://" in ref.split("/")[0] + "/" or ref.lower().startswith(("ftp:", "file:", "data:")):
            raise InputError(f"input {ref}: only http and https URLs are read")
        path = Path(ref).expanduser()
        if not path.exists():
            raise InputError(f"input not found: {path} (give a file, a folder, or an http(s) URL)")
        if not path.is_dir() and not path.is_file():  # a FIFO would block for ever; a device never ends
            raise InputError(f"input {path} is not a regular file or folder (a FIFO, device or socket); save the input to a file")
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in READ_SUFFIXES)
            if not files:
                raise InputError(f"{path}: folder has no files to read ({', '.join(READ_SUFFIXES)})")
            return [item for f in files for item in self._file_items(f, listed=True)]
        return self._file_items(path, listed)

    def _file_items(self, path: Path, listed: bool) -> list[Item]:
        """A file of URLs is its URLs; any other file is itself."""
        if path.suffix.lower() in JSONL_SUFFIXES:
            return [Item(str(path), url=False, listed=listed)]
        try:
            head = _head(path)
        except OSError:
            return [Item(str(path), url=False, listed=listed)]  # reported when read
        if path.suffix.lower() == ".urls" or (path.suffix.lower() in (".txt", "") and sniff(head) == "urls"):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{path}: a list of URLs that cannot be read ({exc})") from None
            urls = url_lines(text)
            bad = next((u for u in urls if not is_url(u)), None)
            if bad:
                raise InputError(f"{path}: '{bad[:80]}' is not an http(s) URL; a file of URLs holds one URL a line (# for comments)")
            return [Item(u, url=True, listed=True) for u in urls]
        return [Item(str(path), url=False, listed=listed)]

    def documents(self) -> Iterator[Document]:
        """Every input's documents, in order."""
        for item in self.items():
            yield from self.read(item)

    def read(self, item: Item) -> Iterator[Document]:
        """One item's documents (a failure in a listed item is a document with an `error`)."""
        name = item.ref if item.url else item.path.stem
        try:
            if not item.url and item.path.suffix.lower() in JSONL_SUFFIXES:
                yield from iter_jsonl(item.path, self.encoding, self.max_bytes)
                return
            docs = self._read_url(item.ref) if item.url else self._read_file(item.path)
        except Exception as exc:  # typed or not: a listed item's failure is its document's error, never the run's
            error = _failure(item, exc)
            if not item.listed:
                if error is exc:
                    raise
                raise error from exc
            yield Document(id=name, paragraphs=[], url=item.ref if item.url else None, error=str(error))
            return
        yield from docs

    def _read_file(self, path: Path) -> list[Document]:
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:  # deleted or made unreadable since it was listed
            raise InputError(f"{path}: could not be read ({exc.strerror or exc})") from None
        cut = len(data) > self.max_bytes
        if cut:  # bounded: a 200 MB one-line page took 3.4 GB
            data = data[: self.max_bytes]
            data = data[: data.rfind(b"\n") + 1] or data
        kind = sniff(data) or _not_a_feed(path)
        if kind == "jsonl":
            return list(iter_jsonl(path, self.encoding, self.max_bytes))
        charset = None if self.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else self.encoding
        docs = self._parse(kind, data, path.stem, url=None, charset=charset, where=str(path))
        if cut:
            for doc in docs:
                doc.warnings.append(f"the file is {path.stat().st_size:,} bytes; its first {len(data):,} were read (max_document_bytes)")
        return docs

    def _read_url(self, url: str) -> list[Document]:
        return self.documents_of(self.fetcher.get(url))

    def documents_of(self, fetched: Fetched) -> list[Document]:
        """A fetched response's documents (the server fetches on threads of its own, then parses)."""
        url = fetched.url
        kind = _kind_of_response(fetched)
        docs = self._parse(kind, fetched.body, url, url=fetched.final_url, charset=fetched.charset, where=url)
        for doc in docs:
            doc.url = doc.url or fetched.final_url
            doc.fetched = fetched.fetched
        return docs

    def _parse(self, kind: Kind, data: bytes, id: str, *, url: str | None, charset: str | None, where: str) -> list[Document]:
        if kind == "html":
            return [document_from_html(data, id, url=url, options=self.html, charset=charset)]
        if kind in ("feed", "jsonfeed"):
            return documents_from_feed(data, id, url=url, options=self.feed, json_feed=kind == "jsonfeed", where=where)
        if kind == "urls":
            raise InputError(f"{where}: a list of URLs inside a list; give the URLs themselves")
        if kind == "jsonl":
            raise InputError(f"{where}: JSON that is not a JSON Feed; JSONL documents are read from .jsonl files")
        if url is not None:  # a server's charset: one that cannot decode the body gives way to UTF-8, then Latin-1
            charset = charset_that_decodes(data, charset)
        doc = page_from_bytes(data, Path(where), self.encoding if charset is None else charset)
        doc.id = id
        return [doc]

    def scan(self, on_duplicate: str = "error") -> int:
        """Read every input once before any output exists (a bad JSONL line, a duplicate id or a
        missing file fails up front, not after hours); the number of documents. Text and HTML
        pages of a folder are counted by name; feeds and URLs are read (URLs fetched once)."""
        return sum(1 for _ in unique_ids(self._light(), on_duplicate))

    def _light(self) -> Iterator[Document]:
        for item in self.items():
            if item.listed and not item.url and item.path.suffix.lower() in (".txt", ".html", ".htm"):
                yield Document(id=item.path.stem, paragraphs=[])
            else:
                yield from self.read(item)

    def fingerprint(self) -> list[dict[str, Any]]:
        """What the documents depend on: each file's resolved path and the hash of its whole
        content; each URL and the hash of its body (as fetched for this run)."""
        marks: list[dict[str, Any]] = []
        for item in self.items():
            if item.url:
                try:
                    marks.append({"url": item.ref, "sha256": self.fetcher.get(item.ref).sha256})
                except FetchError as exc:
                    marks.append({"url": item.ref, "error": exc.cause})
                except Exception as exc:  # a fetch that failed untyped is that URL's mark, as its document's error
                    marks.append({"url": item.ref, "error": one_line(exc)})
            else:
                marks.append({"path": str(item.path.resolve()), "sha256": _sha256_or_none(item.path)})
        return marks


def _sha256_or_none(path: Path) -> str | None:
    """The file's sha256; None where it cannot be read (its documents say why)."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def _failure(item: Item, exc: Exception) -> NlpError:
    """What reading `item` raised, as a typed one-line error: a typed error as it is, any other
    (a parser's or a library's surprise) as an InputError naming the item and the class."""
    if isinstance(exc, NlpError):
        return exc
    return InputError(f"{item.ref}: could not be read ({one_line(exc)})")


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(1 << 16)


def _not_a_feed(path: Path) -> Kind:
    raise InputError(f"{path}: XML that is neither an RSS or Atom feed nor HTML")


def _kind_of_response(fetched: Fetched) -> Kind:
    """A response's kind: its content as sniffed where that is clear, else its media type."""
    sniffed = sniff(fetched.body)
    if sniffed in ("html", "feed", "jsonfeed"):
        return sniffed
    media = _MEDIA_KIND.get(fetched.content_type)
    if media:
        return media
    if fetched.content_type in ("application/xml", "text/xml"):
        raise InputError(f"{fetched.url}: XML that is neither an RSS or Atom feed nor HTML")
    if sniffed is None:
        raise InputError(f"{fetched.url}: XML that is neither an RSS or Atom feed nor HTML")
    if fetched.content_type.startswith("text/") or not fetched.content_type:
        return "page" if sniffed != "jsonl" else "jsonl"
    raise InputError(f"{fetched.url}: {fetched.content_type} is not a page or a feed")


def iter_documents(inputs: str | Path | Sequence[str | Path], encoding: str = "utf-8") -> Iterator[Document]:
    """Documents from pages, HTML, feeds, JSONL, folders and URLs (defaults for every reading
    knob); `Inputs` for the knobs and one fetcher shared by several passes."""
    reader = Inputs(inputs, encoding)
    try:
        yield from reader.documents()
    finally:
        reader.close()


def scan_documents(inputs: str | Path | Sequence[str | Path], encoding: str = "utf-8", on_duplicate: str = "error") -> int:
    reader = Inputs(inputs, encoding)
    try:
        return reader.scan(on_duplicate)
    finally:
        reader.close()
