"""What a run was: its package version, encoder, each task's method and labels (`describe_run`,
which the records' pages and the server's `/v1/info` show), and, in `<output>.run.json`, its
resolved config, heads' hashes, input and times (`run_description`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from newsnlp.config import RunConfig, config_without_secrets
from newsnlp.documents.fetch import is_url
from newsnlp.heads.predict import PACKAGED_HEAD_NAMES, head_path
from newsnlp.records import utc_stamp
from newsnlp.resources.disk import file_sha256
from newsnlp.tasks.sentiment import LABELS as SENTIMENT_LABELS
from newsnlp.tasks.topics import topic_labels
from newsnlp.version import VERSION as __version__


def run_description(config: RunConfig, fingerprint: dict[str, Any], started: float, finished: float) -> dict[str, Any]:
    """The run's package version, resolved config (no secrets), encoder, heads' hashes, input and
    times: the records hold neither the config nor the leads."""
    settings = config_without_secrets(config)
    heads = {}
    for task in ("topics", "sentiment"):
        section = getattr(config.tasks, task)
        if section.enabled and section.method == "head":
            path = head_path(section.head, task, config.encoder.model)
            heads[task] = {"head": section.head if section.head in PACKAGED_HEAD_NAMES else path.name, "sha256": file_sha256(path)}

    return {
        "version": __version__,
        "started": utc_stamp(started),
        "finished": utc_stamp(finished),
        "input": resolved_inputs(config.input),
        "encoder": Path(config.encoder.model).name,
        "heads": heads,
        "about": describe_run(config),
        "config": settings,
        "fingerprint": fingerprint,
    }


def describe_run(config: RunConfig, title: str | None = None) -> dict[str, Any]:
    """What a reader of the records wants to know of the run: when, by which version, the
    encoder and each task's method, labels and threshold (no paths: a model folder is named by
    its last part)."""
    tasks = config.tasks
    about: dict[str, Any] = {
        "title": title,
        "written": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "version": __version__,
        "encoder": Path(config.encoder.model).name,
    }
    if tasks.summarize.enabled:
        about["summarize"] = {"method": tasks.summarize.method, "sentences": tasks.summarize.sentences}
        if tasks.summarize.model:
            about["summarize"]["model"] = Path(tasks.summarize.model).name
    if tasks.topics.enabled:
        about["topics"] = {
            "method": tasks.topics.method,
            "labels": list(topic_labels(tasks.topics)),
            "other": tasks.topics.other_label,
            "threshold": tasks.topics.threshold,
        }
    if tasks.sentiment.enabled:
        about["sentiment"] = {"method": tasks.sentiment.method, "labels": list(SENTIMENT_LABELS)}
    return about


def resolved_inputs(refs: list[str]) -> list[str]:
    """Input paths made absolute (URLs as given): what run.json records."""
    return [ref if is_url(ref) else str(Path(ref).expanduser().resolve()) for ref in refs]
