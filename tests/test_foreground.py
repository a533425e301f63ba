"""The boost scores' full pass gives way to the requests the server is answering.

Why: after a profile change the server rescores every tier-1 page in a background thread
(minutes at a million backlinks), in Python, holding the GIL; a report reading a few hundred
rows from SQLite waited for the GIL at every row and took seconds instead of a fraction of
one (docs/BENCHMARKS.md, issue 28). The web app marks each request while it answers it
(companion.core.foreground.answering) and the pass waits between pages while one is marked,
for at most foreground.GRACE seconds of it (a request that waits on the pass itself must not
hold it up for good). Here the real pass (Store.ensure_scored with a new profile's scorer) on a
real store: it makes no progress while a request is being answered and finishes once it ends;
a request marked for longer than the grace does not stop it.
"""

from __future__ import annotations

import threading
import time

import pytest

from companion.analysis.profile import Profile
from companion.core import foreground
from companion.store.opening import open_store
from companion.verdicts import verdicts

PAGES = 40


def rows():
    return [{"source_url": f"https://blog{i}.test/post", "target_url": "https://example.com/", "anchor": "tool",
             "first_seen": "2026-01-01", "last_seen": "2026-02-01"} for i in range(PAGES)]


@pytest.fixture
def store(home):
    """A store whose tier-1 pages are scored for the default profile."""
    s = open_store(home, scorer=lambda: verdicts.scorer(Profile()))
    s.merge_backlinks(rows(), "ahrefs")
    s.ensure_scored(verdicts.scorer(Profile()))
    yield s
    s.close()


def new_scorer():
    """A profile change: another signature, so ensure_scored rescores every page."""
    return verdicts.scorer(Profile(domains=["example.com"], money_pages=[{"url": "https://example.com/",
                                                                            "keywords": ["tool"]}]))


def rescore_in_thread(store, scorer) -> threading.Thread:
    thread = threading.Thread(target=store.ensure_scored, args=(scorer,), daemon=True)
    thread.start()
    return thread


def test_give_way_returns_at_once_when_no_request_is_answered():
    thread = threading.Thread(target=foreground.give_way, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()


def test_the_full_pass_waits_while_a_request_is_answered_then_finishes(store):
    scorer = new_scorer()
    assert store._bl.get_meta("scorer") != scorer.signature
    with foreground.answering():
        thread = rescore_in_thread(store, scorer)
        thread.join(1.0)
        assert thread.is_alive()  # waiting for the request, before its first page
        assert store._bl.get_meta("scorer") != scorer.signature
    thread.join(60)
    assert not thread.is_alive()
    assert store._bl.get_meta("scorer") == scorer.signature
    page = store.tier1_page("blog3.test/post")
    assert page["score"] == scorer.score("blog3.test/post", "blog3.test", page["features"], 0)[0]


def test_a_request_longer_than_the_grace_does_not_stop_the_pass(store, monkeypatch):
    monkeypatch.setattr(foreground, "GRACE", 0.3)
    scorer = new_scorer()
    with foreground.answering():
        time.sleep(0.4)  # the request has had its grace
        thread = rescore_in_thread(store, scorer)
        thread.join(60)
        assert not thread.is_alive()  # finished while the request is still being answered
    assert store._bl.get_meta("scorer") == scorer.signature
