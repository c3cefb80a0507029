"""`nlp stories`: the stories of an index, largest and newest first, as `newsnlp.formats.stories`
renders them (JSONL, JSON, CSV, Markdown or one HTML page), written to a file, atomically, after
the check every command's output gets, or to stdout."""

from __future__ import annotations

from pathlib import Path

from newsnlp.errors import InputError
from newsnlp.formats.stories import STORY_FORMATS, list_stories, render_stories
from newsnlp.jobs.files import check_output
from newsnlp.resources.disk import write_atomically


def write_stories(index_path: Path, out: Path | None, fmt: str) -> int:
    """The listing to `out` (atomically) or stdout; how many stories."""
    if fmt not in STORY_FORMATS:
        raise InputError(f"--format {fmt}: expected one of {', '.join(STORY_FORMATS)}")
    stories = list_stories(index_path)
    text = render_stories(stories, fmt, title=f"Stories of {index_path.name}")
    if out is None:
        print(text, end="")
        return len(stories)
    check_output(out, [index_path], what="nlp stories")
    try:
        write_atomically(out, text)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return len(stories)
