"""The store's interfaces are kept by both of their implementations, by signature.

companion.store.interface writes down, once, what the façade calls on a backlink database
(`BacklinkStore`) and on the workflow tables (`WorkflowStore`). SQLite's and PostgreSQL's
BacklinkDB, and the TinyDB and team workflow stores, shared those calls by convention only:
a method renamed or given another parameter in one of them broke the other mode at run
time. These tests compare every Protocol method with the class's own (`inspect.signature`:
parameter names, kinds, defaults, annotations and the return annotation), then open both
stores for real and check each object the façade holds is an instance of its Protocol.
"""

from __future__ import annotations

import inspect

import pytest

from companion.store import interface, pgstore, sqlstore, teamstore, workflow
from companion.store.opening import open_store

IMPLEMENTATIONS = [
    (interface.BacklinkStore, sqlstore.BacklinkDB),
    (interface.BacklinkStore, pgstore.BacklinkDB),
    (interface.WorkflowStore, workflow.TinyWorkflow),
    (interface.WorkflowStore, teamstore.TeamWorkflow),
]


def protocol_methods(protocol) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(value) for name, value in vars(protocol).items()
            if callable(value) and not name.startswith("_")}


def differences(protocol, cls) -> list[str]:
    """What `cls` lacks of `protocol`, or has with another signature (one line each)."""
    out = []
    for name, wanted in protocol_methods(protocol).items():
        got = inspect.getattr_static(cls, name, None)
        if got is None or not callable(got):
            out.append(f"{cls.__module__}.{cls.__qualname__} has no method {name}{wanted}")
        elif inspect.signature(got) != wanted:
            out.append(f"{cls.__module__}.{cls.__qualname__}.{name}{inspect.signature(got)} is not {name}{wanted}")
    return out


@pytest.mark.parametrize("protocol,cls", IMPLEMENTATIONS, ids=lambda x: f"{x.__module__}.{x.__qualname__}")
def test_every_method_of_the_protocol_exists_with_the_same_signature(protocol, cls):
    assert not differences(protocol, cls)


def test_the_comparison_sees_a_missing_method_and_a_changed_parameter():
    """The check itself: a class lacking one call, or taking another parameter, is reported."""

    class Partial:
        def count(self, c=None) -> int: ...
        def tier1_count(self, c) -> int: ...  # a parameter the Protocol does not have

    found = differences(interface.BacklinkStore, Partial)
    assert any("has no method from_source" in line for line in found)
    assert any(".tier1_count(self, c) -> " in line and " is not tier1_count(self) -> " in line for line in found)
    assert len(found) == len(protocol_methods(interface.BacklinkStore)) - 1  # only `count` matches


def test_the_protocols_name_what_the_facade_calls():
    """Every call the façade, the merge rules and the tier-1 rows make on `self._bl` / `bl` is in
    the Protocol: a call added there without it would work on one store only by luck."""
    import ast
    from pathlib import Path

    store_dir = Path(sqlstore.__file__).parent
    called = set()
    for name in ("store.py", "merging.py", "tier1.py", "legacy.py"):
        for node in ast.walk(ast.parse((store_dir / name).read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute)):
                owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if owner in ("_bl", "bl"):
                    called.add(node.attr)
    assert called, "the walk found no backlink call at all"
    assert called <= set(protocol_methods(interface.BacklinkStore)), called - set(protocol_methods(interface.BacklinkStore))


@pytest.mark.parametrize("mode", ["embedded", "postgresql"])
def test_both_stores_open_on_objects_that_keep_the_protocols(mode, home, request):
    url = request.getfixturevalue("pg_url") if mode == "postgresql" else None
    store = open_store(home, database=url)
    try:
        assert store.backend == mode
        parts = [v for v in vars(store).values() if isinstance(v, (sqlstore.BacklinkDB, pgstore.BacklinkDB,
                                                                    workflow.TinyWorkflow, teamstore.TeamWorkflow))]
        assert len(parts) == 2
        for part in parts:
            protocol = interface.BacklinkStore if "BacklinkDB" in type(part).__name__ else interface.WorkflowStore
            assert not differences(protocol, type(part))
        assert store.insert("notes", {"text": "x"})["text"] == "x"  # the façade works through them
        assert store.backlink_count() == 0
    finally:
        store.close()
