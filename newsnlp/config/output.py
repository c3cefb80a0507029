"""The output section, and how a path's suffix names a format."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
)

from newsnlp.config.base import Section
from newsnlp.errors import ConfigError

OutputFormat = Literal["jsonl", "json", "csv", "md", "html"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("jsonl", "json", "csv", "md", "html")
DEFAULT_CONFIG_NAME = "default.yaml"


class OutputConfig(Section):
    path: Path = Path("out/records.jsonl")
    format: OutputFormat | None = Field(default=None, description="jsonl, json, csv or md; null infers it from the path's suffix")

    def resolved_format(self) -> OutputFormat:
        """`format`, else the path's suffix; a suffix that names no format is an error, never
        JSONL written into `records.xlsx`."""
        if self.format:
            return self.format
        return format_of_suffix(self.path, "output.path", "set output.format")

    def chosen(self, path: Path | None = None, fmt: OutputFormat | None = None) -> OutputConfig:
        """The output a run writes, by precedence: `--format`, then the `--output` suffix, then
        this config's `format`, then its path's suffix. `--format` alone changes the config
        path's suffix (`out/records.md`), so the file says what it holds."""
        if path is None and fmt is None:
            return OutputConfig(path=self.path, format=self.resolved_format())
        if path is None:
            assert fmt is not None
            return OutputConfig(path=self.path.with_suffix("." + fmt), format=fmt)
        return OutputConfig(path=path, format=fmt or format_of_suffix(path, "--output", "add --format"))


def format_of_suffix(path: Path, where: str, fix: str) -> OutputFormat:
    suffix = path.suffix.lstrip(".").lower()
    for known in OUTPUT_FORMATS:
        if suffix == known:
            return known
    named = f"its suffix '{path.suffix}' names no output format" if path.suffix else "it has no suffix to name its format"
    raise ConfigError(f"{where} {path}: {named}; end it in .jsonl, .json, .csv, .md or .html, or {fix} (jsonl | json | csv | md | html)")
