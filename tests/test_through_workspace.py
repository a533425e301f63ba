"""Every route and every command goes through one Workspace method (issue 24).

Why: when the API passed `ws.store` to one workflow function and the CLI to another, the
two front ends saved a candidate through different code (`save_body` and `save`) and could
drift. The front ends now call the Workspace's methods (`save_candidate`, `add_placement`,
`check_draft`, ...); this test walks the API's route modules and the CLI's command modules
with `ast` and fails on any use of the store behind the Workspace's back. The CLI's `init`
may name where a team's database is (`ws.store.where`): it reads no data.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from companion.cli import main as cli_main
from companion.web import routes

ALLOWED_ATTRIBUTES = {"where"}  # ws.store.where: the team database's name, for a message


def _front_end_files() -> list[Path]:
    names = list(routes.MODULES) + ["companion.cli.main"] + list(getattr(cli_main, "COMMAND_MODULES", ()))
    return sorted({Path(importlib.import_module(name).__file__) for name in names})


def _is_workspace(node) -> bool:
    return (isinstance(node, ast.Name) and node.id in ("ws", "workspace")) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "workspace")


def _store_uses(path: Path) -> list[str]:
    """`ws.store` used in a front end, or the Workspace itself handed to a library function
    (which then reaches the store behind the front end's back)."""
    tree = ast.parse(path.read_text("utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        handed = [*node.args, *(k.value for k in node.keywords if k.arg != "workspace")] \
            if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id == "getattr") else []
        if any(_is_workspace(a) for a in handed):  # (serve(..., workspace=ws) runs it: not a library call)
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:100]}")
            continue
        if not (isinstance(node, ast.Attribute) and node.attr == "store"):
            continue
        is_workspace = _is_workspace(node.value)
        parent = parents.get(node)
        if is_workspace and not (isinstance(parent, ast.Attribute) and parent.attr in ALLOWED_ATTRIBUTES):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(parent if parent is not None else node)[:100]}")
    return sorted(found, key=lambda use: int(use.split(":")[1]))


def test_front_ends_reach_the_store_only_through_workspace_methods():
    files = _front_end_files()
    assert any(p.name == "api.py" for p in files) and any(p.name == "main.py" for p in files), files
    uses = [use for path in files for use in _store_uses(path)]
    assert not uses, "\n".join(uses)


def test_the_walk_finds_a_store_passed_around(tmp_path):
    """The check is able to fail: the pattern the API had is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("def route():\n    return candidates.list_candidates(workspace().store, kind=None)\n"
                      "def command(ws):\n    return ws.store.backlinks_page(1)\n"
                      "def fine(ws):\n    return ws.store.where\n"
                      "def handed(ws):\n    return graph.tier_graph(workspace(), 5)\n")
    assert [u.split(":")[1] for u in _store_uses(sample)] == ["2", "4", "8"]
