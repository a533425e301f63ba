#!/usr/bin/env python3
"""Benchmark: sustained load on a real `tierlink serve` — throughput, latency, errors, memory.

N parallel clients (threads, one keep-alive connection each, like N browser
windows with the extension) post corpus pages to /api/analyze for a bounded
time. The server is a real `tierlink serve` subprocess on a free loopback port
with a profile and a few stored backlinks (so verdicts run, not only parsing).

Prints: requests, throughput, latency p50/p90/p99/max, the error count (must be
0: any non-200 answer or connection failure), and the server process's RSS
sampled every 0.5 s (psutil): idle, after warm-up (once every page has been
analysed once), last and max, plus the
per-interval trace, to show memory stays flat under load.

Usage: scripts/bench_load.py [--clients 8] [--seconds 30] [--limit N]
Exit status 1 if any request failed, 2 if the corpus is absent.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import psutil  # noqa: E402

from companion.analysis.decode import decode_html  # noqa: E402
from serverutil import CompanionServer, multipart  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
PROFILE = {"domains": ["example.com"], "competitors": ["rival.test"],
           "money_pages": [{"url": "https://example.com/pricing", "keywords": ["link tool pricing"]}]}


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N corpus pages")
    args = ap.parse_args()

    pages = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
    if not pages:
        print(f"bench_load: corpus not found at {CORPUS} (only in the team's checkout); skipped", file=sys.stderr)
        return 2
    if args.limit:
        pages = pages[: args.limit]
    bodies = []
    for p in pages:
        html = decode_html(p.read_bytes())[0]  # the extension sends the page as text
        bodies.append(json.dumps({"url": f"https://{p.stem}.corpus.test/page", "html": html}).encode())
    total_mb = sum(map(len, bodies)) / 1e6
    print(f"{len(bodies)} corpus pages ({total_mb:.1f} MB as JSON), {args.clients} clients, {args.seconds:g} s")

    with tempfile.TemporaryDirectory(prefix="tierlink-load-") as tmp:
        srv = CompanionServer(Path(tmp) / "home").start()
        try:
            srv.api("PUT", "/api/profile", json=PROFILE)
            csv = "source_url,target_url,anchor\n" + "".join(
                f"https://{p.stem}.corpus.test/page,https://example.com/pricing,link tool pricing\n"
                for p in pages[::3])
            body, ctype = multipart({"format": "csv"}, {"file": ("seed.csv", csv.encode())})
            r = srv.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
            assert r.status == 200, r.text
            proc = psutil.Process(srv.proc.pid)
            rss: list[tuple[float, int]] = [(0.0, proc.memory_info().rss)]
            latencies: list[list[float]] = [[] for _ in range(args.clients)]
            errors: list[str] = []
            stop = threading.Event()
            start_gate = threading.Barrier(args.clients + 1)

            def client(n: int) -> None:
                headers = {"Host": srv.host, "Authorization": f"Bearer {srv.token}",
                           "Content-Type": "application/json", "Origin": "chrome-extension://benchloadbenchload"}
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                i = n * 7
                start_gate.wait()
                while not stop.is_set():
                    body = bodies[i % len(bodies)]
                    i += 1
                    t0 = time.perf_counter()
                    try:
                        conn.request("POST", "/api/analyze", body=body, headers=headers)
                        res = conn.getresponse()
                        data = res.read()
                        if res.status != 200:
                            errors.append(f"{res.status} {data[:200]!r}")
                    except (OSError, http.client.HTTPException) as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                        continue
                    latencies[n].append(time.perf_counter() - t0)
                conn.close()

            threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
            for t in threads:
                t.start()
            start_gate.wait()
            began = time.perf_counter()
            deadline = began + args.seconds
            warm_at = None
            while (now := time.perf_counter()) < deadline:
                time.sleep(min(0.5, deadline - now))
                rss.append((time.perf_counter() - began, proc.memory_info().rss))
                if warm_at is None and sum(map(len, latencies)) >= len(bodies):
                    warm_at = rss[-1][0]  # every page has been analysed once
            stop.set()
            for t in threads:
                t.join(timeout=180)
            elapsed = time.perf_counter() - began
            rss.append((elapsed, proc.memory_info().rss))
        finally:
            srv.stop()

    lat = sorted(x for per in latencies for x in per)
    n = len(lat)
    mib = 1024 * 1024
    warm_t = max(warm_at if warm_at is not None else elapsed, args.seconds * 0.1)
    warm = next((v for t, v in rss if t >= warm_t), rss[-1][1])
    print(f"requests: {n} ok in {elapsed:.1f} s = {n / elapsed:.1f} pages/s "
          f"({n / elapsed * total_mb / len(bodies):.1f} MB/s of page JSON)")
    print(f"latency: p50 {pct(lat, 50) * 1000:.0f} ms, p90 {pct(lat, 90) * 1000:.0f} ms, "
          f"p99 {pct(lat, 99) * 1000:.0f} ms, max {lat[-1] * 1000 if lat else float('nan'):.0f} ms, "
          f"mean {statistics.fmean(lat) * 1000 if lat else float('nan'):.0f} ms")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"server RSS: idle {rss[0][1] / mib:.0f} MiB, after warm-up (every page seen once, {warm_t:.0f} s) {warm / mib:.0f} MiB, "
          f"last {rss[-1][1] / mib:.0f} MiB, max {max(v for _, v in rss) / mib:.0f} MiB, "
          f"last vs warm-up {rss[-1][1] / warm:.2f}x")
    half = next((v for t, v in rss if t >= elapsed / 2), rss[-1][1])
    print(f"second half of the run: RSS {half / mib:.0f} -> {rss[-1][1] / mib:.0f} MiB "
          f"({(rss[-1][1] - half) / mib:+.0f} MiB, {(rss[-1][1] / half - 1) * 100:+.0f}%): flat means ~0")
    step = max(1, len(rss) // 12)
    print("RSS trace (s: MiB): " + ", ".join(f"{t:.0f}: {v / mib:.0f}" for t, v in rss[::step]))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
