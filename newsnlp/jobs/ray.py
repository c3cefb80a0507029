"""`nlp run --engine ray`: the same run over Ray Data, for inputs one machine is too slow for.

Input is read by Ray (`read_text` for JSONL; pages, HTML, feeds and URLs are read on the driver
and sent as documents), documents are parsed on the workers, and `map_batches` runs a callable
class that loads the pipeline once per actor (one actor per CPU core but one, or per GPU with
`device: cuda`). Records stream back in input order to the driver, whose session (`jobs/session.py`,
the local run's) journals, resumes and writes them, so the output file is the same. `ray.address`
in the config points at a cluster (`auto`, `ray://host:10001`, or a head's `host:6379`); run.json
says how many records each node made.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from newsnlp.config import RunConfig
from newsnlp.documents import Document, Inputs, document_from_json
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError, NlpError, one_line
from newsnlp.jobs.session import Made, RunResult, RunSession, made_by, run_session


class PipelineActor:
    """Holds the loaded models; each call turns a batch of raw inputs into records (and, when the
    run groups stories, each record's items with their vectors: the driver groups them), each
    marked with the node that made it. Documents in `skip` (a resumed run's journal holds them)
    are passed over."""

    def __init__(self, config: dict[str, Any], started: float | None = None, skip: list[str] | None = None) -> None:
        import ray

        self.config = RunConfig.model_validate(config)
        self.pipeline = Pipeline(self.config).load()
        self.started = started if self.config.stories.path else None
        self.skip = set(skip or ())
        self.node = ray.get_runtime_context().get_node_id()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        parsed = (_parse(row) for row in _rows(batch) if str(row["text"]).strip())  # a JSONL file's blank lines
        made = list(made_by(self.pipeline, [d for d in parsed if d.id not in self.skip], items_from=self.started))
        records = [json.dumps(record, ensure_ascii=False) for record, _ in made]
        return {"record": records, "items": [items for _, items in made], "node": [self.node] * len(made)}


def init_address(config: RunConfig) -> str:
    """ray.address, or "local" without one: Ray's own default joins the last cluster started on
    this machine (its address file outlives a killed cluster, and the run then fails to connect
    to it), where ray.address null promises a local instance of the run's own."""
    return config.ray.address or "local"


def _rows(batch: dict[str, Any]) -> list[dict[str, Any]]:
    keys = list(batch)
    return [dict(zip(keys, values)) for values in zip(*(batch[k] for k in keys))]


def _parse(row: dict[str, Any]) -> Document:
    return document_from_json(json.loads(row["text"]), "input line")  # a JSONL line, or a document read on the driver


def run_ray(config: RunConfig, quiet: bool = False, resume: bool = False) -> RunResult:
    """Run `config` with Ray Data in the session a local run has (`resume`: its `--resume`); the
    output equals a local run's. Ray's INFO lines are not shown; with `quiet` nothing of Ray's is
    (its processes and C++ core write to the terminal's stderr directly, so that is set aside
    while Ray runs)."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--engine ray needs Ray: pip install 'newsnlp[ray]'") from exc
    with stderr_set_aside() if quiet else nullcontext():
        if config.on_duplicate == "suffix":
            raise ConfigError("--engine ray: on_duplicate suffix needs input order on one machine; make ids unique or run locally")
        with run_session(config, resume=resume, say=lambda line: print(line, file=sys.stderr, flush=True)) as session:
            return session.write(ray_records(ray, session, logging.ERROR if quiet else logging.WARNING))


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


def ray_records(ray: Any, session: RunSession, level: int) -> Iterator[Made]:
    """The session's records, made by actors over the cluster (started here unless this process
    is connected to one), in input order; the count each node made goes into run.json. A failure
    of the cluster (a node lost past what Ray recovers) is one line: the journal keeps what was
    written, for `--resume`."""
    config = session.config
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(level)
    if not ray.is_initialized():
        ray.init(address=init_address(config), include_dashboard=False, log_to_driver=False, logging_level=level)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # records in input order, as a local run
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(level)  # Ray Data sets up its logger when first used
    records = _mapped(ray, config, _dataset(ray, session.inputs), session)
    nodes: Counter[str] = Counter()
    session.engine["ray"] = {"nodes": nodes}
    rows = iter(records.iter_rows())
    try:
        for row in rows:
            nodes[row["node"]] += 1
            yield json.loads(row["record"]), row["items"]
    except ray.exceptions.RayError as exc:
        raise NlpError(
            f"the Ray cluster failed during the run ({one_line(exc, 300)}); the records written so far are kept in "
            f"{session.files.journal}: run the same command with --resume to continue"
        ) from exc
    finally:  # a stopped run shuts Ray Data's executor down now, while connected (left to the garbage collector, it started a Ray of its own)
        _close_quietly(rows)


def _close_quietly(rows: Iterator[Any]) -> None:
    """Close Ray Data's row iterator (its executor); a cluster that fails while it closes has
    already said so, or the run's own stop says more."""
    close = getattr(rows, "close", None)
    try:
        if close is not None:
            close()
    except Exception:
        logging.getLogger(__name__).debug("closing Ray Data's iterator failed", exc_info=True)


def _mapped(ray: Any, config: RunConfig, dataset: Any, session: RunSession) -> Any:
    """The dataset through the pipeline's actors: one per GPU, or per CPU core of the cluster but
    one (actors hold their core for the whole run, and with every core held Ray Data has none
    left to read the input, and waits for ever)."""
    gpu = config.device.startswith("cuda")
    cores = int(ray.cluster_resources().get("CPU", 1))
    workers = config.ray.workers or (int(ray.cluster_resources().get("GPU", 1)) if gpu else max(1, cores - 1))
    actor_config = config.model_copy(deep=True)
    if not gpu and not actor_config.threads:
        actor_config.threads = 1  # one core per actor: no oversubscription
    return dataset.map_batches(
        PipelineActor,
        fn_constructor_kwargs={"config": actor_config.model_dump(mode="json"), "started": session.began, "skip": sorted(session.done)},
        batch_size=config.ray.batch_size,
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=1 if gpu else 0,
        num_cpus=0 if gpu else 1,
    )


def _dataset(ray: Any, inputs: Inputs) -> Any:
    """Ray reads JSONL files itself (workers parse the lines); pages, HTML, feeds and URLs are
    read on the driver (one fetcher, politeness per host) and sent as documents."""
    items = inputs.items()
    if all(not i.url and i.path.suffix.lower() in (".jsonl", ".ndjson") for i in items):
        return ray.data.read_text([i.ref for i in items])
    return ray.data.from_items([{"text": json.dumps(doc.to_json(), ensure_ascii=False)} for doc in inputs.documents()])
