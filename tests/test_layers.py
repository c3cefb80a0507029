"""The package's layers, bottom up (docs/architecture.md): a module imports only from its own
layer or below, function-level imports included. Read from the source, so a new arrow that runs
back up fails here."""

from __future__ import annotations

import ast
from pathlib import Path

NLP = Path(__file__).resolve().parents[1] / "newsnlp"
LAYERS = [
    {"errors", "numeric", "batching", "resources", "records", "sqlite_files", "version", "__init__", "__main__"},
    {"config"},
    {"documents"},
    {"models"},
    {"heads"},
    {"tasks"},
    {"engine", "stories", "formats", "run_info"},
    {"jobs"},  # a run's files, lock, journal and session; read, watch, report (serve never imports it)
    {"training", "evaluate", "bench", "report", "serve"},
    {"cli"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
PACKAGE_ENTRY = {"__init__", "__main__"}  # newsnlp/__init__.py re-exports the API; __main__ runs the CLI


def part(module: str) -> str:
    """newsnlp.jobs.run -> engine; newsnlp.records -> records."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == "newsnlp" or node.module.startswith("newsnlp.")):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if (alias.name == "newsnlp" or alias.name.startswith("newsnlp."))]
    return found


def test_every_module_imports_from_its_layer_or_below():
    upward = []
    for path in sorted(NLP.rglob("*.py")):
        relative = path.relative_to(NLP.parent).with_suffix("")
        mine = part(".".join(relative.parts))
        if mine in PACKAGE_ENTRY:
            continue
        assert mine in LAYER_OF, f"{relative}: {mine} has no layer in LAYERS (and docs/architecture.md)"
        for module in imports(path):
            theirs = part(module)
            if theirs in PACKAGE_ENTRY:
                continue
            assert theirs in LAYER_OF, f"{relative} imports {module}: no layer"
            if LAYER_OF[theirs] > LAYER_OF[mine]:
                upward.append(f"{relative} ({mine}) imports {module} ({theirs})")
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules():
    """Module to module (a package's __init__ counts as the package), function-level imports too."""
    modules = {}
    for path in NLP.rglob("*.py"):
        relative = path.relative_to(NLP.parent).with_suffix("")
        name = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        modules[name] = path
    graph = {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    real = [c for c in cycles if not (set(c) & packages)]  # a package re-exporting its modules is no cycle of code
    assert not real, "import cycles:\n" + "\n".join(" -> ".join(c) for c in real)
