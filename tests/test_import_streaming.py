"""Big exports stream into the store: read twice, never held in memory whole, all or nothing.

A file over `importing.STREAM_FROM` is parsed once to prove it reads (nothing kept),
then again straight into the store's transaction, a batch at a time. The threshold is
lowered here so the project's own sample exports take that path; what is stored must
be exactly what the one-pass import stores, and a file that breaks half-way must
change nothing.
"""

from __future__ import annotations

import pytest

from companion import importing
from companion.errors import BadInput
from companion.workspace import Workspace
from conftest import FIXTURES

SAMPLES = FIXTURES / "exports"
FILES = ["ahrefs-v3.csv", "ahrefs-v2legacy.csv", "semrush-backlinks.csv", "majestic-backlinks.csv",
         "moz-ose-legacy.csv", "bing-referring-pages.csv", "gsc-latest-links.csv"]


def imported(home, files, monkeypatch, stream: bool):
    monkeypatch.setattr(importing, "STREAM_FROM", 0 if stream else 1 << 40)
    ws = Workspace(home)
    ws.set_profile({"domains": ["example.com"]})
    try:
        summaries = [ws.import_files([SAMPLES / name])[0] for name in files]
        return summaries, ws.store.all_backlinks()
    finally:
        ws.close()


def test_a_streamed_import_stores_what_a_one_pass_import_stores(tmp_path, monkeypatch):
    one = imported(tmp_path / "one", FILES, monkeypatch, stream=False)
    two = imported(tmp_path / "two", FILES, monkeypatch, stream=True)
    assert two == one
    assert len(one[1]) > 20


def test_a_file_that_breaks_half_way_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "STREAM_FROM", 0)
    data = (SAMPLES / "ahrefs-v3.csv").read_bytes()  # UTF-16: cut in the middle of a character
    broken = tmp_path / "broken.csv"
    broken.write_bytes(data[: len(data) // 2 | 1])
    ws = Workspace(tmp_path / "home")
    ws.set_profile({"domains": ["example.com"]})
    try:
        ws.import_files([SAMPLES / "semrush-backlinks.csv"])
        before = ws.store.all_backlinks()
        with pytest.raises(BadInput, match="cut short"):
            ws.import_files([broken])
        assert ws.store.all_backlinks() == before
    finally:
        ws.close()


def test_search_console_files_are_judged_on_all_their_rows_even_when_big(tmp_path, monkeypatch):
    """A Search Console table of my own pages linking to each other is refused by what its rows
    say: such a file is read with its rows kept, big or not, and nothing is stored."""
    monkeypatch.setattr(importing, "STREAM_FROM", 0)
    header = (SAMPLES / "gsc-latest-links.csv").read_text("utf-8-sig").splitlines()[0]
    internal = tmp_path / "example.com-latest-links.csv"
    internal.write_text(header + "\n" + "".join(f"https://example.com/page-{i},2026-04-19\n" for i in range(50)))
    ws = Workspace(tmp_path / "home")
    ws.set_profile({"domains": ["example.com"]})
    try:
        with pytest.raises(BadInput):
            ws.import_files([internal])
        assert ws.store.all_backlinks() == []
        assert ws.import_files([SAMPLES / "gsc-latest-links.csv"])[0]["added"] > 0
    finally:
        ws.close()
