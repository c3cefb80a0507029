"""What the server's routes accept, as pydantic models: their 422s name the field. A string
anywhere in a request that holds an unpaired surrogate (valid JSON, `"\\ud800"`, but no text) is
that request's 422, never another client's 500; a document id is a string or a number, never a
boolean (the rule JSONL input follows)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, StrictFloat, StrictInt, StrictStr, model_validator

_SURROGATE = re.compile("[\\ud800-\\udfff]")


def _whole_text(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("holds an unpaired surrogate escape (such as \\ud800), which is no text")
    return value


Text = Annotated[StrictStr, AfterValidator(_whole_text)]


def _url(value: str) -> str:
    """A URL that parses, port and all (`http://[::1` and a port of 99999 were a 500)."""
    try:
        _ = urlsplit(value).port  # parsing the port is what raises
    except ValueError as exc:
        raise ValueError(f"not a URL ({exc})") from None
    return value


Url = Annotated[Text, AfterValidator(_url)]


class TeaserIn(BaseModel):
    text: Text
    url: Text | None = None
    published: Text | None = None
    id: Text | None = None


class PageIn(BaseModel):
    """A page as `nlp run` reads a JSONL row: `text` (a whole page: lead, `Source:` line, teasers)
    or `lead` with optional `teasers`, `source`, `title`, `url` and `published`; or `html` (an
    HTML page, with its `url` if known), `feed` (an RSS, Atom or JSON feed), or `url` alone (fetched
    only with `serve.allow_fetch`)."""

    id: Text | StrictInt | StrictFloat
    text: Text | None = None
    lead: Text | None = None
    teasers: list[Text | TeaserIn] | None = None
    source: Text | None = None
    title: Text | None = None
    url: Url | None = None
    published: Text | None = None
    html: Text | None = None
    feed: Text | None = None

    @model_validator(mode="after")
    def _one_content(self) -> PageIn:
        given = [k for k in ("text", "lead", "html", "feed") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of 'text', 'lead', 'html' or 'feed', not {' and '.join(given)}")
        if not given and self.url is None:
            raise ValueError("needs 'text' (a whole page), 'lead' (plus optional 'teasers'), 'html', 'feed', or a 'url' to fetch")
        return self


class PagesIn(BaseModel):
    documents: list[PageIn] = Field(min_length=1)
    stories: bool = Field(default=False, description="group this request's items into stories (always, when serve has stories.path)")


class TextsIn(BaseModel):
    texts: list[Text] = Field(min_length=1)


class SummarizeIn(BaseModel):
    text: Text
    sentences: int | None = Field(default=None, ge=1, le=50)
