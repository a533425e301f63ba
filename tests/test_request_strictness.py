"""Request checks as strict as the OpenAPI description (issue 23 item 9), through a live
`tierlink serve`: an empty filter is a 400 (the description gives each a minLength or an
enum), null is refused where the description has no null type, and a whole number
written `1.0` is an integer, as JSON Schema (draft 2020-12) counts one."""

from __future__ import annotations

import pytest

PAGE = "<html><body><p>hello</p></body></html>"


def _refused(r, word: str):
    assert r.status == 400, r
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == "bad_input" and word in body["error"]["message"], body


@pytest.mark.parametrize("path, word", [
    ("/api/backlinks?status=", "status"), ("/api/candidates?status=", "status"), ("/api/candidates?kind=", "kind"),
    ("/api/boost?spam=", "spam"), ("/api/placements?to_url=", "to_url"),
])
def test_an_empty_filter_is_400(server, path, word):
    _refused(server.request("GET", path), word)


def test_null_headers_are_refused(server):
    _refused(server.request("POST", "/api/analyze", json={"url": "https://blog.test/", "html": PAGE, "headers": None}),
             "headers")


def test_null_draft_limit_is_refused(server):
    _refused(server.request("POST", "/api/drafts/check", json={"text": "a draft", "limit": None}), "limit")


def test_null_verdict_labels_are_refused(server):
    _refused(server.request("POST", "/api/candidates", json={"url": "https://spot.test/a", "kind": "tier2",
                                                            "verdict": {"score": 10, "labels": None}}), "labels")


def test_a_whole_number_written_as_a_float_is_an_integer(server):
    r = server.request("POST", "/api/recheck", json={"limit": 1.0, "only": "placements"})
    assert r.status == 202, r
    assert server.request("POST", "/api/drafts/check", json={"text": "a draft", "limit": 2.0}).json()["limit"] == 2
    _refused(server.request("POST", "/api/recheck", json={"limit": 1.5}), "limit")
