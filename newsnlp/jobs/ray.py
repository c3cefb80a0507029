"""`nlp run --engine ray`: the same pipeline over Ray Data, for inputs one machine is too slow for.

Input is read by Ray (`read_text` for JSONL, `read_binary_files` for pages), documents are parsed
on the workers, and `map_batches` runs a callable class that loads the pipeline once per actor
(one actor per CPU core, or per GPU with `device: cuda`). Records stream back in input order to
the driver, which writes them with the same atomic writer as a local run, so the output file is
the same. `ray.address` in the config points at a cluster (`auto`, or `ray://host:10001`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from newsnlp.config import RunConfig
from newsnlp.documents import Document, Inputs, document_from_json
from newsnlp.engine.isolate import isolated_records
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError
from newsnlp.jobs.journal import RecordWriter, check_output, output_lock
from newsnlp.jobs.run import RunResult, check_journal, run_fingerprint, run_path, write_json_atomically
from newsnlp.run_info import describe_run, run_description
from newsnlp.stories.run import RunStories, items_of


class PipelineActor:
    """Holds the loaded models; each call turns a batch of raw inputs into records (and, when the
    run groups stories, each record's items with their vectors: the driver groups them)."""

    def __init__(self, config: dict[str, Any], started: float = 0.0) -> None:
        self.config = RunConfig.model_validate(config)
        self.pipeline = Pipeline(self.config).load()
        self.started = started

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        docs = [_parse(row) for row in _rows(batch) if str(row["text"]).strip()]  # a JSONL file's blank lines
        records, items = [], []
        for record, view in isolated_records(self.pipeline, docs):  # a document that breaks the pipeline fails alone
            records.append(json.dumps(record, ensure_ascii=False))
            found = items_of(record, view, self.started) if self.config.stories.path else []
            items.append("".join(item.to_json() + "\n" for item in found))
        return {"record": records, "items": items}


def _rows(batch: dict[str, Any]) -> list[dict[str, Any]]:
    keys = list(batch)
    return [dict(zip(keys, values)) for values in zip(*(batch[k] for k in keys))]


def _parse(row: dict[str, Any]) -> Document:
    return document_from_json(json.loads(row["text"]), "input line")  # a JSONL line, or a document read on the driver


def run_ray(config: RunConfig, quiet: bool = False) -> RunResult:
    """Run `config` with Ray Data; the output equals a local run's. Ray's INFO lines are not
    shown; with `quiet` nothing of Ray's is (its processes and C++ core write to the terminal's
    stderr directly, so that is set aside while Ray runs)."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--engine ray needs Ray: pip install 'newsnlp[ray]'") from exc
    with stderr_set_aside() if quiet else nullcontext():
        return _run_ray(ray, config, logging.ERROR if quiet else logging.WARNING)


@contextmanager
def stderr_set_aside() -> Iterator[None]:
    """File descriptor 2 into a temporary file for the block (what Ray's processes and C++ core
    print), then back; Python's own errors still reach the caller as exceptions."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _run_ray(ray: Any, config: RunConfig, level: int) -> RunResult:
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(level)
    output, fmt = config.output.path, config.output.resolved_format()
    check_output(output, config.input, index=config.stories.path)
    if config.on_duplicate == "suffix":
        raise ConfigError("--engine ray: on_duplicate suffix needs input order on one machine; make ids unique or run locally")
    journal = check_journal(output, resume=False)
    inputs = Inputs.of(config)
    inputs.scan(config.on_duplicate)  # bad input fails before Ray starts
    if not ray.is_initialized():
        ray.init(address=config.ray.address, include_dashboard=False, log_to_driver=False, logging_level=level)
    gpu = config.device.startswith("cuda")
    # One actor per GPU, or per CPU core but one: actors hold their core for the whole run, and
    # with every core held Ray Data has none left to read the input, and waits for ever.
    cores = int(ray.cluster_resources().get("CPU", 1))
    workers = config.ray.workers or (int(ray.cluster_resources().get("GPU", 1)) if gpu else max(1, cores - 1))
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # records in input order, as a local run
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(level)  # Ray Data sets up its logger when first used
    dataset = _dataset(ray, inputs)
    actor_config = config.model_copy(deep=True)
    if not gpu and not actor_config.threads:
        actor_config.threads = 1  # one core per actor: no oversubscription
    began = time.time()
    records = dataset.map_batches(
        PipelineActor,
        fn_constructor_kwargs={"config": actor_config.model_dump(mode="json"), "started": began},
        batch_size=config.ray.batch_size,
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=1 if gpu else 0,
        num_cpus=0 if gpu else 1,
    )
    result = RunResult(output=output, format=fmt, readable=tuple(config.encoder.languages), say=lambda line: print(line, file=sys.stderr, flush=True))
    start = time.perf_counter()
    stories = RunStories(config.stories, config.encoder.model, journal, began) if config.stories.path else None
    try:
        with output_lock(output), RecordWriter(output, fmt, about=describe_run(config), leads_from=inputs) as writer:
            for row in records.iter_rows():
                if stories is not None:  # items before the record, as a local run
                    stories.add_lines(row["items"])
                result.add(json.loads(row["record"]), writer)
            if stories is not None:  # as a local run: grouped in time order once every record is in
                stories.finish()
                writer.amend = stories.amend
    finally:
        if stories is not None:
            stories.remove()
            result.stories_seconds, result.stories = stories.seconds, stories.count
    result.seconds = time.perf_counter() - start
    write_json_atomically(run_path(output), run_description(config, run_fingerprint(config, inputs), began, time.time()))
    inputs.close()
    return result


def _dataset(ray: Any, inputs: Inputs) -> Any:
    """Ray reads JSONL files itself (workers parse the lines); pages, HTML, feeds and URLs are
    read on the driver (one fetcher, politeness per host) and sent as documents."""
    items = inputs.items()
    if all(not i.url and i.path.suffix.lower() in (".jsonl", ".ndjson") for i in items):
        return ray.data.read_text([i.ref for i in items])
    return ray.data.from_items([{"text": json.dumps(doc.to_json(), ensure_ascii=False)} for doc in inputs.documents()])
