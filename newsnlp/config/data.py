"""The data section of eval and training configs: labelled files and how to read them."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import (
    Field,
    field_validator,
)

from newsnlp.config.base import Section


class DataConfig(Section):
    """Labelled data for `nlp evaluate` / `nlp calibrate` (absent in plain run configs)."""

    path: Path | list[Path] = Field(
        description="a JSONL file, or a list of files read as one source; '{data}' at the start of a path stands for data.root; relative paths resolve against the current directory"
    )
    root: Path | None = Field(
        default=None,
        description="the folder '{data}' stands for: --data DIR, else $NLP_DATA_DIR, else ../shared/data (the development data beside a checkout)",
    )
    name: str | None = Field(
        default=None, description="the source's name in head cards and per-source figures; null = the file's stem (a list: their common prefix)"
    )
    text_fields: list[str] = Field(default_factory=lambda: ["text"], min_length=1, description="joined in order")
    label_field: str | None = Field(default=None, description="gold label (topics, sentiment)")
    label_map: dict[str, str] = Field(default_factory=dict, description="data label -> task label; empty = as is")
    also_field: str | None = Field(default=None, description="topics: a list of other labels that apply (multi-label gold beside label_field)")
    also_map: dict[str, list[str]] = Field(
        default_factory=dict, description="topics: data label -> task labels that also apply to every row with it (a coarse source's lenient gold)"
    )
    reference_fields: list[str] = Field(default_factory=list, description="summaries: the first field a row has is used")
    title_field: str | None = Field(default=None, description="stories: a headline, read before the text as a feed item's teaser")
    source_field: str | None = Field(default=None, description="stories: the outlet")
    date_field: str | None = Field(default=None, description="stories: when it was published (YYYY-MM-DD or ISO 8601; empty: unknown)")
    lookalikes: Path | None = Field(
        default=None, description="stories: a JSON list of events with 'event' and 'confusable_with' (look-alike pairs); '{data}' as in path"
    )
    id_field: str | None = None
    weight: float = Field(default=1.0, gt=0.0, description="nlp train: each row's weight in the fit (e.g. 0.1 to let a large source count less)")
    fit_only: bool = Field(
        default=False,
        description="nlp train: these rows are in every fold's fit and never scored out of fold (training files beside a scored dev file)",
    )
    license: str = Field(default="", description="the data's license; a head trained on it inherits it (written to its card)")
    limit: int | None = Field(default=None, ge=1, description="evaluate the first N rows only")

    @field_validator("path")
    @classmethod
    def _some_path(cls, value: Path | list[Path]) -> Path | list[Path]:
        if isinstance(value, list) and not value:
            raise ValueError("a file, or a non-empty list of files")
        return value

    @property
    def files(self) -> list[Path]:
        """The data files, '{data}' resolved to `data_root`."""
        return [self.resolve(p) for p in (self.path if isinstance(self.path, list) else [self.path])]

    @property
    def data_root(self) -> Path:
        return self.root or Path(os.environ.get("NLP_DATA_DIR") or "../shared/data")

    def resolve(self, path: Path) -> Path:
        text = str(path)
        if text == "{data}" or text.startswith("{data}/"):
            return self.data_root / text[len("{data}/") :]
        return path

    @property
    def source(self) -> str:
        """One name for the source: `name`, the file's stem, or the files' common prefix."""
        if self.name:
            return self.name
        stems = [f.stem for f in self.files]
        common = os.path.commonprefix(stems).rstrip("_-.") if len(stems) > 1 else stems[0]
        return common or "+".join(stems)

    def describe(self) -> str:
        return ", ".join(str(f) for f in self.files)
