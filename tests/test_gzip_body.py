"""A gzip request body (`Content-Encoding: gzip`, what the extension sends) through the real server.

Accepted and analysed as the same page sent plain; refused with 413 in the one
error shape once it would inflate past the route's cap (a gzip bomb), which is
checked while inflating, never after; a broken or cut stream is a 400; another
encoding is a 415.
"""

from __future__ import annotations

import gzip
import json
import zlib

import pytest

from companion.core.limits import MAX_BODY

PAGE = {"url": "https://blog.example.org/post",
        "html": "<html><head><title>Widgets</title></head><body><main><p>Read "
                "<a href=\"https://acme-widgets.com/pricing\">the pricing tool</a>.</p></main></body></html>"}


def gz_headers(extra: dict | None = None) -> dict:
    return {"Content-Type": "application/json", "Content-Encoding": "gzip", **(extra or {})}


def assert_error(r, status: int, code: str):
    assert r.status == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body


def test_a_gzip_body_is_analysed_as_the_same_page_sent_plain(server):
    plain = server.request("POST", "/api/analyze", json=PAGE)
    assert plain.status == 200, plain.text
    r = server.request("POST", "/api/analyze", data=gzip.compress(json.dumps(PAGE).encode()), headers=gz_headers())
    assert r.status == 200, r.text
    assert r.json()["links"] == plain.json()["links"] and r.json()["links"]
    assert r.json()["url"] == PAGE["url"]


def test_a_gzip_bomb_is_refused_with_413_in_the_one_error_shape(server):
    # 17 MiB of JSON (over the 16 MiB cap) in ~17 KB of gzip: the compressed body passes the gate.
    inner = b'{"url": "https://x.example/", "html": "' + b" " * (MAX_BODY + 1024 * 1024) + b'"}'
    bomb = gzip.compress(inner, compresslevel=9)
    assert len(bomb) < 100_000
    r = server.request("POST", "/api/analyze", data=bomb, headers=gz_headers())
    assert_error(r, 413, "too_large")
    assert "decompressed" in r.json()["error"]["message"]
    # The same refusal for any JSON route, and the server still answers afterwards.
    r = server.request("POST", "/api/candidates", data=bomb, headers=gz_headers())
    assert_error(r, 413, "too_large")
    assert server.request("GET", "/api/health").status == 200


def test_a_body_of_exactly_the_cap_inflates(server):
    """The cap is the plain body's: a gzip body that inflates to just under it is read whole (then judged as JSON)."""
    inner = b"[" + b" " * (MAX_BODY - 2) + b"]"
    assert len(inner) == MAX_BODY
    r = server.request("POST", "/api/analyze", data=gzip.compress(inner), headers=gz_headers())
    assert_error(r, 400, "bad_input")  # valid JSON, not an object: past the size check
    assert "object" in r.json()["error"]["message"]


@pytest.mark.parametrize("body", [
    b"not gzip at all",
    gzip.compress(json.dumps(PAGE).encode())[:-12],                  # cut short
    gzip.compress(json.dumps(PAGE).encode()) + b"trailing",          # data after the end
    zlib.compress(json.dumps(PAGE).encode()),                        # zlib framing, not gzip
], ids=["garbage", "truncated", "trailing", "zlib"])
def test_a_broken_gzip_body_is_a_400(server, body):
    assert_error(server.request("POST", "/api/analyze", data=body, headers=gz_headers()), 400, "bad_input")


def test_another_encoding_is_a_415(server):
    r = server.request("POST", "/api/analyze", data=json.dumps(PAGE).encode(), headers=gz_headers({"Content-Encoding": "br"}))
    assert_error(r, 415, "unsupported_media_type")
