"""`nlp cache info | clear`: the embedding cache (newsnlp.models.cache)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from newsnlp.cli.common import ConfigOpt, SetOpt, config_from_cli, err, friendly_errors

app = typer.Typer(help="The on-disk embedding cache: what it holds, or empty it.", no_args_is_help=True)


def _path(config: Optional[Path], sets: Optional[list[str]]) -> Path:
    from newsnlp.models.cache import default_cache_path

    return config_from_cli(config, sets).cache.path or default_cache_path()


@app.command("info")
def info_cli(config: Optional[Path] = ConfigOpt, sets: Optional[list[str]] = SetOpt, as_json: bool = typer.Option(False, "--json")) -> None:
    """Where the cache is, its size, and the vectors it holds per encoder."""
    from newsnlp.models.cache import cache_info

    with friendly_errors():
        info = cache_info(_path(config, sets))
    if as_json:
        typer.echo(json.dumps(info))
        return
    if not info["exists"]:
        typer.echo(f"{info['path']}: no cache yet")
        return
    typer.echo(f"{info['path']}: {info['bytes_on_disk'] / 2**20:.1f} MB on disk")
    if "unreadable" in info:
        typer.echo(f"  unreadable ({info['unreadable']}): the next run moves it aside and starts a new one")
    for encoder, entry in info.get("encoders", {}).items():
        typer.echo(f"  {encoder}: {entry['vectors']:,} vectors, {entry['bytes'] / 2**20:.1f} MB")


@app.command("clear")
def clear_cache_cli(
    config: Optional[Path] = ConfigOpt,
    sets: Optional[list[str]] = SetOpt,
    everything: bool = typer.Option(False, "--all", help="Also delete the models, ONNX exports, OpenVINO caches and fetched pages."),
) -> None:
    """Delete the embedding cache (the next runs encode every text again); with --all, every
    other store too (the default encoder is fetched again on next use)."""
    import shutil

    from newsnlp.models.cache import clear_cache, folder_bytes, other_stores

    with friendly_errors():
        path = _path(config, sets)
        freed = clear_cache(path)
        err.print(f"cleared {path} ({freed / 2**20:.1f} MB)" if freed else f"{path}: no embedding cache to clear", highlight=False)
        for what, folder in other_stores().items():
            size = folder_bytes(folder)
            if not size:
                continue
            if everything:
                shutil.rmtree(folder, ignore_errors=True)
                err.print(f"cleared {what}: {folder} ({size / 2**20:.1f} MB)", highlight=False)
            else:
                err.print(f"left {what}: {folder} ({size / 2**20:.1f} MB); --all clears them too", highlight=False)
