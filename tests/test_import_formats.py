"""One importer module per tool, and one list of formats that the CLI and the API description share.

Why: the OpenAPI enum had lost `bing` while the CLI kept it; a list kept in one
place (the tool modules themselves) cannot drift. A tool is added by adding a
module with a FORMAT, so the test also proves a module is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import companion.importers as importers
from companion.importers import FORMATS, formats, parse
from companion.openapi import spec

TOOLS = {"ahrefs", "semrush", "moz", "majestic", "gsc", "bing", "csv"}


def test_each_tool_has_its_own_module():
    found = {}
    for info in pkgutil.iter_modules(importers.__path__):
        fmt = getattr(importlib.import_module(f"companion.importers.{info.name}"), "FORMAT", None)
        if fmt is not None:
            found[fmt.name] = info.name
    assert set(found) == TOOLS and set(FORMATS) == TOOLS
    assert found["csv"] == "mapped" and all(found[t] == t for t in TOOLS - {"csv"})


def test_the_cli_and_the_openapi_enum_offer_the_same_formats(cli):
    enum = spec()["paths"]["/api/import"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"][
        "properties"]["format"]["enum"]
    assert enum == ["auto", *FORMATS] and "bing" in enum
    usage = cli("import", "--help").stdout.decode()
    assert "{" + ",".join(["auto", *FORMATS]) + "}" in usage


def test_a_new_tool_is_one_module(tmp_path, monkeypatch):
    """A module dropped into the package is recognised, named in FORMAT lists and read by the shared code."""
    module = tmp_path / "linktool.py"
    module.write_text(
        "from companion.importers.formats import Format, spec\n"
        "FORMAT = Format(name='linktool', label='linktool', order=45,\n"
        "    variants={'v1': spec(source='from page', target='to page', anchor='words', last_seen='seen')},\n"
        "    detect=lambda cols, mapping, wanted: 'v1' if {'from page', 'to page'} <= cols else None)\n")
    monkeypatch.setattr(importers, "__path__", [*importers.__path__, str(tmp_path)])
    formats.tools.cache_clear()
    try:
        assert "linktool" in formats.names()
        parsed = parse("x.csv", data=b"From page,To page,Words,Seen\nhttps://a.test/p,https://me.test/,hi,2026-01-02\n")
        assert (parsed.format, parsed.rows_read) == ("linktool", 1)
        r = parsed.rows[0]
        assert (r["source_url"], r["target_url"], r["anchor"], r["last_seen"], r["origins"]) == \
            ("https://a.test/p", "https://me.test/", "hi", "2026-01-02", ["linktool"])
    finally:
        monkeypatch.undo()
        formats.tools.cache_clear()
        sys.modules.pop("companion.importers.linktool", None)
    assert "linktool" not in formats.names()
