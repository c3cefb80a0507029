"""The installed distribution's version (pyproject.toml's, through importlib.metadata)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("newsnlp")
except PackageNotFoundError:  # a source tree that was never installed
    VERSION = "0+unknown"
