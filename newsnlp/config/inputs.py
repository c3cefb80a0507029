"""The sections that say how inputs are read: HTML pages (`html`), feeds (`feed`) and URLs
(`fetch`). Each knob is documented in docs/usage.md."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from newsnlp.config.base import Section, seconds_of


class HtmlConfig(Section):
    """HTML article and front pages (newsnlp/documents/html.py)."""

    max_teasers: int = Field(default=30, ge=0, le=1000, description="teasers (the other stories a page links to) kept per page, in page order")
    min_article_words: int = Field(
        default=60,
        ge=0,
        description="a page whose main text is shorter and whose story links outnumber its paragraphs is a front page: lead empty;"
        " one whose shorter text is its interface (sign-in, error, cookie wall) has no main text: lead empty, a warning",
    )
    min_teaser_words: int = Field(
        default=4, ge=1, le=50, description="a link's headline, its chrome removed, reads as a headline from this many words"
    )
    max_elements: int = Field(
        default=100_000, ge=1, description="a page with more start tags is refused before parsing (parsing grows with them: 400,000 took 65 s)"
    )
    max_attributes: int = Field(
        default=256, ge=1, description="a page with an element of more attributes is refused before parsing (their cost grows with the square)"
    )


class FeedConfig(Section):
    """RSS, Atom and JSON Feed files (newsnlp/documents/feeds.py)."""

    items_as: Literal["teasers", "documents"] = Field(
        default="teasers", description="teasers: one document per feed, each item a teaser; documents: each item its own document"
    )
    max_summary_chars: int = Field(default=400, ge=0, description="an item's summary is cut to this many characters in its teaser (0: all)")
    max_elements: int = Field(default=100_000, ge=1, description="a feed with more start tags is refused before parsing")
    max_attributes: int = Field(default=256, ge=1, description="a feed with an element of more attributes is refused before parsing")


class FetchConfig(Section):
    """URLs given as inputs: a polite fetcher with an on-disk cache of conditional requests
    (newsnlp/documents/fetch.py)."""

    user_agent: str = Field(
        default="newsnlp/{version} (+https://pypi.org/project/newsnlp/)",
        min_length=1,
        description="the User-Agent header; {version} is the package's; add a contact (a mail address or page) for the sites you read",
    )
    per_host_rps: float = Field(
        default=1.0, gt=0.0, le=100.0, description="requests per second to one host at most (robots.txt's Crawl-delay can lower it)"
    )
    timeout_s: float = Field(default=20.0, gt=0.0, le=600.0, description="the longest wait for a connection or for the next bytes of a response")
    deadline_s: float = Field(
        default=60.0,
        gt=0.0,
        le=3600.0,
        description="one fetch's whole time (DNS, connect, TLS, headers, body, redirects, retries; not the per-host rate's waits): past it, the URL's error",
    )
    max_bytes: int = Field(default=10_000_000, ge=1, description="a larger body (after decompression) is refused")
    retries: int = Field(default=2, ge=0, le=10, description="retries of a request answered 429 or 503 (or a dropped connection)")
    backoff_s: float = Field(
        default=1.0, ge=0.0, le=60.0, description="the first retry's wait when the server sends no Retry-After; doubles each time"
    )
    max_retry_after_s: float = Field(default=60.0, ge=0.0, description="a longer Retry-After gives up on the URL instead of waiting")
    cache: bool = Field(default=True, description="keep responses on disk ($NLP_CACHE_DIR/http) so a re-run sends conditional requests")


class StoriesConfig(Section):
    """Stories: items that report the same happening share a story id (newsnlp/stories). Off unless
    `path` names an index; the knobs are chosen per encoder out of fold (docs/quality.md)."""

    path: Path | None = Field(default=None, description="the story index (SQLite) that runs, nlp watch and the server extend; null: no stories")
    window: str = Field(default="3d", description="a story whose last dated member is older than this takes no new members: 3d, 72h, 90m")
    threshold: float = Field(
        default=0.55, ge=0.0, le=2.0, description="an item joins the story it scores highest against when the score reaches this"
    )
    entity_weight: float = Field(
        default=0.4, ge=0.0, le=2.0, description="weight of the overlap of capitalised names (places, people, firms) with a member"
    )
    number_weight: float = Field(default=0.0, ge=0.0, le=2.0, description="weight of the overlap of numbers with a member")
    duplicate: float = Field(default=0.97, ge=0.0, le=1.0, description="a cosine to a member at or above this: also `duplicate_of` it (a wire copy)")

    @field_validator("window", mode="before")
    @classmethod
    def _duration(cls, value: object) -> str:
        text = str(value).strip()
        if isinstance(value, bool) or seconds_of(text) is None or text[-1:] not in ("s", "m", "h", "d"):  # 3 alone: days or seconds?
            raise ValueError("a duration with its unit, such as 3d, 72h or 90m")
        return text

    @property
    def window_s(self) -> float:
        seconds = seconds_of(self.window)
        assert seconds is not None  # checked on load
        return seconds
