#!/usr/bin/env python3
"""Benchmark: a recheck of 2,000 pages with alerts on, side by side with the same recheck without.

Goal (issue 26): alerts cost a recheck at most 5% (≤ 1.05×). The pages are
bench_recheck.py's (real HTTP servers in a child process on 127.0.1.1 … 127.0.1.40,
keep-alive, ~6 KB pages with 30 links), and 10% of them answer 404 so the run loses
200 links: 200 alerts to make, dedupe and queue. "On": the alert hook runs after the
recheck, a webhook is set (a receiver on 127.0.0.60 that takes 0.2 s per POST) and the
delivery worker runs; "off": the hook is replaced by a no-op for that run. Each run
gets a fresh data home seeded the same way (through the Store's public API); runs
alternate off, on, off, on, … so a slower minute of the shared machine hits both. On
a shared machine the wall times swing more than 5% between two identical runs, so the
script also times the alert hook itself inside each "on" run: that is what alerts add.

    .venv/bin/python scripts/bench_alerts.py [--pages 2000] [--hosts 40] [--delay 0.1] [--rounds 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_recheck", ROOT / "scripts" / "bench_recheck.py")
bench_recheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_recheck)


class Receiver:
    """A webhook receiver that takes 0.2 s per POST and counts what it got."""

    def __init__(self):
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(0.2)
                receiver.posts += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.60", 0), Handler)
        self.url = f"http://127.0.0.60:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def one_run(rows, args, *, alerts_on: bool, receiver: Receiver) -> tuple[float, dict, int]:
    from companion.alerts import hook
    from companion.alerts.delivery import queue
    from companion.monitor.recheck import Options, Run
    from companion.workspace import Workspace

    real_hook = hook.after_check  # what the recheck calls (after_recheck is the CLI's wrapper of it)
    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "home") as ws:
        profile = {"domains": ["mysite.test"]}
        if alerts_on:
            profile["alerts"] = {"webhook": {"url": receiver.url}}
        ws.set_profile(profile)
        ws.store.merge_backlinks(rows, "ahrefs")
        opts = Options(delay=args.delay, concurrency=args.hosts, timeout=10, allow_private_hosts=True)
        made: list = []
        hook_time: list[float] = []
        if alerts_on:
            worker = queue.start(ws.store, lambda: ws.profile)
            def timed(store, profile, results, changes):
                t0 = time.perf_counter()
                made.extend(real_hook(store, profile, results, changes))
                hook_time.append(time.perf_counter() - t0)
                return made

            hook.after_check = timed
        else:
            hook.after_check = lambda store, profile, results, changes: []
        try:
            started = time.perf_counter()
            summary = Run(ws.store, lambda: ws.profile, opts).execute()
            elapsed = time.perf_counter() - started
        finally:
            hook.after_check = real_hook
            if alerts_on:
                time.sleep(0.5)  # let the worker send (after the clock stopped: never part of the check)
                worker.stop()
    return elapsed, summary, len(made), sum(hook_time)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    port = bench_recheck.free_port()
    sites = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "bench_recheck.py"), "--serve", str(port),
                              str(args.hosts)], stdout=subprocess.PIPE, text=True)
    receiver = Receiver()
    times: dict[bool, list[float]] = {False: [], True: []}
    hook_share: list[float] = []
    try:
        assert sites.stdout.readline().strip() == "ready"
        per_host = args.pages // args.hosts
        # every 10th page is gone (404): a lost link, so an alert
        rows = [{"source_url": f"http://127.0.1.{h}:{port}/{'gone' if n % 10 == 9 else 'p'}{n}",
                 "target_url": "https://mysite.test/guide", "anchor": "the guide", "first_seen": "2026-01-01",
                 "last_seen": "2026-01-01"} for n in range(per_host) for h in range(1, args.hosts + 1)]
        for r in range(args.rounds):
            for on in (False, True):
                elapsed, summary, made, in_hook = one_run(rows, args, alerts_on=on, receiver=receiver)
                times[on].append(elapsed)
                if on:
                    hook_share.append(in_hook / elapsed)
                print(f"round {r + 1} alerts {'on ' if on else 'off'}: {elapsed:.2f} s, {summary['checked']} checked, "
                      f"{len(summary['changes'])} changes, {made} alerts made"
                      + (f", {in_hook * 1000:.0f} ms in the alert hook" if on else ""), flush=True)
    finally:
        sites.terminate()
        sites.wait()
        receiver.server.shutdown()
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print(f"pages: {len(rows)} on {args.hosts} hosts, --delay {args.delay}; rounds: {args.rounds}")
    print(f"median: off {off:.2f} s, on {on:.2f} s, ratio on/off {on / off:.3f} (goal ≤ 1.05)")
    print(f"the alert hook's own share of a run with alerts on: max {100 * max(hook_share):.2f}% "
          "(what alerts add to a recheck, free of the shared machine's noise)")
    print(f"webhook POSTs received: {receiver.posts} (one per run with alerts on)")


if __name__ == "__main__":
    main()
