"""Bad pages through HTTP: whatever the extension (or anything else) posts to
/api/analyze, the live server never answers 5xx, and every 4xx is our JSON error.

tests/test_bad_pages.py proves the analysis library copes. This file proves the
whole path a page takes in real use (waitress, the gates, JSON decoding, the
workspace with a profile and stored backlinks, the verdicts) on a live
`tierlink serve`:

* every corpus page, damaged (cut at a random point or with random bytes
  flipped, seeded), sent as the extension sends it; including lone surrogates
  (`\\udcxx` escapes: valid JSON syntax, not encodable as UTF-8);
* hypothesis-generated HTML (the grammar of tests/test_bad_pages.py) with odd URLs;
* hypothesis-generated JSON bodies of any shape and raw byte bodies.

Bounded: 131 corpus pages once each, 100 examples per hypothesis test.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import corpus_pages, needs_corpus
from test_bad_pages import html_fragments

HYPOTHESIS = settings(max_examples=100, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def live(server):
    """The module's server with a profile and a few backlinks, so verdicts run too."""
    server.api("PUT", "/api/profile", json={"domains": ["example.com"], "competitors": ["rival.test"],
                                            "owned_sites": ["mine.test"]})
    from serverutil import multipart

    csv = ("source_url,target_url,anchor\n"
           "https://en.wikipedia.org/wiki/Link_building,https://example.com/pricing,tool\n"
           "https://blog.test/post,https://example.com/,home\n")
    body, ctype = multipart({"format": "csv"}, {"file": ("e.csv", csv.encode())})
    r = server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, r.text
    return server


def post_raw(srv, body: bytes, ctype: str = "application/json"):
    r = srv.request("POST", "/api/analyze", data=body, headers={"Content-Type": ctype}, timeout=60)
    assert r.status < 500, f"{r.status} {r.text[:300]}\n--- server log ---\n{srv.output(2000)}"
    if r.status >= 400:
        err = r.json()["error"]
        assert isinstance(err["code"], str) and isinstance(err["message"], str)
    return r


def post_page(srv, url: str, html: str):
    r = post_raw(srv, json.dumps({"url": url, "html": html}).encode())
    if r.status == 200:
        data = r.json()
        assert data["counts"]["links"] == len(data["links"])
    return r


@needs_corpus
def test_damaged_corpus_pages_never_5xx(live):
    rng = random.Random(20261124)
    ok = 0
    for path in corpus_pages():
        data = path.read_bytes()
        if rng.random() < 0.5:
            data = data[: rng.randrange(len(data) + 1)]
        else:
            flipped = bytearray(data)
            for _ in range(max(1, len(flipped) // 2000)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            data = bytes(flipped)
        # the extension sends page text; damaged bytes arrive as replacement characters,
        # or (from a buggy client) as lone surrogates, which JSON can carry as \udcxx
        errors = "surrogateescape" if rng.random() < 0.3 else "replace"
        html = data.decode("utf-8", errors)
        ok += post_page(live, f"https://corpus.test/{path.stem}", html).status == 200
    assert ok > 0


URLS = st.one_of(
    st.sampled_from(["https://blog.test/post", "http://en.wikipedia.org/wiki/Link_building", "https://[::1]/x",
                     "http://example.com:99999/", "https://bücher.de/ü?q=1#f", "https://a.test/" + "x" * 9000,
                     "http://", "https://%zz/", "HTTPS://BLOG.TEST", "https://blog.test/\udcff", "ftp://a.test/"]),
    st.text(max_size=40).map(lambda s: "https://" + s),
)


@HYPOTHESIS
@given(url=URLS, html=html_fragments())
def test_generated_pages_never_5xx(live, url, html):
    post_page(live, url, html)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@HYPOTHESIS
@given(body=st.one_of(
    st.fixed_dictionaries({"url": JSON_VALUES | URLS, "html": JSON_VALUES | html_fragments()}),
    st.fixed_dictionaries({"url": URLS}, optional={"html": JSON_VALUES, "extra": JSON_VALUES}),
    JSON_VALUES))
def test_generated_json_bodies_never_5xx(live, body):
    post_raw(live, json.dumps(body).encode())


@HYPOTHESIS
@given(raw=st.one_of(st.binary(max_size=300),
                     st.sampled_from([b"[" * 5000, b'{"url": NaN}', b'{"url": "https://a.test/", "html": "\\ud800"}',
                                      b'{"url": "https://a.test/", "html": "<a href=x>", "html": 1}', b"\xef\xbb\xbf{}"])),
       ctype=st.sampled_from(["application/json", "application/json; charset=latin-1", "text/html", ""]))
def test_raw_bodies_never_5xx(live, raw, ctype):
    post_raw(live, raw, ctype)
