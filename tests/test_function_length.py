"""No function (method, nested function) in newsnlp/ over 80 lines, from its `def` to its last
line: a longer one does several things, and a reader walks up and down it. Read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

NLP = Path(__file__).resolve().parents[1] / "newsnlp"
MOST = 80
KNOWN: set[str] = set()  # none left: a function listed here would be one awaiting its split


def long_functions() -> dict[str, int]:
    found = {}
    for path in sorted(NLP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST:
                    found[f"{path.relative_to(NLP).as_posix()}:{node.name}"] = lines
    return found


def test_no_function_over_80_lines():
    found = long_functions()
    new = {name: n for name, n in found.items() if name not in KNOWN}
    assert not new, f"functions over {MOST} lines: " + ", ".join(f"{name} ({n})" for name, n in sorted(new.items()))
    assert not KNOWN - set(found), f"no longer over {MOST} lines, so no longer known offenders: {sorted(KNOWN - set(found))}"
