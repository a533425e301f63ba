#!/usr/bin/env python3
"""Benchmark: a page's full verdict with 1,000 vs 1,000,000 stored backlinks.

Two data homes are filled through the store's own merge (one write each), then
the same corpus pages are analysed with verdicts in both, interleaved page by
page, so machine noise hits both alike. Printed: median per-page time in each
and the median of per-page ratios (goal ≤ 1.1×). Index building (once per
version of the backlink list) is reported apart: it is paid at the first page
after an import, not per page.

Usage: scripts/bench_verdicts.py [--small 1000] [--big 1000000] [--pages 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from companion import verdicts  # noqa: E402
from companion.workspace import Workspace  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
PROFILE = {"domains": ["example.com"], "competitors": ["rival.test"],
           "money_pages": [{"url": "https://example.com/pricing", "keywords": ["link tool pricing"]}]}
WORDS = ("garden soil compost seo audit guide review travel budget recipe python tools marketing health "
         "finance savings fitness camera photo coffee bike wine").split()


def rows(n: int):
    for i in range(n):
        a, b, c = WORDS[i % len(WORDS)], WORDS[(i // 7) % len(WORDS)], WORDS[(i // 49) % len(WORDS)]
        yield {"source_url": f"https://site{i % 50000}.test/{a}-{b}-{c}-{i}", "target_url": "https://example.com/pricing",
               "anchor": f"{a} {b}", "rel": [], "follow": i % 5 != 0, "status": "live",
               "first_seen": "2026-01-01", "last_seen": "2026-11-01",
               "metrics": {"dr": i % 90, "ur": (i * 7) % 40}}


def make_home(base: Path, n: int) -> Workspace:
    ws = Workspace(base / f"home-{n}")
    ws.set_profile(PROFILE)
    ws.store.merge_backlinks(list(rows(n)), origin="bench")
    return ws


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: nothing to measure", file=sys.stderr)
        return 0
    pages = [(p.stem, p.read_bytes()) for p in sorted(CORPUS.glob("*.html"))[: args.pages]]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        small = make_home(Path(tmp), args.small)
        big = make_home(Path(tmp), args.big)
        print(f"filled stores: {args.small:,} and {args.big:,} backlinks in {time.perf_counter() - t0:.1f} s")
        for ws, n in ((small, args.small), (big, args.big)):
            t = time.perf_counter()
            verdicts.tier1_index(ws)
            print(f"tier-1 index build with {n:,} backlinks: {time.perf_counter() - t:.2f} s (once per import)")
        t_small, t_big, ratios = [], [], []
        for stem, data in pages:
            url = f"https://corpus.test/{stem}"
            best = {}
            for _ in range(args.repeat):
                for name, ws in (("small", small), ("big", big)):
                    start = time.perf_counter()
                    ws.analyze(url, data)
                    best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
            t_small.append(best["small"])
            t_big.append(best["big"])
            ratios.append(best["big"] / best["small"])
        small.close()
        big.close()
    print(f"pages: {len(pages)}, best of {args.repeat} each")
    print(f"median verdict time: {statistics.median(t_small) * 1000:.2f} ms with {args.small:,}, "
          f"{statistics.median(t_big) * 1000:.2f} ms with {args.big:,}")
    print(f"{args.big:,} vs {args.small:,} backlinks: median per-page ratio {statistics.median(ratios):.2f}x   goal <= 1.1x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
