"""Errors a user can fix. The CLI prints their message as one line and exits 2."""

from __future__ import annotations


class NlpError(Exception):
    """Base class: the message names the problem and, where there is one, the fix."""


class ConfigError(NlpError):
    """A config file or override that does not fit the schema."""


class InputError(NlpError):
    """An input path or document that cannot be read."""


class ModelError(NlpError):
    """A model reference that cannot be resolved offline, or a device that is not there."""


class FetchError(InputError):
    """A URL that could not be read: the message, one line, names it and the cause."""

    def __init__(self, url: str, cause: str) -> None:
        cause = " ".join(cause.split())  # one line, whatever a server's header or an exception's text held
        super().__init__(f"{url}: {cause}")
        self.url, self.cause = url, cause


def one_line(exc: BaseException, limit: int = 1000) -> str:
    """An exception as one line for a record's `error` and a line on stderr: a typed error's own
    message; any other names its class (a bug or a library's surprise, never a traceback)."""
    text = str(exc) if isinstance(exc, NlpError) else f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
