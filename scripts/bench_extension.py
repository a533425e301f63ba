#!/usr/bin/env python3
"""Benchmark: what the extension costs a page in Debian's Chromium, and how soon its badge is set.

30 corpus pages (spread over the corpus by size, the largest included) are served
from 127.0.0.2 — a host the extension has no permission for, as a site on the web
— and opened in Chromium under Playwright, each in a fresh tab, in one run of
several browsers side by side: one without any extension, one per extension
folder (this checkout's `extension/` and each `--extension-dir`, e.g. a throwaway
worktree of main's, for before/after in the same run). Visits are interleaved
(page by page, the browsers' order rotating) and repeated `--repeat` times.

Measured per visit:
- `load`: the navigation's `loadEventStart` (ms from its start), in every browser;
- load → badge: the time from the page's `load` event (Date.now() in an init
  script) to the worker's last `chrome.action.setBadgeText` call for that tab
  (the bench wraps `setBadgeText` in the worker: Date.now() at the call).

Printed per extension: the ratio of the mean of per-page median loads with the
extension to the same without it, the ms added, the worst page's ratio; load →
badge median, p90, and the largest page's median. The load average before and
after. The companion is a real `tierlink serve` on 127.0.0.1 with a domain set.
No packet leaves loopback: every host name resolves to nothing and every other
address goes to a closed proxy port.

Usage: scripts/bench_extension.py [--pages 30] [--repeat 5] [--extension-dir DIR ...]
Exit status 2 if the corpus or Chromium is absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from serverutil import CompanionServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
CHROMIUM = "/usr/bin/chromium"
SITE_HOST = "127.0.0.2"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {SITE_HOST}, EXCLUDE 127.0.0.1",
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;127.0.0.2"]
LOAD_MARK = "addEventListener('load', () => { window.__benchLoadWall = Date.now(); }, { once: true });"
WRAP_BADGE = """() => {
    if (globalThis.__benchBadge) return false;
    globalThis.__benchBadge = [];
    const set = chrome.action.setBadgeText.bind(chrome.action);
    chrome.action.setBadgeText = (details, ...rest) => {
        globalThis.__benchBadge.push({ tabId: details.tabId, text: details.text, t: Date.now() });
        return set(details, ...rest);
    };
    const fetch0 = globalThis.fetch;
    globalThis.fetch = async (...a) => {
        const start = Date.now();
        try { return await fetch0.apply(globalThis, a); }
        finally { if (String(a[0]).endsWith('/api/analyze')) globalThis.__benchFetch.push({ start, end: Date.now() }); }
    };
    globalThis.__benchFetch = [];
    globalThis.__benchMsg = [];
    chrome.runtime.onMessage.addListener((msg, sender) => {
        if (msg?.type === 'page-loaded') globalThis.__benchMsg.push({ tabId: sender.tab.id, t: Date.now() });
        return false;
    });
    return true; }"""
BADGE_OF = """async (url) => {
    const all = await chrome.storage.session.get(null);  // (no tab.url: the site is not a permitted host)
    const key = Object.keys(all).find((k) => k.startsWith('tab:') && all[k]?.url === url);
    if (!key) return null;
    const tabId = Number(key.slice(4));
    const calls = (globalThis.__benchBadge ?? []).filter((c) => c.tabId === tabId && c.t >= all[key].at);
    if (!calls.length) return null;
    const msg = globalThis.__benchMsg.filter((m) => m.tabId === tabId).at(-1);
    const f = globalThis.__benchFetch.filter((x) => msg && x.start >= msg.t).at(0);
    return { t: calls.at(-1).t, text: calls.at(-1).text, msg: msg?.t, fetchStart: f?.start, fetchEnd: f?.end }; }"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pick_pages(n: int) -> list[Path]:
    """`n` pages spread evenly over the corpus sorted by size, smallest and largest included."""
    pages = sorted(CORPUS.glob("*.html"), key=lambda p: p.stat().st_size)
    if len(pages) <= n:
        return pages
    return [pages[round(i * (len(pages) - 1) / (n - 1))] for i in range(n)]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


class Arm:
    """One Chromium: without an extension (`folder` None) or with one unpacked extension folder."""

    def __init__(self, pw, name: str, folder: Path | None, profile: Path):
        self.name, self.folder = name, folder
        args = list(FLAGS)
        if folder is not None:
            args += [f"--disable-extensions-except={folder}", f"--load-extension={folder}"]
        self.context = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                             args=args)
        self.context.add_init_script(LOAD_MARK)
        self.loads: dict[str, list[float]] = {}
        self.badges: dict[str, list[float]] = {}
        self.phases: dict[str, list[tuple]] = {}

    def worker(self):
        for w in self.context.service_workers:
            if w.url.startswith("chrome-extension://"):
                return w
        return self.context.wait_for_event("serviceworker", timeout=15000)

    def configure(self, companion: CompanionServer) -> None:
        self.worker().evaluate("s => chrome.storage.local.set(s)", {
            "companionUrl": companion.base_url, "token": companion.token, "autoAnalyze": True, "exclude": []})

    def visit(self, name: str, url: str) -> None:
        if self.folder is not None:
            self.worker().evaluate(WRAP_BADGE)  # again after a worker restart, else a no-op
        page = self.context.new_page()
        try:
            page.goto(url, wait_until="load", timeout=60000)
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart")
            load_wall = page.evaluate("window.__benchLoadWall")
            self.loads.setdefault(name, []).append(load)
            if self.folder is None:
                return
            deadline = time.monotonic() + 20
            badge = None
            while time.monotonic() < deadline:
                badge = self.worker().evaluate(BADGE_OF, url)
                if badge:
                    break
                time.sleep(0.02)
            if not badge:
                raise RuntimeError(f"{self.name}: no badge for {url} within 20 s")
            self.badges.setdefault(name, []).append(badge["t"] - load_wall)
            if badge.get("msg") and badge.get("fetchEnd"):  # where the time goes (page-loaded after load only)
                self.phases.setdefault(name, []).append((badge["msg"] - load_wall, badge["fetchStart"] - badge["msg"],
                                                         badge["fetchEnd"] - badge["fetchStart"],
                                                         badge["t"] - badge["fetchEnd"]))
        finally:
            page.close()

    def close(self) -> None:
        self.context.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--extension-dir", action="append", default=[], type=Path,
                    help="another unpacked extension to measure in the same run (e.g. main's, for before/after)")
    args = ap.parse_args()
    if not CORPUS.is_dir() or not Path(CHROMIUM).exists():
        print(f"bench_extension: needs the corpus ({CORPUS}) and {CHROMIUM}; skipped", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    pages = pick_pages(args.pages)
    largest = max(pages, key=lambda p: p.stat().st_size).name
    site = ThreadingHTTPServer((SITE_HOST, 0), partial(_Quiet, directory=str(CORPUS)))
    site.daemon_threads = True
    threading.Thread(target=site.serve_forever, daemon=True).start()
    base = f"http://{SITE_HOST}:{site.server_address[1]}"
    folders = [("this", ROOT / "extension")] + [(f"dir{i + 1}", d.resolve()) for i, d in enumerate(args.extension_dir)]
    print(f"{len(pages)} corpus pages ({sum(p.stat().st_size for p in pages) / 1e6:.1f} MB, largest {largest} "
          f"{max(p.stat().st_size for p in pages) / 1e6:.2f} MB), {args.repeat} visits each per browser")
    for name, folder in folders:
        print(f"  extension {name}: {folder}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="tierlink-benchext-") as tmp, sync_playwright() as pw:
        companion = CompanionServer(Path(tmp) / "home").start()
        arms: list[Arm] = []
        try:
            companion.api("PUT", "/api/profile", json={"domains": ["example.com"]})
            arms.append(Arm(pw, "none", None, Path(tmp) / "p-none"))
            for name, folder in folders:
                arm = Arm(pw, name, folder, Path(tmp) / f"p-{name}")
                arm.configure(companion)
                arms.append(arm)
            for arm in arms:  # warm-up: first loads, the worker's caches, the companion
                for page in pages[:3]:
                    arm.visit("warm-up", f"{base}/{page.name}?warm-up")
                arm.loads.pop("warm-up", None), arm.badges.pop("warm-up", None)
            started = time.monotonic()
            for rep in range(args.repeat):
                for i, page in enumerate(pages):
                    k = (rep + i) % len(arms)
                    for arm in arms[k:] + arms[:k]:
                        arm.visit(page.name, f"{base}/{page.name}?{arm.name}-{rep}")
            elapsed = time.monotonic() - started
        finally:
            for arm in arms:
                arm.close()
            companion.stop()
            site.shutdown()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({elapsed:.0f} s of visits)")

    none = {name: statistics.median(v) for name, v in arms[0].loads.items()}
    base_mean = statistics.mean(none.values())
    print(f"\nwithout the extension: load, mean of per-page medians {base_mean:.1f} ms")
    print(f"{'extension':<10} {'load ×':>7} {'+ms':>6} {'worst page':>24} {'badge med':>10} {'p90':>6} "
          f"{'largest':>8}  (goals: ≤ 1.02× / ≤ +3 ms; ≤ 20 ms median, ≤ 50 ms largest)")
    for arm in arms[1:]:
        med = {name: statistics.median(v) for name, v in arm.loads.items()}
        mean = statistics.mean(med.values())
        worst = max(med, key=lambda n: med[n] / none[n])
        badges = [statistics.median(v) for v in arm.badges.values()]
        every = [b for v in arm.badges.values() for b in v]
        print(f"{arm.name:<10} {mean / base_mean:>6.3f}× {mean - base_mean:>+6.1f} "
              f"{med[worst] / none[worst]:>6.2f}× {worst[:16]:>16} {statistics.median(badges):>8.1f}ms "
              f"{pct(every, 90):>6.1f} {statistics.median(arm.badges[largest]):>7.1f}")
    print("\nload → badge in parts, medians in ms (load → page copy at the worker, → fetch start, fetch, → badge);"
          " only where the copy is sent after load")
    for arm in arms[1:]:
        every = [p for v in arm.phases.values() for p in v]
        big = arm.phases.get(largest, [])
        if every:
            parts = " / ".join(f"{statistics.median(x[i] for x in every):.0f}" for i in range(4))
            line = f"{arm.name:<10} all pages {parts}"
            if big:
                line += "; largest " + " / ".join(f"{statistics.median(x[i] for x in big):.0f}" for i in range(4))
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
