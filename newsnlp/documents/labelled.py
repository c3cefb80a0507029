"""Labelled rows for evaluation and training, loaded with `datasets` from any JSONL with the named fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsnlp.config import DataConfig
from newsnlp.errors import ConfigError, InputError

SENTENCE_ENDS = (".", "!", "?", "…", '"', "'")


def _has_a_line(file: Path) -> bool:
    with file.open("rb") as handle:
        return any(line.strip() for line in handle)


def load_rows(data: DataConfig, required: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of `data.path` (one file or several, in order; the first `data.limit`); a missing
    file or field is one clear error."""
    import datasets
    from datasets.utils.logging import set_verbosity_error

    for file in data.files:
        if not file.is_file():
            where = (
                f"; '{{data}}' is {data.data_root}: point it at the data folder with --data DIR or NLP_DATA_DIR" if "{data}" in str(data.path) else ""
            )
            raise InputError(f"data.path: {file} not found (set it with --set data.path=FILE{where})")
        if not _has_a_line(file):
            raise InputError(f"data.path: {file} has no rows (an empty file)")
    set_verbosity_error()
    datasets.disable_progress_bars()
    try:
        table = datasets.load_dataset("json", data_files=[str(f) for f in data.files], split="train")
    except Exception as exc:  # datasets wraps JSON errors in several types; the message is what matters
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise InputError(f"data.path: cannot read {data.describe()} as JSONL ({reason})") from exc
    if data.limit:
        table = table.select(range(min(data.limit, len(table))))
    if len(table) == 0:
        raise InputError(f"data.path: {data.describe()} has no rows")
    missing = [f for f in required if f not in table.column_names]
    if missing:
        raise ConfigError(f"data: field '{missing[0]}' is not in {data.describe()} (its fields: {', '.join(table.column_names)})")
    return table.to_list()


def join_fields(row: dict[str, Any], fields: Sequence[str]) -> str:
    """Join text fields in order, ending each with a full stop so a title reads as a sentence."""
    parts = [str(row[f]).strip() for f in fields if row.get(f) is not None and str(row[f]).strip()]
    closed = [p if p.endswith(SENTENCE_ENDS) else p + "." for p in parts[:-1]]
    return " ".join(closed + parts[-1:])


def gold_labels(rows: list[dict[str, Any]], data: DataConfig, task_labels: Sequence[str]) -> list[str]:
    """Each row's label mapped into the task's label set; an unmapped label is an error."""
    if not data.label_field:
        raise ConfigError("data.label_field: not set; name the field that holds the gold label")
    gold = []
    for number, row in enumerate(rows, start=1):
        raw = str(row[data.label_field])
        label = data.label_map.get(raw, raw if not data.label_map else None)
        if label is None:
            raise ConfigError(f"data.label_map: no entry for label '{raw}' (row {number}); add '{raw}: <one of {', '.join(task_labels)}>'")
        if label not in task_labels:
            raise ConfigError(
                f"data: label '{label}' (row {number}) is not one of the task's labels ({', '.join(task_labels)}); map it with data.label_map"
            )
        gold.append(label)
    return gold


def also_labels(rows: list[dict[str, Any]], data: DataConfig, task_labels: Sequence[str]) -> list[list[str]]:
    """Each row's other applicable labels: those `data.also_map` gives its label (already task
    labels), then `data.also_field`'s list, mapped like the gold label."""
    if not data.also_field and not data.also_map:
        return [[] for _ in rows]
    out = []
    for number, row in enumerate(rows, start=1):
        value = (row.get(data.also_field) or []) if data.also_field else []
        if isinstance(value, str):
            value = [value]
        mapped = list(data.also_map.get(str(row[data.label_field]), [])) if data.label_field else []
        for raw in value:
            label = data.label_map.get(str(raw), str(raw) if not data.label_map else None)
            if label is None or label not in task_labels:
                raise ConfigError(
                    f"data.also_field: label '{raw}' (row {number}) is not one of the task's labels ({', '.join(task_labels)}); map it with data.label_map"
                )
            mapped.append(label)
        out.append(mapped)
    return out


@dataclass
class LabelledTexts:
    """Labelled rows as the tasks read them, row by row."""

    texts: list[str]  # the text fields joined
    gold: list[str]  # each row's label, mapped into the task's labels
    raw: list[str]  # each row's own label, before mapping (heads may train on those)
    bodies: list[str]  # each row's last text field: a news page's teaser is the body's opening
    gold_sets: list[list[str]]  # the label, then every other label that applies (`also`)


def labelled_texts(data: DataConfig, task_labels: Sequence[str]) -> LabelledTexts:
    """The rows of `data`: text fields joined, labels mapped into `task_labels`, each row's
    gold label set (its label, then `data.also_map`'s and `data.also_field`'s)."""
    required = [*data.text_fields, *([data.label_field] if data.label_field else []), *([data.also_field] if data.also_field else [])]
    rows = load_rows(data, required)
    gold = gold_labels(rows, data, task_labels)
    assert data.label_field  # gold_labels said so otherwise
    return LabelledTexts(
        texts=[join_fields(row, data.text_fields) for row in rows],
        gold=gold,
        raw=[str(row[data.label_field]) for row in rows],
        bodies=[join_fields(row, data.text_fields[-1:]) for row in rows],
        gold_sets=[list(dict.fromkeys([g, *also])) for g, also in zip(gold, also_labels(rows, data, task_labels))],
    )


def references(rows: list[dict[str, Any]], data: DataConfig) -> list[list[str]]:
    """Each row's references: from the first of `data.reference_fields` that the row has."""
    if not data.reference_fields:
        raise ConfigError("data.reference_fields: not set; name the field(s) that hold reference summaries")
    out = []
    for number, row in enumerate(rows, start=1):
        value = next((row[f] for f in data.reference_fields if f in row and row[f]), None)
        if value is None:
            raise InputError(f"{data.describe()}: row {number} has none of the reference fields {data.reference_fields}")
        out.append([value] if isinstance(value, str) else [str(v) for v in value])
    return out
