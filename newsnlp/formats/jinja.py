"""The page templates (`newsnlp/formats/templates`), through one Jinja2 environment with
autoescape: every HTML page this package writes (the report, the stories listing, an evaluation)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, Template, select_autoescape


@cache
def template(name: str) -> Template:
    """A page template of `newsnlp/formats/templates`, autoescaped (every page this package writes)."""
    env = Environment(
        loader=PackageLoader("newsnlp.formats", "templates"), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template(name)
