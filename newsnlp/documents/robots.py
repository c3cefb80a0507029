"""robots.txt under RFC 9309, read by protego: groups by user-agent token, `*` and `$` in paths
(`Disallow: /*.html$`, which urllib's parser ignores), `Crawl-delay`. Only the first 500 KiB
of a robots.txt is read (RFC 9309 section 2.5 asks parsers for at least that much): a larger
one is cut at its last whole line, never a failure of the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_TTL_S = 24 * 3600  # RFC 9309: a robots.txt may be cached up to a day
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"  # a server error: RFC 9309 treats the site as disallowed


@dataclass(frozen=True)
class Robots:
    """One origin's rules (None: everything allowed)."""

    rules: Any | None  # protego.Protego

    @classmethod
    def parse(cls, body: bytes) -> Robots:
        body = body[:ROBOTS_MAX_BYTES]
        if len(body) == ROBOTS_MAX_BYTES and b"\n" in body:
            body = body[: body.rfind(b"\n") + 1]
        text = body.decode("utf-8", errors="replace")
        if not text.strip():
            return cls(None)
        from protego import Protego

        return cls(Protego.parse(text))

    def allows(self, url: str, user_agent: str) -> bool:
        return self.rules is None or bool(self.rules.can_fetch(url, user_agent))

    def delay(self, user_agent: str) -> float | None:
        """Crawl-delay for this agent, at most a minute."""
        if self.rules is None:
            return None
        delay = self.rules.crawl_delay(user_agent)
        return min(float(delay), 60.0) if delay else None
