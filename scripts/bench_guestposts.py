#!/usr/bin/env python3
"""Benchmark: a visit on a host with 10,000 indexed pages against a visit on a host without an index.

Issue 27's goal: the guest-post host index (companion.workflow.guestposts) costs a visit on
a host holding one of my guest posts, with 10,000 of its pages already indexed, at most 1.1×
a visit on a host that holds none (nothing is indexed there). Both visits run the full
workspace analysis (verdicts, change detection, the store) on the same page HTML, interleaved
in one run (A, B, A, B, …) so machine noise hits both alike; each visit is a new page of its
host (the indexed host's index grows by one page a visit, the guest post needs links so each
visit there also runs the suggestions' full-text search). Prints the medians, the ratio and
the load average.

Usage: scripts/bench_guestposts.py [--pages 10000] [--visits 200] [--page FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from companion.analysis.urls import page_key  # noqa: E402
from companion.workflow import guestposts  # noqa: E402
from companion.workspace import Workspace  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
WORDS = ("trail running shoes marathon training plan beginner guide review news tips race recovery nutrition "
         "hydration pace speed endurance strength stretching injury").split()


def sample_page() -> str:
    """A real article page where the corpus is present, else a made one of similar shape."""
    found = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
    for path in found:
        if "blog" in path.name or "news" in path.name:
            return path.read_text("utf-8", "replace")
    links = "".join(f'<li><a href="/2020/{i:02d}/post-{i}">Post {i} about {WORDS[i % len(WORDS)]}</a></li>'
                    for i in range(1, 150))
    return (f"<html><head><title>Trail running shoes review</title></head><body><nav><ul>{links}</ul></nav>"
            f"<main><h1>Trail running shoes review</h1>{'<p>Words about running. ' * 400}</p>"
            f'<a href="https://mysite.test/">me</a></main></body></html>')


def fill(ws: Workspace, host: str, n: int) -> None:
    """n pages of the host in its index, written straight to the store (as n visits would)."""
    start = time.perf_counter()
    for i in range(n):
        title = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(5))
        links = [page_key(f"https://{host}/p/{(i * 13 + k) % n}") for k in range(8)]
        ws.store.site_page_put(host, page_key(f"https://{host}/p/{i}"), f"https://{host}/p/{i}", title,
                               [title, "more " + title], links, f"20{10 + i % 15}-01-01", "2026-01-01T00:00:00Z",
                               guestposts.MAX_PAGES_PER_HOST)
    print(f"indexed {n:,} pages of {host} in {time.perf_counter() - start:.1f} s", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--visits", type=int, default=200)
    ap.add_argument("--page", type=Path, help="an HTML file to visit (default: a corpus article)")
    args = ap.parse_args()
    html = args.page.read_text("utf-8", "replace") if args.page else sample_page()
    with tempfile.TemporaryDirectory(prefix="tierlink-bench-gp-") as tmp:
        ws = Workspace(Path(tmp) / "home")
        ws.set_profile({"domains": ["mysite.test"]})
        guestposts.mark(ws.store, "https://indexed.test/2026/10/best-trail-running-shoes", via="cli",
                        title="Best trail running shoes for beginners")
        fill(ws, "indexed.test", args.pages)
        for host in ("indexed.test", "plain.test"):  # warm both paths once
            ws.analyze(f"https://{host}/warm", html)
        times: dict[str, list[float]] = {"indexed.test": [], "plain.test": []}
        for i in range(args.visits):
            for host in (("indexed.test", "plain.test") if i % 2 == 0 else ("plain.test", "indexed.test")):
                url = f"https://{host}/2026/11/visit-{i}"
                start = time.perf_counter()
                result = ws.analyze(url, html)
                times[host].append(time.perf_counter() - start)
                assert ("guest_posts" in result) == (host == "indexed.test")
        indexed, plain = (statistics.median(times[h]) * 1000 for h in ("indexed.test", "plain.test"))
        count = ws.store.site_pages_count("indexed.test")
        ws.close()
    print(f"page: {len(html):,} characters; {args.visits} visits per host, interleaved; "
          f"index of indexed.test at the end: {count:,} pages")
    print(f"visit on a host without an index: median {plain:.2f} ms")
    print(f"visit on a host with {args.pages:,} indexed pages: median {indexed:.2f} ms")
    print(f"ratio: {indexed / plain:.3f} (goal ≤ 1.10)   load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
