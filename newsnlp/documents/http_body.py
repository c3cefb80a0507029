"""A response body read within bounds: decompressed here (not by httpx, whose decoders inflate a
whole chunk at once: `Content-Encoding: gzip, gzip` turned 1.8 kB into 1 GB in one call), each
step asked for no more than what is left under the cap, so memory stays near the cap whatever
the compression ratio. One coding at most (gzip or deflate); stacked codings are refused."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

ACCEPT_ENCODING = "gzip, deflate"  # what the fetcher asks for, and all it decodes


class BodyRefused(Exception):
    """A body over the cap, or in a coding not decoded here."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class BoundedBody:
    """Collects a body's bytes, decoding its Content-Encoding, up to `cap` decoded bytes; past it,
    `truncate` keeps the first `cap` bytes (robots.txt) instead of refusing the body."""

    def __init__(self, content_encoding: str, cap: int, *, truncate: bool = False, cap_name: str = "fetch.max_bytes") -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1:
            raise BodyRefused(f"Content-Encoding {content_encoding[:60]!r}: stacked codings are refused")
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise BodyRefused(f"Content-Encoding {self.coding[:40]!r} is not one the fetcher asked for ({ACCEPT_ENCODING})")
        self.cap, self.truncate, self.cap_name = cap, truncate, cap_name
        self.parts: list[bytes] = []
        self.size = 0
        self.raw_size = 0
        self.full = False  # truncate mode: the cap is reached, read no more
        self._deflate_raw_tried = False
        self._inflater = self._new_inflater()

    def _new_inflater(self) -> zlib._Decompress | None:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj(-zlib.MAX_WBITS if self._deflate_raw_tried else zlib.MAX_WBITS)
        return None

    def feed(self, chunk: bytes) -> None:
        """One chunk as it came off the wire."""
        self.raw_size += len(chunk)
        if self.raw_size > self.cap:  # as sent: no more than the cap is read either
            if not self.truncate:
                raise BodyRefused(f"body is over {self.cap_name} ({self.cap:,} bytes)")
            self.full = True
        inflater = self._inflater
        if inflater is None:
            self._take(chunk)
            return
        data = chunk
        while data and not self.full and not inflater.eof:
            try:
                out = inflater.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._deflate_raw_tried and self.size == 0:  # "deflate" sent raw, as some servers do
                    self._deflate_raw_tried = True
                    self._inflater = inflater = self._new_inflater()
                    assert inflater is not None
                    continue
                raise BodyRefused(f"the {self.coding} body is corrupt ({exc})") from None
            self._take(out)
            data = inflater.unconsumed_tail

    def _take(self, data: bytes) -> None:
        if self.size + len(data) > self.cap:
            if not self.truncate:
                raise BodyRefused(f"body is over {self.cap_name} ({self.cap:,} bytes, after decompression)")
            data, self.full = data[: self.cap - self.size], True
        self.parts.append(data)
        self.size += len(data)

    def read_all(self, chunks: Iterable[bytes]) -> bytes:
        for chunk in chunks:
            self.feed(chunk)
            if self.full:
                break
        return b"".join(self.parts)
