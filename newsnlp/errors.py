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


def one_line(exc: BaseException, limit: int = 1000) -> str:
    """An exception as one line for a record's `error` and a line on stderr: a typed error's own
    message; any other names its class (a bug or a library's surprise, never a traceback)."""
    text = str(exc) if isinstance(exc, NlpError) else f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
