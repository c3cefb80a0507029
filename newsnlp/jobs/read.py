"""`nlp read`: a run's inputs parsed into documents and written as JSONL, without loading a
model: what the parser saw, and input for other tools (`nlp run -i` takes it back)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from newsnlp.config import RunConfig
from newsnlp.documents import Inputs, unique_ids
from newsnlp.engine.isolate import failure_line, writable
from newsnlp.errors import InputError
from newsnlp.jobs.files import check_output, output_lock
from newsnlp.resources.disk import replacing


@dataclass
class ReadResult:
    documents: int = 0
    errors: int = 0
    output: Path | None = None
    say: Callable[[str], None] | None = None


def read_job(config: RunConfig, output: Path | None = None, say: Callable[[str], None] | None = None) -> ReadResult:
    """Write every input document as a JSON line to `output` (atomically: the file appears
    whole or not at all), or to stdout; `say` hears a line for each document that failed (its
    record holds the same `error`)."""
    result = ReadResult(output=output, say=say)
    with closing(Inputs.of(config)) as inputs:
        if output is None:
            _write(inputs, config.on_duplicate, sys.stdout, result)
            return result
        check_output(output, config.input, what="nlp read")
        with output_lock(output):
            inputs.scan(config.on_duplicate)  # a bad input fails before the file exists
            try:
                with replacing(output, newline="") as out:
                    _write(inputs, config.on_duplicate, out, result)
            except OSError as exc:
                raise InputError(f"cannot write {output}: {exc.strerror or exc}; choose another --output") from exc
    return result


def _write(inputs: Inputs, on_duplicate: str, out: TextIO, result: ReadResult) -> None:
    for doc in unique_ids(inputs.documents(), on_duplicate):
        row = writable(doc.to_json())  # a document that cannot be written is its error
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        result.documents += 1
        if "error" in row:
            result.errors += 1
            if result.say:
                result.say(failure_line(str(row["id"]), str(row["error"])))
