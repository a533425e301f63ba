"""The companion as an attacker sees it: every request below comes over real HTTP
to a real `tierlink serve` and must be refused with the right 4xx — never a 5xx,
never an HTML page, never a CORS header — while the extension's and the
dashboard's own requests pass (docs/SECURITY.md, points 1-9 and 17-18).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import stat
import threading

import pytest

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def assert_refused(r, status: int, code: str | None = None):
    """The refusal has the status, the one JSON error shape, the security headers, no CORS."""
    assert r.status == status, f"expected {status}, got {r}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    err = r.json()["error"]
    assert set(err) == {"code", "message"} and err["message"], err
    if code:
        assert err["code"] == code, err
    assert_common_headers(r)


def assert_common_headers(r):
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (name, r.headers)
    assert not any(k.lower().startswith("access-control-") for k in r.headers.keys()), r.headers


# --- Host: checked first, on every path ----------------------------------------

@pytest.mark.parametrize("path", ["/api/health", "/api/profile", "/", "/static/app.js", "/api/nope", "/nope"])
@pytest.mark.parametrize("host", ["evil.com", "", ":{port}", "127.0.0.1", "localhost", "127.0.0.1:{other}",
                                  "127.0.0.1:{port}.evil.com", "evil.com:{port}", "0.0.0.0:{port}",
                                  "127.0.0.2:{port}", "LOCALHOST:{port}x", "[::1]"])
def test_bad_host_is_refused_everywhere(server, host, path):
    host = host.format(port=server.port, other=server.port + 1)
    r = server.request("GET", path, headers={"Host": host})
    assert_refused(r, 403, "bad_host")


def test_missing_host_is_refused(server):
    r = server.request("GET", "/api/health", headers={"Host": None})
    assert_refused(r, 403, "bad_host")


def test_rebinding_with_matching_origin_is_refused(server):
    # Under DNS rebinding the browser sends Host: evil.com and Origin: http://evil.com:
    # they match each other, which must never count for anything.
    r = server.request("GET", "/api/profile", headers={"Host": "evil.com", "Origin": "http://evil.com"})
    assert_refused(r, 403, "bad_host")
    r = server.request("GET", "/api/profile", headers={"Host": f"evil.com:{server.port}",
                                                        "Origin": f"http://evil.com:{server.port}"})
    assert_refused(r, 403, "bad_host")


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_loopback_hosts_are_accepted(server, host):
    r = server.request("GET", "/api/profile", headers={"Host": host.format(port=server.port)})
    assert r.status == 200, r
    assert_common_headers(r)


# --- Origin: a deny-list of web origins ------------------------------------------

@pytest.mark.parametrize("origin", ["https://evil.com", "http://evil.com", "https://127.0.0.1.evil.com",
                                    "http://127.0.0.1:{port}.evil.com", "http://127.0.0.1:{port}/",
                                    "https://127.0.0.1:{port}", "http://127.0.0.1", "http://127.0.0.1:{other}",
                                    "http://[::1]:{other}", "chrome-extension://abc.evil.com",
                                    "chrome-extension://abc/", "moz-extension://", "file://", "", "NULL",
                                    "http://localhost:{port}@evil.com"])
def test_web_origins_are_refused(server, origin):
    origin = origin.format(port=server.port, other=server.port + 1)
    r = server.request("GET", "/api/profile", headers={"Origin": origin})
    assert_refused(r, 403, "bad_origin")


@pytest.mark.parametrize("origin", ["chrome-extension://abcdefghijklmnopabcdefghijklmnop",
                                    "chrome-extension://abc",
                                    "moz-extension://2f8a4b7e-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "null",
                                    "http://127.0.0.1:{port}", "http://localhost:{port}"])
def test_extension_and_dashboard_origins_with_token_pass(server, origin):
    r = server.request("PUT", "/api/profile", json={"domains": ["mysite.test"]},
                       headers={"Origin": origin.format(port=server.port)})
    assert r.status == 200, r
    assert r.json()["domains"] == ["mysite.test"]
    assert_common_headers(r)


def test_preflight_from_a_web_origin_is_refused_without_cors(server):
    r = server.request("OPTIONS", "/api/analyze", headers={
        "Origin": "https://evil.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type", "Authorization": None})
    assert_refused(r, 403, "bad_origin")


def test_no_cors_header_even_for_allowed_origins(server):
    for method in ("OPTIONS", "GET"):
        r = server.request(method, "/api/profile", headers={"Origin": "chrome-extension://abc"})
        assert r.status == 200, r
        assert_common_headers(r)


# --- the token --------------------------------------------------------------------

def test_health_needs_no_token(server):
    r = server.request("GET", "/api/health", headers={"Authorization": None})
    assert r.status == 200 and r.json()["status"] == "ok" and r.json()["version"]
    assert_common_headers(r)


@pytest.mark.parametrize("path", ["/api/profile", "/api/backlinks", "/api/boost", "/api/openapi.json", "/api/nope"])
def test_no_token_is_401(server, path):
    assert_refused(server.request("GET", path, headers={"Authorization": None}), 401, "unauthorized")


@pytest.mark.parametrize("value", ["Bearer wrong", "Bearer ", "Bearer", "{token}", "Basic {token}",
                                   "Bearer {token}x", "Bearer {short}", "Token {token}", "Bearer  x{token}"])
def test_wrong_token_is_401(server, value):
    value = value.format(token=server.token, short=server.token[:-1])
    assert_refused(server.request("GET", "/api/profile", headers={"Authorization": value}), 401)


@pytest.mark.parametrize("value", ["Bearer tökén-ünïcødé", b"Bearer \xff\xfe\x80\xc3(", "Bearer \u00e9{token}"])
def test_non_ascii_token_is_401_not_500(server, value):
    if isinstance(value, str):
        value = value.format(token=server.token).encode("latin-1")
    assert_refused(server.request("GET", "/api/profile", headers={"Authorization": value}), 401)


def test_token_in_a_cookie_does_not_authenticate(server):
    for cookie in (f"token={server.token}", f"Authorization=Bearer {server.token}", f"tierlink={server.token}"):
        r = server.request("GET", "/api/profile", headers={"Authorization": None, "Cookie": cookie})
        assert_refused(r, 401)


def test_token_in_the_query_string_does_not_authenticate(server):
    for query in (f"token={server.token}", f"access_token={server.token}", f"authorization=Bearer%20{server.token}"):
        r = server.request("GET", f"/api/profile?{query}", headers={"Authorization": None})
        assert_refused(r, 401)


def test_bearer_scheme_is_case_insensitive(server):
    r = server.request("GET", "/api/profile", headers={"Authorization": f"bearer {server.token}"})
    assert r.status == 200, r


def test_token_file_is_private(server):
    mode = stat.S_IMODE((server.home / "token").stat().st_mode)
    assert mode == 0o600, oct(mode)


def test_no_route_hands_out_the_token(server):
    for path in ("/", "/api/health", "/api/openapi.json", "/api/profile"):
        r = server.request("GET", path)
        assert server.token not in r.text, path


# --- bodies: size, JSON, content type -------------------------------------------------

def raw_exchange(port: int, head: bytes, body_chunks) -> tuple[int, dict, bytes]:
    """Send head + body from a thread while reading the answer: a server that refuses
    early (413 from the headers) answers before the body is sent, then closes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)

    def send():
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server refused and closed: expected

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        res = http.client.HTTPResponse(sock)
        res.begin()
        body = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, body
    finally:
        sock.close()
        sender.join(timeout=30)


FIFTY_MB = 50 * 1024 * 1024
MIB = b"x" * (1024 * 1024)


def _head(server, extra: str) -> bytes:
    return (f"PUT /api/profile HTTP/1.1\r\nHost: {server.host}\r\nAuthorization: Bearer {server.token}\r\n"
            f"Content-Type: application/json\r\n{extra}\r\n").encode()


def test_50mb_body_with_content_length_is_413(server):
    status, headers, body = raw_exchange(server.port, _head(server, f"Content-Length: {FIFTY_MB}\r\n"),
                                         (MIB for _ in range(50)))
    assert status == 413, body[:300]
    assert headers["content-type"].startswith("application/json")
    assert "error" in __import__("json").loads(body)
    assert headers.get("x-content-type-options") == "nosniff"


def test_50mb_chunked_body_is_413(server):
    chunks = (b"%x\r\n%s\r\n" % (len(MIB), MIB) for _ in range(50))
    status, headers, body = raw_exchange(server.port, _head(server, "Transfer-Encoding: chunked\r\n"),
                                         (c for part in (chunks, [b"0\r\n\r\n"]) for c in part))
    assert status == 413, body[:300]
    assert headers["content-type"].startswith("application/json")
    assert "access-control-allow-origin" not in headers


def test_server_still_answers_after_big_bodies(server):
    assert server.request("GET", "/api/health").status == 200


@pytest.mark.parametrize("path,method", [("/api/profile", "PUT"), ("/api/analyze", "POST")])
@pytest.mark.parametrize("body", [b"[" * 5000, b"{\"a\":" * 5000, b'{"domains": NaN}', b'{"x": Infinity}',
                                  b'{"x": -Infinity}', b"[NaN]", b"{", b"", b"not json", b"\xff\xfe{}",
                                  b'{"a": 1} trailing', b"[]", b'"a string"', b"null", b"42"])
def test_bad_json_is_400(server, path, method, body):
    r = server.request(method, path, data=body, headers={"Content-Type": "application/json"})
    assert_refused(r, 400)


@pytest.mark.parametrize("payload", [{"url": 5, "html": "<p>"}, {"url": "https://a.test/", "html": 5},
                                     {"url": "javascript:alert(1)", "html": "<p>"}, {"html": "<p>"},
                                     {"url": "https://a.test/"}, {"url": ["https://a.test/"], "html": "<p>"},
                                     {"url": "https://a.test/" + "a" * 9000, "html": "x"}])
def test_wrong_types_for_analyze_are_400(server, payload):
    assert_refused(server.request("POST", "/api/analyze", json=payload), 400)


@pytest.mark.parametrize("payload", [{"domains": "mysite.test"}, {"domains": [5]}, {"guest_post_link_limit": "2"},
                                     {"money_pages": "x"}, {"money_pages": [5]}, {"weights": []}])
def test_wrong_types_for_profile_are_400(server, payload):
    assert_refused(server.request("PUT", "/api/profile", json=payload), 400)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                   None, "application/jsonx", "text/json"])
def test_wrong_content_type_is_415(server, ctype):
    r = server.request("PUT", "/api/profile", data=b'{"domains": []}', headers={"Content-Type": ctype})
    assert_refused(r, 415, "unsupported_media_type")


def test_json_content_type_with_charset_is_fine(server):
    r = server.request("PUT", "/api/profile", data=b'{"domains": ["mysite.test"]}',
                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 200, r


def test_unknown_routes_and_methods_are_json(server):
    assert_refused(server.request("GET", "/api/nope"), 404, "not_found")
    assert_refused(server.request("GET", "/nope"), 404, "not_found")
    r = server.request("DELETE", "/api/profile")
    assert_refused(r, 405, "method_not_allowed")
    assert "PUT" in r.headers.get("Allow", "")


@pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "limit=99999999999999999999999", "limit=1.5", "limit="])
def test_bad_query_values_are_400(server, query):
    assert_refused(server.request("GET", f"/api/boost?{query}"), 400)


def test_bad_status_filter_is_400(server):
    assert_refused(server.request("GET", "/api/backlinks?status=dead"), 400)


# --- the dashboard shell goes through the same gate ----------------------------------

def test_index_page_has_security_headers(server):
    r = server.request("GET", "/", headers={"Authorization": None})
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert_common_headers(r)


# --- logs ------------------------------------------------------------------------------

def test_logs_name_requests_but_never_the_token_or_content(server):
    marker = "SECRET-PAGE-CONTENT-7f3a"
    server.request("POST", "/api/analyze", json={"url": "https://a.test/", "html": f"<p>{marker}</p>"})
    server.request("GET", f"/api/profile?token={server.token}", headers={"Authorization": None})
    server.request("PUT", "/api/profile", json={"domains": [marker.lower() + ".test"]})
    log = server.output(limit=None)
    assert re.search(r"GET /api/profile 401 [\d.]+ms", log), log
    assert re.search(r"PUT /api/profile 200 [\d.]+ms", log), log
    assert marker not in log and marker.lower() not in log
    # The token appears only in what `serve` prints for the user at start, never in a log line.
    lines = [line for line in log.splitlines() if server.token in line]
    assert len(lines) == 2 and all(not re.match(r"\d{4}-\d\d-\d\d", line) for line in lines), lines


# --- path tricks and waitress's own refusals ---------------------------------------------

@pytest.mark.parametrize("path", ["//api/profile", "/api/profile/", "/api//profile", "/api/./profile",
                                  "/static/../api/profile", "/api/%70rofile", "/API/profile", "/nope"])
def test_path_tricks_never_reach_data_without_the_token(server, path):
    r = server.request("GET", path, headers={"Authorization": None})
    assert r.status in (401, 404), r
    assert b"domains" not in r.body
    assert_common_headers(r)


def test_oversized_headers_are_refused_as_json(server):
    r = server.request("GET", "/api/profile", headers={"X-Padding": "a" * 300_000})
    assert r.status == 431, r
    assert r.json()["error"]["code"] == "headers_too_large"
    assert_common_headers(r)


def test_malformed_request_is_refused_as_json(server):
    status, headers, body = raw_exchange(server.port, f"GET /api/health HTTP/1.1\r\nHost: {server.host}\r\n"
                                         f"Content-Length: nope\r\n\r\n".encode(), [])
    assert status == 400, body
    assert headers["content-type"].startswith("application/json") and b'"error"' in body


# --- every described operation, the same gates (routes added later are covered too) ---------

def _operations():
    from companion.web.openapi import spec

    for path, ops in spec()["paths"].items():
        for method in ops:
            yield method.upper(), re.sub(r"\{[^}]+\}", "x1", path)


@pytest.mark.parametrize("method,path", sorted(set(_operations())))
def test_every_operation_is_gated_and_answers_json(server, method, path):
    assert_refused(server.request(method, path, headers={"Host": "evil.com"}), 403, "bad_host")
    assert_refused(server.request(method, path, headers={"Origin": "https://evil.com"}), 403, "bad_origin")
    if path != "/api/health":
        assert_refused(server.request(method, path, headers={"Authorization": None}), 401, "unauthorized")
        assert_refused(server.request(method, path, headers={"Authorization": "Bearer nope"}), 401)
    if method in ("POST", "PUT", "PATCH"):
        for body in (b"[" * 5000, b'{"a": NaN}', b"{"):
            r = server.request(method, path, data=body, headers={"Content-Type": "application/json"})
            assert 400 <= r.status < 500, (body[:10], r)
            assert_refused(r, r.status)


# --- odd text: lone surrogates are valid JSON escapes but not text ------------------------

@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/analyze", rb'{"url": "https://a.test/", "html": "<title>\ud83d</title><a href=\"https://x.test/\ud800\">\udcff</a>"}'),
    ("POST", "/api/analyze", rb'{"url": "https://a.test/\ud800", "html": "<p>"}'),
    ("PUT", "/api/profile", rb'{"domains": ["a.com"], "money_pages": [{"url": "https://a.com/\udc00", "keywords": ["\ud800"]}]}'),
])
def test_lone_surrogates_never_cause_a_5xx(server, method, path, body):
    r = server.request(method, path, data=body, headers={"Content-Type": "application/json"})
    assert r.status < 500, r
    r.json()  # valid UTF-8 JSON
    assert "unexpected" not in server.output(limit=2000)


def test_paired_surrogate_escapes_are_kept(server):
    r = server.request("POST", "/api/analyze", data=rb'{"url": "https://a.test/", "html": "<title>\ud83d\ude00</title>"}',
                       headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.json()["title"] == "\U0001F600", r


def test_an_answer_with_a_lone_surrogate_is_escaped_not_a_500(tmp_path):
    from companion.web.app import create_app

    app = create_app(tmp_path / "home", 8765)
    with app.app_context():
        response = app.json.response({"title": "a\ud800b", "ok": "é"})
    assert response.status_code == 200
    assert json.loads(response.get_data()) == {"title": "a\ud800b", "ok": "é"}


@pytest.mark.parametrize("body", [b'{"url": "https://a.test/", "html": "\xed\xa0\x80"}',
                                  '{"url": "https://a.test/", "html": "x"}'.encode("utf-16"),
                                  b'\xef\xbb\xbf{"url": "https://a.test/", "html": "x"}'])
def test_bodies_must_be_utf8(server, body):
    r = server.request("POST", "/api/analyze", data=body, headers={"Content-Type": "application/json"})
    assert_refused(r, 400)
