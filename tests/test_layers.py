"""The package's layers, bottom up (docs/architecture.md): a module imports only from its own
layer or below, function-level imports included; two packages never import each other (one
layer's packages too); no module reaches the top package's re-exports (`from newsnlp import X`);
relative imports count as the absolute names they stand for. Read from the source, so a new
arrow that runs back up fails here."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

NLP = Path(__file__).resolve().parents[1] / "newsnlp"
LAYERS = [
    {"errors", "numeric", "batching", "resources", "records", "sqlite_files", "version", "__init__", "__main__"},
    {"config"},
    {"documents"},
    {"models"},
    {"heads"},
    {"tasks"},
    {"run_info"},
    {"engine", "stories", "formats"},
    {"jobs"},  # a run's files, lock, journal and session; read, watch, report (serve never imports it)
    {"training", "evaluate", "bench", "report", "serve"},
    {"cli"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
PACKAGE_ENTRY = {"__init__", "__main__"}  # newsnlp/__init__.py re-exports the API; __main__ runs the CLI


def part(module: str) -> str:
    """newsnlp.jobs.run -> jobs; newsnlp.records -> records; newsnlp -> __init__."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def module_name(path: Path) -> str:
    """newsnlp/jobs/run.py -> newsnlp.jobs.run; newsnlp/jobs/__init__.py -> newsnlp.jobs."""
    relative = path.relative_to(NLP.parent).with_suffix("")
    return ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)


def absolute(path: Path, node: ast.ImportFrom) -> str | None:
    """The absolute module an ImportFrom names: `from ..x import y` in newsnlp/a/b.py is newsnlp.x."""
    if not node.level:
        return node.module
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # a module's package; a package's __init__ is its own
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(path: Path) -> list[str]:
    """Every newsnlp module `path` imports, anywhere in it; `from pkg import name` also as
    `pkg.name` (a submodule, where it is one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = absolute(path, node)
            if module and (module == "newsnlp" or module.startswith("newsnlp.")):
                found.append(module)
                found += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if (alias.name == "newsnlp" or alias.name.startswith("newsnlp."))]
    return found


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(NLP.rglob("*.py"))}


def known(module: str, names: dict[str, Path]) -> bool:
    return module in names


def test_the_resolver_reads_relative_imports_as_absolute_names(tmp_path):
    here = NLP / "serve" / "app.py"
    tree = ast.parse("from . import batcher\nfrom ..engine.pipeline import Pipeline\nfrom .. import Pipeline\nfrom .routes import health\n")
    nodes = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert [absolute(here, n) for n in nodes] == ["newsnlp.serve", "newsnlp.engine.pipeline", "newsnlp", "newsnlp.serve.routes"]
    assert absolute(NLP / "serve" / "__init__.py", nodes[0]) == "newsnlp.serve"


def test_every_module_imports_from_its_layer_or_below():
    upward = []
    for name, path in modules().items():
        mine = part(name)
        if mine in PACKAGE_ENTRY:
            continue
        assert mine in LAYER_OF, f"{path}: {mine} has no layer in LAYERS (and docs/architecture.md)"
        for module in imports(path):
            theirs = part(module)
            if theirs in PACKAGE_ENTRY:
                continue  # the top package: test_no_module_imports_the_top_package
            assert theirs in LAYER_OF, f"{path} imports {module}: no layer"
            if LAYER_OF[theirs] > LAYER_OF[mine]:
                upward.append(f"{name} ({mine}) imports {module} ({theirs})")
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_module_imports_the_top_package():
    """`from newsnlp import X` reaches the package's __init__, which re-exports the engine and the
    config: from inside the package that is an import from the top, whatever X's own layer."""
    found = [
        f"{name} imports {module}"
        for name, path in modules().items()
        if part(name) != "__main__" and name != "newsnlp"
        for module in imports(path)
        if module == "newsnlp"
    ]
    assert not found, "imports of the top package (import from the module itself):\n" + "\n".join(found)


def test_serve_never_imports_jobs():
    """The server answers requests; a run's files, lock and journal are `nlp run`'s (jobs/): what
    it shares with a run is below both (run_info's RunInfo, the engine's pipeline)."""
    found = [
        f"{name} imports {module}" for name, path in modules().items() if part(name) == "serve" for module in imports(path) if part(module) == "jobs"
    ]
    assert not found, "serve imports jobs:\n" + "\n".join(found)


def test_no_two_packages_import_each_other():
    """Within a layer too: engine -> stories and stories -> engine is a cycle between folders,
    whichever modules carry it."""
    arrows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, path in modules().items():
        mine = part(name)
        for module in imports(path):
            theirs = part(module)
            if mine != theirs and not {mine, theirs} & PACKAGE_ENTRY:
                arrows[mine, theirs].append(f"{name} imports {module}")
    both = sorted((a, b) for a, b in arrows if a < b and (b, a) in arrows)
    report = [f"{a} <-> {b}: {arrows[a, b][0]}; {arrows[b, a][0]}" for a, b in both]
    assert not report, "packages that import each other:\n" + "\n".join(report)


def test_no_import_cycle_between_modules():
    """Module to module (a package's __init__ counts as the package), function-level imports too."""
    names = modules()
    graph = {name: {m for m in imports(path) if known(m, names) and m != name} for name, path in names.items()}
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
    packages = {name for name, path in names.items() if path.name == "__init__.py"}
    real = [c for c in cycles if not (set(c) & packages)]  # a package re-exporting its modules is no cycle of code
    assert not real, "import cycles:\n" + "\n".join(" -> ".join(c) for c in real)
