"""The library's shape (lib/mlfootprint/README.md): small modules, short functions, and
imports that flow one way between its top-level modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib" / "mlfootprint"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 50
# Longer functions that stay whole, and why.
LONG_FUNCTIONS = {
    ("widgets.py", "view_switcher"): "builds one widget and its callbacks, which share its state",
}
MODULES = sorted(LIB.rglob("*.py"))


def unit_of(path: Path) -> str:
    """The top-level module or subpackage a file belongs to."""
    return path.relative_to(LIB).parts[0].removesuffix(".py")


def imports_between_units() -> dict[str, set[str]]:
    names = {unit_of(p) for p in MODULES}
    graph: dict[str, set[str]] = {u: set() for u in names}
    for path in MODULES:
        here = list(path.relative_to(LIB).parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = here[:len(here) - (node.level - 1)]
            target = [*base, *(node.module or "").split(".")]
            target = [t for t in target if t]
            heads = [target[0]] if target else [a.name for a in node.names]
            graph[unit_of(path)].update(h for h in heads if h in names and h != unit_of(path))
    return graph


def test_library_found():
    assert len(MODULES) > 20 and (LIB / "__init__.py").is_file()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LIB)))
def test_module_is_short(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(LIB)} has {lines} lines (at most {MAX_MODULE_LINES})"


def test_functions_are_short_or_say_why():
    long = {}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[(path.relative_to(LIB).as_posix(), node.name)] = n
    unexplained = {k: v for k, v in long.items() if k not in LONG_FUNCTIONS}
    assert not unexplained, f"functions over {MAX_FUNCTION_LINES} lines: {unexplained}"
    gone = set(LONG_FUNCTIONS) - set(long)
    assert not gone, f"no longer long (remove from LONG_FUNCTIONS): {gone}"


def test_no_import_cycles_between_top_level_modules():
    graph = imports_between_units()
    assert graph["measure"] and graph["store"], "the scan found no imports: it is broken"
    state: dict[str, int] = {}

    def visit(u, trail):
        state[u] = 1
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, u, v]))
            if v not in state:
                visit(v, [*trail, u])
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u, [])


def test_lower_layers_never_import_chapters_or_figures():
    graph = imports_between_units()
    for low in ("checks", "paths", "notices", "units", "store", "manifest", "measure"):
        high = graph[low] & {"plots", "widgets", "bench", "course", "synthesis", "classify",
                             "generate", "textmodels", "quality"}
        assert not high, f"{low} imports {sorted(high)}"
