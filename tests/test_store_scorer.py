"""The verdicts' scorer is handed to the store when it is opened, and only then.

Before, the verdicts set it at run time (`ensure_scored(scorer)` kept it as `store.scorer`)
and every later write scored with whatever was set last: a call from the store up into
the verdicts that no import showed. Now `open_store(home, scorer=source)` takes a source
of the scorer in force (the workspace passes its profile's), each backlink write asks it
once, and a scorer given to `ensure_scored` rescores with it for that call only.
Both stores: the embedded one and team mode's PostgreSQL.
"""

from __future__ import annotations

import pytest

from companion.analysis.profile import Profile
from companion.store.opening import open_store
from companion.verdicts import verdicts
from companion.workspace import Workspace

ROW = {"source_url": "https://blog.test/post", "target_url": "https://example.com/", "anchor": "tool",
       "first_seen": "2026-01-01", "last_seen": "2026-02-01"}
OTHER = dict(ROW, source_url="https://other.test/page")


@pytest.fixture(params=["embedded", "postgresql"])
def database(request):
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


def test_a_store_opened_with_a_scorer_scores_each_page_as_it_writes_it(home, database):
    scorer = verdicts.scorer(Profile())
    store = open_store(home, database=database, scorer=lambda: scorer)
    try:
        store.merge_backlinks([ROW], "ahrefs")
        page = store.tier1_page("blog.test/post")
        expected = scorer.score("blog.test/post", "blog.test", page["features"], 0)[0]
        assert page["score"] == expected is not None
    finally:
        store.close()


def test_a_scorer_given_to_ensure_scored_is_not_kept_for_later_writes(home, database):
    store = open_store(home, database=database)
    try:
        store.merge_backlinks([ROW], "ahrefs")
        assert store.tier1_page("blog.test/post")["score"] is None  # no scorer: written unscored
        store.ensure_scored(verdicts.scorer(Profile()))
        assert store.tier1_page("blog.test/post")["score"] is not None
        store.merge_backlinks([OTHER], "ahrefs")
        assert store.tier1_page("other.test/page")["score"] is None  # the old store kept the scorer and scored it
        store.ensure_scored(verdicts.scorer(Profile()))
        assert store.tier1_page("other.test/page")["score"] is not None
    finally:
        store.close()


def test_the_workspace_opens_its_store_with_its_profiles_scorer(home, database):
    with Workspace(home, database=database) as ws:
        ws.store.merge_backlinks([ROW], "ahrefs")  # no verdict asked for yet
        page = ws.store.tier1_page("blog.test/post")
        assert page["score"] == verdicts.scorer(ws.profile).score("blog.test/post", "blog.test", page["features"], 0)[0]
