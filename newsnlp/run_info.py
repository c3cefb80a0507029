"""`RunInfo`: what made a set of records, in one typed shape that `<output>.run.json`, `GET
/v1/info`, the Markdown and HTML headers, `nlp bench --json` and a head's training card embed as
they are: the package version, the times, the encoder, each task's method, labels and threshold,
the heads with their sha256, and (in run.json) the input, the config without secrets and the
fingerprint `--resume` checks. No paths but the input's: a model or head file is named by its last
part.

It sits just above `tasks/` (it reads each task's labels and the heads' files) and below every
layer that embeds it (`jobs/session.py` writes run.json, `serve/` answers `/v1/info` with it). `RunInfo.read` also takes run.json files written before it (their `about`
wrapper, or that bare description)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from newsnlp.config import RunConfig, config_without_secrets
from newsnlp.documents.fetch import is_url
from newsnlp.errors import InputError
from newsnlp.heads.predict import PACKAGED_HEAD_NAMES, head_path
from newsnlp.records import utc_stamp
from newsnlp.resources.disk import file_sha256
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from newsnlp.tasks.topics import topic_labels
from newsnlp.version import VERSION

TASKS = ("summarize", "topics", "sentiment")
STAMP = "%Y-%m-%dT%H:%M:%SZ"  # UTC, ISO 8601: every time a RunInfo holds (`records.utc_stamp` writes it)


class TaskInfo(BaseModel):
    """One enabled task: its method, and what a reader of its labels needs."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    method: str
    labels: list[str] | None = None  # topics (the abstain label last), sentiment
    other: str | None = None  # topics: the abstain label
    threshold: float | None = None  # topics: under it, the abstain label
    sentences: int | None = None  # summarize
    model: str | None = None  # summarize: an abstractive model's last path part


class HeadInfo(BaseModel):
    """A head a task ran: a packaged name or the file's name, and the file's sha256."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    head: str
    sha256: str


class RunInfo(BaseModel):
    """What made a set of records (or what a server runs); see the module docstring."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    version: str
    title: str | None = None
    started: str | None = None  # UTC, ISO 8601 (a server: when it started)
    finished: str | None = None  # run.json only
    encoder: str
    tasks: dict[str, TaskInfo]  # summarize, topics, sentiment: the enabled ones
    heads: dict[str, HeadInfo] = {}
    input: list[str] | None = None  # run.json: paths made absolute, URLs as given
    config: dict[str, Any] | None = None  # run.json: the resolved config, without secrets
    fingerprint: dict[str, Any] | None = None  # run.json: what --resume compares
    ray: dict[str, Any] | None = None  # run.json of a Ray run: {"nodes": records each node made}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, fields that do not apply left out."""
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def read(cls, data: Any, where: str) -> RunInfo:
        """A run.json's content, in this shape or an earlier version's (one line if neither)."""
        if isinstance(data, dict):
            data = _current_shape(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"]) or "(top)"
            raise InputError(f"{where}: not a run description nlp wrote ({key}: {first['msg']})") from None


def _current_shape(data: dict[str, Any]) -> dict[str, Any]:
    """Before RunInfo, run.json wrapped the page header in `about` (title, `written`, and each
    task at the top) and repeated version and encoder beside it; a bare header came alone; an
    input could be one string."""
    if isinstance(data.get("input"), str):
        data = {**data, "input": [data["input"]]}
    if "tasks" in data:
        return data
    about: dict[str, Any] = data["about"] if isinstance(data.get("about"), dict) else data
    shaped = {k: v for k, v in data.items() if k != "about"}
    shaped["tasks"] = {k: about[k] for k in TASKS if k in about}
    for key in ("version", "encoder", "title"):
        if key not in shaped and key in about:
            shaped[key] = about[key]
    if "started" not in shaped and isinstance(about.get("written"), str):
        shaped["started"] = about["written"]
    return shaped


def readable_time(stamp: str | None) -> str:
    """`2026-11-30T12:00:00Z` as a person reads it: `2026-11-30 12:00 UTC` (other text as given)."""
    if not stamp:
        return ""
    try:
        return datetime.strptime(stamp, STAMP).replace(tzinfo=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def task_infos(config: RunConfig) -> dict[str, TaskInfo]:
    """Each enabled task's method, labels and threshold (a model by its last path part)."""
    tasks = config.tasks
    infos: dict[str, TaskInfo] = {}
    if tasks.summarize.enabled:
        model = Path(tasks.summarize.model).name if tasks.summarize.model else None
        infos["summarize"] = TaskInfo(method=tasks.summarize.method, sentences=tasks.summarize.sentences, model=model)
    if tasks.topics.enabled:
        labels = list(topic_labels(tasks.topics))
        infos["topics"] = TaskInfo(method=tasks.topics.method, labels=labels, other=tasks.topics.other_label, threshold=tasks.topics.threshold)
    if tasks.sentiment.enabled:
        infos["sentiment"] = TaskInfo(method=tasks.sentiment.method, labels=list(SENTIMENT_LABELS))
    return infos


def head_infos(config: RunConfig) -> dict[str, HeadInfo]:
    """The heads the run's tasks read, each named and hashed (the file itself, not its path)."""
    heads = {}
    for task in ("topics", "sentiment"):
        section = getattr(config.tasks, task)
        if section.enabled and section.method == "head":
            path = head_path(section.head, task, config.encoder.model)
            heads[task] = HeadInfo(head=section.head if section.head in PACKAGED_HEAD_NAMES else path.name, sha256=file_sha256(path))
    return heads


def describe_run(config: RunConfig, title: str | None = None, *, started: float | None = None, with_heads: bool = True) -> RunInfo:
    """What a reader of the records (or a server's client) wants to know: by which version, when
    (`started`, default now), the encoder, each task's method, labels and threshold, the heads
    (not `with_heads` where none is read: a head being trained)."""
    return RunInfo(
        version=VERSION,
        title=title,
        started=utc_stamp(started),  # now, unless given
        encoder=Path(config.encoder.model).name,
        tasks=task_infos(config),
        heads=head_infos(config) if with_heads else {},
    )


def run_description(
    config: RunConfig, fingerprint: dict[str, Any], started: float, finished: float, *, engine: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`<output>.run.json`: the run's RunInfo with its times, input, resolved config (no
    secrets) and fingerprint, and what the engine adds (`engine`; Ray: the nodes that made the
    records): the records hold neither the config nor the leads."""
    info = describe_run(config, started=started).model_copy(
        update={
            "finished": utc_stamp(finished),
            "input": resolved_inputs(config.input),
            "config": config_without_secrets(config),
            "fingerprint": fingerprint,
            **(engine or {}),
        }
    )
    return info.to_json()


def resolved_inputs(refs: list[str]) -> list[str]:
    """Input paths made absolute (URLs as given): what run.json records."""
    return [ref if is_url(ref) else str(Path(ref).expanduser().resolve()) for ref in refs]
