"""The package is laid out by layer, and a layer never imports one above it.

Why: the data flows one way — pages and exports are analysed, stored, scored,
worked on, then shown by the web service and the CLI — and the folders say so
(README, "Where things are"). An import upwards (the store reaching into the
verdicts, the library into the web layer) or two modules importing each other
makes every change ripple both ways; this test walks every module under
companion/ with `ast` (imports inside functions included) and fails on either.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "companion"

# Lowest first. A module may import its own layer and any layer below it.
LAYERS = [
    ("core",),  # errors, limits, home, atomic files, the weights table; also companion/__init__
    ("analysis",),  # decode, urls, positions, the profile, the page analysis
    ("store",),  # the backlink database and the workflow tables (embedded or team mode)
    ("importers",),  # one module per tool: files -> backlink records
    ("workflow",),  # candidates, placements, exports: what the user works on
    ("verdicts",),  # scoring, suggestions, change detection, broken targets, the draft check
    ("alerts",),  # changes that matter made into alerts once, and their delivery channels
    ("monitor",),  # recheck without browsing
    ("workspace", "importing", "choices"),  # a data home opened for work, the value lists: on top of the library
    ("web",),  # the Flask app, API, security gates, OpenAPI, server, uploads
    ("cli",),  # the `tierlink` command
    ("__main__",),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    """companion.store.sqlstore -> 'store'; the package itself (version, project URL) is core."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "core"


def _imports(path: Path, module: str) -> set[str]:
    """Every companion module this file imports, at any depth of the code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "companion"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.split(".")[0] != "companion":
                continue
            found.add(name)
            # `from companion.web import server` imports the module companion.web.server
            found |= {f"{name}.{a.name}" for a in node.names if (PACKAGE.parent / f"{name}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                      or (PACKAGE.parent / f"{name}.{a.name}".replace(".", "/") / "__init__.py").exists()}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: {i for i in _imports(p, m) if i in modules and i != m} for m, p in modules.items()}


def test_every_folder_is_a_known_layer():
    """A new folder (or top-level module) must be given its place in LAYERS first."""
    unknown = sorted({_layer(m) for m in _graph()} - set(RANK))
    assert not unknown, f"place these in LAYERS (tests/test_layers.py): {unknown}"


def test_no_module_imports_a_higher_layer():
    graph = _graph()
    upward = sorted(f"{m} ({_layer(m)}) imports {i} ({_layer(i)})"
                    for m, deps in graph.items() for i in deps
                    if RANK.get(_layer(i), 0) > RANK.get(_layer(m), 0))
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    """No two modules import each other, directly or round a longer loop (package __init__s
    re-exporting their own modules are not cycles: they only gather names)."""
    graph = _graph()
    edges = {m: {i for i in deps if not m.startswith(i + ".")} for m, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                cycles.append(" -> ".join(stack[stack.index(n):] + [n]))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(cycles)


def test_the_walk_sees_imports_inside_functions():
    """The test itself: a late import (inside a function) counts like one at the top."""
    graph = _graph()
    assert "companion.workflow.placements" in graph["companion.workflow.candidates"]
    assert "companion.core.errors" in graph["companion.analysis.analyze"]


# Arguments kept that are data the object holds, not something it calls.
KEPT_DATA = {
    "AtomicJSONStorage.write": "TinyDB's storage interface: the document written is the one held",
    "BacklinkDB._damaged": "why the file is damaged: a message, kept to answer with",
}


def _kept_arguments(path: Path) -> list[str]:
    """`self.x = <argument>` in a method other than a constructor: an object handed in at run
    time and kept for later calls (data the object holds: KEPT_DATA)."""
    found = []
    for cls in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(cls, ast.ClassDef):
            continue
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef) or fn.name in ("__init__", "open", "__new__") \
                    or f"{cls.name}.{fn.name}" in KEPT_DATA:
                continue
            args = {a.arg for a in fn.args.args + fn.args.kwonlyargs} - {"self", "cls"}
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in args:
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == "self":
                            found.append(f"{path.name}: {cls.name}.{fn.name} keeps its argument "
                                         f"{node.value.id} as self.{target.attr}")
    return found


def test_the_store_keeps_nothing_handed_to_it_after_opening():
    """What the store calls of a layer above (the verdicts' scorer) is handed to it when it is
    opened, explicitly: a method that kept an argument for later calls (the old
    `ensure_scored(scorer)` did, `self.scorer = scorer`) is a call upwards no import shows."""
    kept = [line for path in sorted((PACKAGE / "store").glob("*.py")) for line in _kept_arguments(path)]
    assert not kept, "\n".join(kept)


def test_the_keeping_check_sees_a_kept_argument(tmp_path):
    """The check itself, on the shape the old store had."""
    sample = tmp_path / "sample.py"
    sample.write_text("class Store:\n    def ensure_scored(self, scorer):\n        self.scorer = scorer\n")
    assert _kept_arguments(sample) == ["sample.py: Store.ensure_scored keeps its argument scorer as self.scorer"]
