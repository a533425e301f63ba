"""Alert delivery through real receivers on loopback: a webhook server and an SMTP server (aiosmtpd).

Each receives exactly one delivery per change; a failing webhook is retried with
backoff until it takes it; a slow webhook never slows the recheck that made the
alert; the mail digest goes through STARTTLS with the password from the environment.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from companion.alerts import channels
from companion.alerts.delivery import mail, queue
from companion.monitor import recheck as recheck_mod
from companion.workspace import Workspace
from websites import sites  # noqa: F401  (fixture)

ME = "https://mysite.test/a"
STAMP = "2026-01-05"
LINK = f'<p>Read <a href="{ME}">alpha</a> and <a href="https://other.test/">other</a>.</p>'
NO_LINK = '<p>Only <a href="https://other.test/">other links</a> now.</p>'


class Receiver:
    """A webhook receiver on 127.0.0.20+: logs each POST's JSON; fails the first `fail` with 500, waits `delay`."""

    def __init__(self, address: str = "127.0.0.40", fail: int = 0, delay: float = 0.0):
        self.got: list[dict] = []
        self.tries: list[float] = []
        self.fail, self.delay = fail, delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.tries.append(time.monotonic())
                time.sleep(receiver.delay)
                if len(receiver.tries) <= receiver.fail:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                receiver.got.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{address}:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        made.append(Receiver(address=f"127.0.0.{40 + len(made)}", **kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


def setup(home, site, alerts: dict):
    pages = {name: site.page(f"/{name}", LINK) for name in ("one", "two")}
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"], "alerts": alerts})
        ws.store.merge_backlinks([{"source_url": url, "target_url": ME, "anchor": "alpha", "first_seen": STAMP,
                                   "last_seen": STAMP} for url in pages.values()], "ahrefs")
    return pages


def recheck(ws) -> tuple[dict, float]:
    start = time.monotonic()
    summary = ws.recheck(recheck_mod.Options(allow_private_hosts=True, delay=0.0, timeout=2.0))
    return summary, time.monotonic() - start


def test_the_webhook_gets_one_post_per_change_and_none_again(sites, home, receiver):  # noqa: F811
    site, hook = sites.new(), receiver()
    setup(home, site, {"webhook": {"url": hook.url}})
    with Workspace(home) as ws:
        worker = queue.start(ws.store, lambda: ws.profile, backoff=(0.2, 0.2))
        try:
            recheck(ws)  # all live: nothing to say
            site.page("/one", NO_LINK)
            recheck(ws)
            wait_for(lambda: len(hook.got) == 1, what="the webhook delivery")
            recheck(ws)  # the same loss again, and a second one on another page
            site.page("/two", NO_LINK)
            recheck(ws)
            wait_for(lambda: len(hook.got) == 2, what="the second delivery")
            time.sleep(0.5)
        finally:
            worker.stop()
    assert len(hook.got) == 2 and len(hook.tries) == 2
    first, second = hook.got
    assert first["text"] == f"Tierlink: Link lost: {site.url('/one')} → {ME}: the link is no longer on the page"
    assert first["content"] == first["text"]
    assert [(c["kind"], c["source_url"]) for c in first["changes"]] == [("link_lost", site.url("/one"))]
    assert [(c["kind"], c["source_url"]) for c in second["changes"]] == [("link_lost", site.url("/two"))]


def test_a_failing_webhook_is_retried_with_backoff_until_it_takes_it(sites, home, receiver):  # noqa: F811
    site, hook = sites.new(), receiver(fail=2)
    setup(home, site, {"webhook": {"url": hook.url}})
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        worker = queue.start(ws.store, lambda: ws.profile, backoff=(0.3, 0.6, 5.0))
        try:
            recheck(ws)
            wait_for(lambda: len(hook.got) == 1, what="the delivery after two failures")
        finally:
            worker.stop()
        [doc] = ws.store.all(queue.TABLE)
    assert len(hook.tries) == 3 and doc["state"] == "sent" and doc["attempts"] == 3
    gaps = [b - a for a, b in zip(hook.tries, hook.tries[1:])]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6, gaps  # the backoff grows between tries


def test_a_delivery_waits_in_the_store_until_a_worker_sends_it(sites, home, receiver):  # noqa: F811
    """A CLI recheck queues; no worker runs; the next `serve` (here: a worker) or `--deliver` sends it once."""
    site, hook = sites.new(), receiver()
    setup(home, site, {"webhook": {"url": hook.url}})
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        recheck(ws)
        assert [d["state"] for d in ws.store.all(queue.TABLE)] == ["pending"] and hook.tries == []
    with Workspace(home) as ws:  # another process, later
        assert ws.deliver_alerts() == {"pending": 0, "sent": 1, "failed": 0}
        assert ws.deliver_alerts() == {"pending": 0, "sent": 1, "failed": 0}
    assert len(hook.got) == 1


def test_a_slow_webhook_never_slows_the_recheck(sites, home, receiver):  # noqa: F811
    site, hook = sites.new(), receiver(delay=4.0)
    setup(home, site, {"webhook": {"url": hook.url}})
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        worker = queue.start(ws.store, lambda: ws.profile)
        try:
            summary, took = recheck(ws)
            assert [c["kind"] for c in summary["changes"]] == ["lost"]
            assert took < 2.0, f"the recheck took {took:.1f} s behind a receiver that answers in 4 s"
            wait_for(lambda: hook.tries, what="the POST to start")
            site.page("/two", NO_LINK)
            _, took2 = recheck(ws)  # while the worker is held by the slow POST
            assert took2 < 2.0, took2
            wait_for(lambda: len(hook.got) == 2, timeout=15, what="both deliveries")
        finally:
            worker.stop()


# -- mail -----------------------------------------------------------------------------------------

@pytest.fixture
def smtp(tmp_path, monkeypatch):
    """aiosmtpd on 127.0.0.50 with STARTTLS required and a login; its self-signed certificate trusted
    through SSL_CERT_FILE (OpenSSL's own variable, read when a default context is made)."""
    from aiosmtpd.controller import Controller
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.50", "-addext", "subjectAltName=IP:127.0.0.50", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-pw")

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                  "data": envelope.content.decode("utf-8", "replace"), "tls": session.ssl is not None})
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"me" and auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)

    import socket

    with socket.socket() as probe:  # a free port (the Controller checks it can connect, so not 0)
        probe.bind(("127.0.0.50", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    handler.port = port
    controller = Controller(handler, hostname="127.0.0.50", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield handler
    controller.stop()


def mail_settings(port):
    return {"host": "127.0.0.50", "port": port, "user": "me", "password_env": "TEST_SMTP_PASSWORD",
            "from": "tierlink@mysite.test", "to": ["me@mysite.test"], "hour": 0}


def test_the_daily_digest_goes_once_through_starttls_with_the_password_from_the_environment(sites, home, smtp):  # noqa: F811
    site = sites.new()
    setup(home, site, {"mail": mail_settings(smtp.port)})
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        site.page("/two", NO_LINK)
        recheck(ws)
        settings = ws.profile.alerts["mail"]
        assert mail.due(ws.store, settings)
        assert mail.send_digest(ws.store, settings) == 2
        assert not mail.due(ws.store, settings)  # once a day
        worker = queue.start(ws.store, lambda: ws.profile, poll=0.1)  # the serve worker finds nothing more to send today
        time.sleep(0.5)
        worker.stop()
        assert mail.send_digest(ws.store, settings) == 0  # forced: nothing new, nothing sent
    [msg] = smtp.messages
    assert msg["tls"] and msg["to"] == ["me@mysite.test"]
    assert "Subject: Tierlink: 2 changes to your links" in msg["data"]
    assert msg["data"].count("Link lost:") == 2 and site.url("/one") in msg["data"]
    assert "s3cret-pw" not in (home / "profile.json").read_text()


def read(messages: list[dict]) -> tuple[str, str]:
    """The one message received: its subject and its text, decoded as a mail reader shows them."""
    [msg] = messages
    parsed = email.message_from_string(msg["data"], policy=email.policy.default)
    return parsed["Subject"], parsed.get_content()


def contacted(ws, url: str, follow_up: str) -> dict:
    """A saved candidate moved to `contacted` with its follow-up day."""
    c, _ = ws.save_candidate(url, "tier2")
    return ws.update_candidate(c["id"], {"status": "contacted", "follow_up": follow_up})


def test_the_digest_lists_the_follow_ups_due_today(sites, home, smtp):  # noqa: F811
    """The day's digest also says which pitches to write to again (what `tierlink due` lists), in a
    section of its own under the changes; one due tomorrow is not in it."""
    site = sites.new()
    setup(home, site, {"mail": mail_settings(smtp.port)})
    today = datetime.now(timezone.utc).date()
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        recheck(ws)
        overdue = contacted(ws, "https://overdue.test/post", (today - timedelta(days=2)).isoformat())
        due = contacted(ws, "https://due.test/post", today.isoformat())
        later = contacted(ws, "https://later.test/post", (today + timedelta(days=1)).isoformat())
        assert [c["url"] for c in ws.due()] == [overdue["url"], due["url"]]
        assert mail.send_digest(ws.store, ws.profile.alerts["mail"]) == 3  # one change, two follow-ups
    subject, data = read(smtp.messages)
    assert subject.startswith("Tierlink: Link lost:") and subject.endswith("; 2 follow-ups due today"), subject
    changes, _, follow_ups = data.partition("2 follow-ups due today (contacted, no answer yet")
    assert "1 change since the last digest:" in changes and "Link lost:" in changes and follow_ups
    assert follow_ups.index(overdue["url"]) < follow_ups.index(due["url"])
    assert f"(follow-up {(today - timedelta(days=2)).isoformat()}; pitched by" in follow_ups
    assert later["url"] not in data


def test_follow_ups_due_alone_still_make_the_digest(sites, home, smtp):  # noqa: F811
    """No new alert but a pitch to write to again today: the digest goes, once, with only that."""
    site = sites.new()
    setup(home, site, {"mail": mail_settings(smtp.port)})
    today = datetime.now(timezone.utc).date().isoformat()
    with Workspace(home) as ws:
        due = contacted(ws, "https://due.test/post", today)
        settings = ws.profile.alerts["mail"]
        assert mail.send_digest(ws.store, settings) == 1
        assert not mail.due(ws.store, settings)  # once a day
    subject, data = read(smtp.messages)
    assert subject == "Tierlink: 1 follow-up due today" and due["url"] in data
    assert "0 changes since the last digest" in data


def test_the_worker_sends_the_digest_when_due(sites, home, smtp):  # noqa: F811
    site = sites.new()
    setup(home, site, {"mail": mail_settings(smtp.port)})
    with Workspace(home) as ws:
        recheck(ws)
        site.page("/one", NO_LINK)
        recheck(ws)
        worker = queue.start(ws.store, lambda: ws.profile, poll=0.1)
        try:
            wait_for(lambda: smtp.messages, what="the digest")
            time.sleep(0.5)
        finally:
            worker.stop()
    assert len(smtp.messages) == 1 and "Link lost:" in smtp.messages[0]["data"]


def test_mail_test_and_its_failures_in_one_line(home, smtp, monkeypatch):
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"], "alerts": {"mail": mail_settings(smtp.port)}})
        assert ws.test_alert_channel("mail")["sent"] is True
        assert "a test of Tierlink" in smtp.messages[-1]["data"]
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        with pytest.raises(channels.DeliveryFailed, match="refused the login of me"):
            ws.test_alert_channel("mail")
        monkeypatch.delenv("TEST_SMTP_PASSWORD")
        with pytest.raises(channels.DeliveryFailed, match="not in the environment variable TEST_SMTP_PASSWORD"):
            ws.test_alert_channel("mail")
        monkeypatch.delenv("SSL_CERT_FILE")  # an untrusted certificate: refused, never sent in clear
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-pw")
        with pytest.raises(channels.DeliveryFailed, match="TLS with 127.0.0.50 failed"):
            ws.test_alert_channel("mail")
    assert len(smtp.messages) == 1


def test_webhook_test_button(home, receiver):
    hook = receiver()
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"], "alerts": {"webhook": {"url": hook.url}}})
        assert ws.test_alert_channel("webhook")["sent"] is True
        ws.set_profile({"domains": ["mysite.test"], "alerts": {"webhook": {"url": "http://127.0.0.1:9/none"}}})
        with pytest.raises(channels.DeliveryFailed, match="no answer from the webhook"):
            ws.test_alert_channel("webhook")
    assert hook.got[0]["test"] is True and "test" in hook.got[0]["text"]


# -- the extension's desktop notification ---------------------------------------------------------

@pytest.mark.browser
def test_the_extension_raises_a_desktop_notification_for_a_new_alert(sites, tmp_path):  # noqa: F811
    from extensionutil import CHROMIUM, Companion, chromium_with_extension

    if not __import__("pathlib").Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    home = tmp_path / "home"
    site = sites.new()
    pages = setup(home, site, {"desktop": True})
    with Companion(home) as srv:
        def recheck_now():
            srv.api("POST", "/api/recheck", json={"allow_private_hosts": True, "delay": 0}, expect=202)
            wait_for(lambda: srv.api("GET", "/api/recheck")["state"] == "done", what="the recheck")

        recheck_now()
        with chromium_with_extension(tmp_path / "profile") as browser:
            browser.configure(companionUrl=srv.base_url, token=srv.token)
            assert browser.eval("async () => (await chrome.alarms.get('tierlink-alerts'))?.periodInMinutes") == 1
            first = browser.eval("() => tierlinkAlerts.poll()")  # learns where "now" is: nothing to say
            assert first.get("error") is None and first["notify"] is None, first
            site.page("/one", NO_LINK)
            recheck_now()
            plan = browser.eval("() => tierlinkAlerts.poll()")
            assert plan.get("error") is None, plan
            raised = browser.eval("() => tierlinkAlerts.raised")
            assert [(r["title"], r["message"]) for r in raised] == [
                ("Tierlink: a link changed", f"Link lost: {pages['one']} → {ME}: the link is no longer on the page")]
            assert browser.eval("() => chrome.action.getBadgeText({})") == "1"
            # a look later: no second notification for the same alert
            browser.eval("() => tierlinkAlerts.poll()")
            assert len(browser.eval("() => tierlinkAlerts.raised")) == 1
            # seen in the dashboard: the badge empties at the next look
            srv.api("POST", "/api/alerts/seen", json={})
            browser.eval("() => tierlinkAlerts.poll()")
            assert browser.eval("() => chrome.action.getBadgeText({})") == ""
            # the dashboard's "Send a test": one test notification
            srv.api("POST", "/api/alerts/test", json={"channel": "desktop"})
            browser.eval("() => tierlinkAlerts.poll()")
            assert browser.eval("() => tierlinkAlerts.raised")[-1]["title"] == "Tierlink: test notification"


def test_deliveries_done_long_ago_are_dropped(home):
    """The queue's table keeps a week of sent deliveries, so it never grows without end."""
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        old = ws.store.insert(queue.TABLE, {"channel": "webhook", "state": "sent", "created_at": "2020-01-01T00:00:00.000000Z"})
        fresh = ws.store.insert(queue.TABLE, {"channel": "webhook", "state": "sent", "created_at": "2999-01-01T00:00:00.000000Z"})
        queue.send_due(ws.store)
        assert [d["id"] for d in ws.store.all(queue.TABLE)] == [fresh["id"]] and old["id"] != fresh["id"]
