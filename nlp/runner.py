"""`run`: read the configured input, run the pipeline, write records atomically, with progress."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from .config import RunConfig
from .documents import count_documents, iter_documents
from .errors import InputError
from .output import RecordWriter
from .pipeline import Pipeline
from .progress import progress_bar

PROGRESS_FROM = 5  # documents; fewer than this run without a progress bar
PREVIEW = 3  # records kept for the terminal table


@dataclass
class RunResult:
    output: Path
    format: str
    documents: int = 0
    errors: int = 0
    seconds: float = 0.0
    preview: list[dict[str, Any]] = field(default_factory=list)


def run(config: RunConfig, *, progress: bool | None = None, console: Console | None = None) -> RunResult:
    """Run `config` end to end and return counts plus the first records (for display)."""
    console = console or Console(stderr=True)
    output, fmt = config.output.path, config.output.resolved_format()
    _check_paths(config.input, output)
    docs = iter_documents(config.input)
    first = next(docs)  # bad input fails here, before any output file exists
    pipeline = Pipeline(config).load()  # as do unavailable models
    total = count_documents(config.input)
    show = progress if progress is not None else (total is None or total >= PROGRESS_FROM)
    result = RunResult(output=output, format=fmt)
    start = time.perf_counter()
    with RecordWriter(output, fmt) as writer, progress_bar("documents", total=total, show=show, console=console) as bar:
        for record in pipeline.run(itertools.chain([first], docs)):
            writer.write(record)
            result.documents += 1
            result.errors += "error" in record
            if len(result.preview) < PREVIEW:
                result.preview.append(record)
            bar.advance()
    result.seconds = time.perf_counter() - start
    return result


def _check_paths(input_path: Path, output: Path) -> None:
    if input_path.exists() and output.exists() and input_path.resolve() == output.resolve():
        raise InputError(f"output {output} is the input file; choose another --output")
    if output.exists() and output.is_dir():
        raise InputError(f"output {output} is a folder; give a file path such as {output / 'records.jsonl'}")
