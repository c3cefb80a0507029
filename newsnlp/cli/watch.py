"""`nlp watch`: poll feeds and pages, append the records of new items (newsnlp.jobs.watch.Watch)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import EXIT_SOME_FAILED, ConfigOpt, SetOpt, config_from_cli, err, friendly_errors
from newsnlp.records import plural


def watch_cli(
    sources: list[str] = typer.Argument(..., help="Feeds and pages to poll: http(s) URLs, files, folders or files of URLs."),
    output: Path = typer.Option(..., "--output", "-o", help="The JSONL file new items' records are appended to."),
    every: str = typer.Option("10m", "--every", help="Time between cycles, e.g. 30s, 10m, 1h."),
    once: bool = typer.Option(False, "--once", help="Run one cycle and exit (for cron)."),
    stories: Optional[Path] = typer.Option(None, "--stories", help="Group new items into the stories of this index (SQLite)."),
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
) -> None:
    """Poll feeds and pages with conditional requests; process only items not seen before and
    append their records to OUTPUT (a record per item; the seen set is rebuilt from OUTPUT). A
    source that fails is a line, and tried again next cycle; --once exits 3 when one did."""
    from newsnlp.jobs.signals import stop_on_signals
    from newsnlp.jobs.watch import Watch, parse_every

    with friendly_errors():
        every_s = parse_every(every)
        cfg = config_from_cli(config, sets, {"input": sources, "stories.path": stories})
        watch = Watch(cfg, output, say=lambda line: err.print(line, highlight=False, soft_wrap=True))
        try:
            with stop_on_signals():
                watch.run(every_s, once)
        except KeyboardInterrupt:
            err.print(f"stopped after {plural(watch.cycles, 'cycle')}; {plural(watch.written, 'record')} appended to {output}", highlight=False)
            return
    if once:
        failed = f" ({plural(watch.failures, 'failure')})" if watch.failures else ""
        err.print(f"{plural(watch.written, 'record')} appended to {output}{failed}", highlight=False)
        if watch.failures:
            raise typer.Exit(EXIT_SOME_FAILED)  # the rest were appended; the failed sources are tried again next time
