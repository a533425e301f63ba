#!/usr/bin/env python3
"""Benchmark: a recheck of 2,000 pages on 40 local hosts with --delay 0.1.

Goal (issue 15): the politeness rules, not our own code, bound the speed. With
one request at a time per host and at least `delay` seconds between two, no
crawler can go faster than hosts ÷ delay pages per second (here 40 ÷ 0.1 = 400,
with --concurrency 40 so every host can be busy). This prints the pages per second
reached, side by side with that bound, and the process's RSS sampled over the run
(it must stay flat: the run keeps no page once judged).

The sites are real HTTP servers in a separate process (asyncio, one listening
socket per address 127.0.1.1 … 127.0.1.40, keep-alive), each page ~6 KB with 30
links, one of them to my site. The data home is seeded through the Store's public
`merge_backlinks` (one backlink per page), never by writing store files.

    .venv/bin/python scripts/bench_recheck.py [--pages 2000] [--hosts 40] [--delay 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = ("<!doctype html><html><head><meta charset=utf-8><title>Post {n} on site {h}</title></head><body>"
        "<nav>{nav}</nav><main><h1>Post {n}</h1><p>{text}</p>"
        "<p>Read <a href=\"https://mysite.test/guide\">the guide</a> too.</p>{outs}</main>"
        "<footer>{nav}</footer></body></html>")


def page_body(host: int, n: int) -> bytes:
    nav = "".join(f'<a href="/p{i}">Post {i}</a>' for i in range(10))
    outs = "".join(f'<p><a href="https://other{i}.test/a">other {i}</a></p>' for i in range(9))
    text = "Words about link building and the web. " * 80
    return PAGE.format(n=n, h=host, nav=nav, outs=outs, text=text).encode()


# --- the sites (run in a child process: `bench_recheck.py --serve PORT HOSTS`) -----------

def serve(port: int, hosts: int) -> None:
    bodies: dict[tuple[int, str], bytes] = {}

    async def handle(reader, writer, host):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                body = bodies.get((host, path))
                if body is None and path.startswith("/p"):
                    body = bodies[(host, path)] = page_body(host, int(path[2:]))
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body or b""
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        servers = []
        for h in range(1, hosts + 1):
            servers.append(await asyncio.start_server(lambda r, w, h=h: handle(r, w, h), f"127.0.1.{h}", port))
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.1.1", 0))
        return s.getsockname()[1]


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=40)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--serve", nargs=2, type=int, metavar=("PORT", "HOSTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(*args.serve)

    from companion.monitor.recheck import Options, Run
    from companion.workspace import Workspace

    port = free_port()
    sites = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(args.hosts)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert sites.stdout.readline().strip() == "ready"
        per_host = args.pages // args.hosts
        rows = [{"source_url": f"http://127.0.1.{h}:{port}/p{n}", "target_url": "https://mysite.test/guide",
                 "anchor": "the guide", "first_seen": "2026-01-01", "last_seen": "2026-01-01"}
                for n in range(per_host) for h in range(1, args.hosts + 1)]
        with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "home") as ws:
            ws.set_profile({"domains": ["mysite.test"]})
            ws.store.merge_backlinks(rows, "ahrefs")
            opts = Options(delay=args.delay, concurrency=args.hosts, timeout=10, allow_private_hosts=True)
            samples: list[tuple[int, float]] = []
            run = Run(ws.store, lambda: ws.profile, opts)
            stop = threading.Event()

            def sample():
                while not stop.wait(0.25):
                    samples.append((run.done, rss_mb()))

            start_rss = rss_mb()
            threading.Thread(target=sample, daemon=True).start()
            started = time.perf_counter()
            summary = run.execute()
            elapsed = time.perf_counter() - started
            stop.set()
    finally:
        sites.terminate()
        sites.wait()

    pages = len(rows)
    rate = pages / elapsed
    bound = min(args.hosts, opts.concurrency) / args.delay
    # the least time the politeness rules allow: per host, robots.txt then its pages, a delay between two requests
    floor = (per_host) * args.delay
    print(f"pages: {pages} on {args.hosts} hosts, --delay {args.delay}, --concurrency {opts.concurrency}")
    print(f"summary: {summary['checked']} checked, {summary['unchanged']} unchanged, "
          f"{len(summary['changes'])} changes, {len(summary['errors'])} errors, {len(summary['skipped'])} skipped")
    print(f"time: {elapsed:.2f} s (politeness floor {floor:.1f} s)")
    print(f"pages/s: {rate:.1f}   politeness bound (hosts / delay): {bound:.0f}   ratio: {rate / bound:.2f}")
    marks = {}
    for q in (0.25, 0.5, 0.75, 1.0):
        hit = next((rss for done, rss in samples if done >= q * pages), samples[-1][1] if samples else rss_mb())
        marks[q] = hit
    print(f"RSS MB: start {start_rss:.0f}, at 25% {marks[0.25]:.0f}, 50% {marks[0.5]:.0f}, "
          f"75% {marks[0.75]:.0f}, 100% {marks[1.0]:.0f}; second half {100 * (marks[1.0] / marks[0.5] - 1):+.1f}%")


if __name__ == "__main__":
    main()
