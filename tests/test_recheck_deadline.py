"""One deadline per fetch: DNS, connect, headers and body inside `--timeout` × TOTAL_TIME_FACTOR.

httpx's timeouts are per socket operation, so a server that sends a byte every
second or two never trips them: a server dripping its headers one byte every 2 s
held a fetch with `--timeout 3` for 40 s (documented bound: 9 s). The system
resolver has no timeout a caller can set at all. Each case here is a real local
server (or DNS stub) doing that on purpose, and the fetch must end within the
bound (plus a little for the machine). Nothing leaves loopback: the DNS stub is
on 127.0.0.x and the network guard (tests/netguard.py) refuses any other lookup.
"""

from __future__ import annotations

import time

import pytest

from companion.monitor.fetch import TOTAL_TIME_FACTOR, FetchError, Fetcher
import dnsstub
from dnsstub import SilentDNS
from netguard import lookups
from test_recheck import LINK, seed
from websites import sites  # noqa: F401  (fixture)

TIMEOUT = 1.0
BOUND = TIMEOUT * TOTAL_TIME_FACTOR  # the README's bound: 3 × --timeout
SLACK = 1.5  # the machine's own time (2 cores shared by a team), far below what a drip adds (30 s and more)
DRIP = 0.25  # seconds between two bytes: each read answers well within TIMEOUT


def timed_fetch(url: str, **kw) -> tuple[float, FetchError | None]:
    """How long one `get` took (the client made before the clock starts), and its error."""
    with Fetcher(timeout=TIMEOUT, allow_private=True, **kw) as fetcher:
        start = time.monotonic()
        try:
            fetcher.get(url)
        except FetchError as exc:
            return time.monotonic() - start, exc
        return time.monotonic() - start, None


def test_a_server_dripping_its_headers_is_cut_at_the_bound(sites):  # noqa: F811
    site = sites.new()
    # ~30 s of headers at DRIP a byte: without the deadline the fetch waits for all of them
    url = site.route("/drip", body=b"<a href='https://mysite.test/a'>x</a>", drip=DRIP, dripped="headers",
                     headers={"X-Padding": "p" * 60})
    took, err = timed_fetch(url)
    assert took <= BOUND + SLACK, f"held {took:.1f} s (bound {BOUND:g} s)"
    assert err is not None and err.kind == "timeout", (took, err)
    assert "in all" in err.reason, err.reason  # the total limit, not one read's timeout
    assert site.requests("/drip")  # the server was reached and did drip


def test_a_server_dripping_its_body_is_cut_at_the_bound(sites):  # noqa: F811
    site = sites.new()
    url = site.route("/drip", body=b"x" * 200, drip=DRIP, dripped="body")  # 50 s of body
    took, err = timed_fetch(url)
    assert took <= BOUND + SLACK, f"held {took:.1f} s (bound {BOUND:g} s)"
    assert err is not None and err.kind == "timeout", (took, err)


def test_one_deadline_covers_every_redirect_hop(sites):  # noqa: F811
    """Five hops of 0.8 s each: no read waits over TIMEOUT, the fetch as a whole does (4 s > 3 s)."""
    site = sites.new()
    for i in range(5):
        site.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"}, delay=0.8)
    site.page("/r5", LINK)
    took, err = timed_fetch(site.url("/r0"))
    assert took <= BOUND + SLACK, f"held {took:.1f} s (bound {BOUND:g} s)"
    assert err is not None and err.kind == "timeout", (took, err)


def test_a_fast_page_is_not_cut(sites):  # noqa: F811
    """The deadline only ends what overruns it: a page dripped within the bound arrives whole."""
    site = sites.new()
    url = site.route("/slowish", body=b"y" * 8, drip=0.1, dripped="body")
    with Fetcher(timeout=TIMEOUT, allow_private=True) as fetcher:
        resp = fetcher.get(url)
    assert resp.status == 200 and resp.body == b"y" * 8


@pytest.fixture
def silent_dns(monkeypatch):
    stub = dnsstub.use(monkeypatch, SilentDNS())
    yield stub
    stub.close()


def test_a_dns_server_that_never_answers_is_given_up_at_the_bound(silent_dns):
    with lookups() as names:
        took, err = timed_fetch("http://never-answers.tierlink.test/page")
    assert err is not None and err.kind == "timeout", (took, err)
    assert "DNS lookup of never-answers.tierlink.test" in err.reason
    assert took <= BOUND + SLACK, f"held {took:.1f} s (bound {BOUND:g} s)"
    assert any(b"never-answers" in q for q in silent_dns.queries)  # asked the stub, which kept silent
    assert names == []  # and not the system's resolver


def test_recheck_reports_the_dripping_page_as_an_error_within_the_bound(cli, home, sites):  # noqa: F811
    """The issue's case through `tierlink recheck --timeout`: an error (never lost), in time."""
    site = sites.new()
    url = site.route("/drip", body=LINK.encode(), drip=DRIP, dripped="headers", headers={"X-Padding": "p" * 60})
    seed(home, [{"source_url": url}])
    start = time.monotonic()
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0", "--timeout", str(TIMEOUT))
    took = time.monotonic() - start
    assert took <= BOUND + 2 * SLACK + 1.0, f"the run took {took:.1f} s"  # + robots.txt and the run itself
    assert [e["url"] for e in summary["errors"]] == [url] and summary["changes"] == []
    assert "in all" in summary["errors"][0]["reason"]


SYSTEM_LOOKUP = """
import json, os, sys, time
from companion.monitor.fetch import FetchError, Fetcher
with Fetcher(timeout=float(sys.argv[1]), allow_private=True) as fetcher:
    start = time.monotonic()
    try:
        fetcher.get("http://never-answers.tierlink.test/")
        print(json.dumps({"took": time.monotonic() - start, "kind": None}))
    except FetchError as exc:
        print(json.dumps({"took": time.monotonic() - start, "kind": exc.kind, "reason": exc.reason}))
"""


def _private_resolv_conf_possible() -> str | None:
    """Why the system-resolver case cannot run here (None: it can)."""
    import os
    import shutil

    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "needs root and unshare(1) to give one process its own /etc/resolv.conf"
    try:
        hosts = next(line for line in open("/etc/nsswitch.conf") if line.startswith("hosts:")).split()[1:]
    except (OSError, StopIteration):
        return "no hosts line in /etc/nsswitch.conf"
    if any(s in hosts for s in ("resolve", "systemd")) or os.path.exists("/run/nscd/socket"):
        return "lookups here go through a resolver daemon, not /etc/resolv.conf"
    return None


def test_the_system_resolver_is_given_up_at_the_bound(tmp_path):
    """The default path (getaddrinfo, no timeout of its own), against the silent stub: one process
    runs in its own mount namespace where /etc/resolv.conf names only the stub (the machine's
    file is untouched), so glibc asks the stub and keeps waiting (5 s × 2 tries by default)."""
    import json
    import os
    import subprocess
    import sys

    why = _private_resolv_conf_possible()
    if why:
        pytest.skip(why)
    try:
        stub = SilentDNS("127.0.0.54", 53)  # glibc asks port 53, no other
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.54:53 ({exc})")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.54\noptions timeout:5 attempts:2\n")
    env = {k: v for k, v in os.environ.items() if k not in ("TIERLINK_FETCH_LOOPBACK_ONLY", "TIERLINK_DNS_SERVER")}
    try:
        proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               'mount --bind "$1" /etc/resolv.conf && exec "$2" -c "$3" "$4"', "sh",
                               str(resolv), sys.executable, SYSTEM_LOOKUP, str(TIMEOUT)],
                              capture_output=True, text=True, timeout=60, env=env)
    finally:
        stub.close()
    if proc.returncode != 0 and "mount" in proc.stderr:
        pytest.skip(f"no private mount namespace here: {proc.stderr.strip()[:200]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["took"] <= BOUND + SLACK, result
    assert result["kind"] == "timeout" and "DNS lookup of never-answers.tierlink.test" in result["reason"], result
    assert any(b"never-answers" in q for q in stub.queries)  # glibc asked the stub, which kept silent
