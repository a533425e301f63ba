#!/usr/bin/env python3
"""Benchmark: the full page analysis against a bare lxml parse and against BeautifulSoup.

For every corpus page, the three are timed side by side in one run (interleaved,
best of R repeats each), so machine noise hits all three alike; we print the
median over pages of each per-page ratio. Goals (issue 2): analysis ≤ 1.5× the
bare parse, and ≥ 8× faster than BeautifulSoup(lxml) + find_all('a').

Usage: scripts/bench_analyze.py [--repeat R] [--limit N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import lxml.html
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from companion.analysis.analyze import analyze  # noqa: E402
from companion.analysis.decode import decode_html  # noqa: E402
from companion.analysis.profile import validate  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: nothing to measure", file=sys.stderr)
        return 0
    pages = sorted(CORPUS.glob("*.html"))[: args.limit or None]
    profile = validate({"domains": ["example.com"], "competitors": ["rival.test"]})
    vs_parse, vs_bs4, t_an, t_parse, t_bs = [], [], [], [], []
    for path in pages:
        text, _ = decode_html(path.read_bytes())
        data = text.encode("utf-8")
        parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
        url = "https://corpus.test/" + path.stem

        def bare():
            lxml.html.document_fromstring(data, parser=parser)

        def full():
            analyze(url, text, profile)

        def soup():
            BeautifulSoup(text, "lxml").find_all("a")

        a, p, b = [], [], []
        for _ in range(args.repeat):  # interleave the three for fairness
            p.append(best_of(bare, 1))
            a.append(best_of(full, 1))
            b.append(best_of(soup, 1))
            # A BeautifulSoup tree is cyclic: it is freed by the cycle collector, not
            # on return. Collect it here, untimed, or the next timed call that tips
            # the collector (usually the analysis, which allocates the most) pays for
            # freeing the soup: that added ~0.3 ms (12%) to the analysis median.
            gc.collect()
        ta, tp, tb = min(a), min(p), min(b)
        t_an.append(ta); t_parse.append(tp); t_bs.append(tb)
        vs_parse.append(ta / tp)
        vs_bs4.append(tb / ta)
    print(f"pages: {len(pages)}, repeats per page: {args.repeat} (best of each)")
    print(f"median per-page time: analysis {statistics.median(t_an)*1000:.2f} ms, "
          f"bare lxml parse {statistics.median(t_parse)*1000:.2f} ms, "
          f"BeautifulSoup(lxml)+find_all {statistics.median(t_bs)*1000:.2f} ms")
    print(f"analysis / bare parse: median {statistics.median(vs_parse):.2f}x "
          f"(p90 {statistics.quantiles(vs_parse, n=10)[-1]:.2f}x)   goal <= 1.5x")
    print(f"BeautifulSoup / analysis: median {statistics.median(vs_bs4):.1f}x faster   goal >= 8x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
