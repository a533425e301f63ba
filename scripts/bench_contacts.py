#!/usr/bin/env python3
"""Benchmark: the save with contact extraction vs the save without it, side by side, through `tierlink serve`.

One real `tierlink serve` on a fresh home; every page of ../shared/corpus/pages (or --pages N
of them) is visited as the popup visits a page, then saved, in two ways interleaved page by
page so machine noise hits both alike:

* without: POST /api/analyze {url, html}, then POST /api/candidates {url, kind}
* with:    POST /api/analyze {url, html, contacts: true} (the popup's analysis: the contact
           routes are read from the parsed page), then POST /api/candidates (the save stores them)

Printed, medians over the pages and the rounds:

* the one-click save (POST /api/candidates), with vs without contacts          <= 1.2x (issue 29)
* the popup's analysis (POST /api/analyze), with vs without contacts          reported
* the whole popup path (analysis + save), with vs without                     reported

Usage: scripts/bench_contacts.py [--rounds 3] [--pages N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from serverutil import CompanionServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"


def timed(srv: CompanionServer, method: str, path: str, body: dict, expect: tuple[int, ...]) -> tuple[float, dict]:
    t = time.perf_counter()
    r = srv.request(method, path, json=body)
    elapsed = time.perf_counter() - t
    assert r.status in expect, (path, r.status, r.text[:300])
    return elapsed, r.json()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=0, help="only the first N corpus pages (default: all)")
    args = ap.parse_args()
    pages = sorted(CORPUS.glob("*.html"))[: args.pages or None]
    if not pages:
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    htmls = [(p.stem, p.read_bytes().decode("utf-8", "replace")) for p in pages]
    home = Path(tempfile.mkdtemp(prefix="tierlink-contacts-")) / "home"
    srv = CompanionServer(home).start(timeout=60)
    try:
        srv.api("PUT", "/api/profile", {"domains": ["example.com"]})
        times = {k: {"analyze": [], "save": [], "both": []} for k in ("without", "with")}
        found = 0
        for r in range(args.rounds):
            for i, (stem, html) in enumerate(htmls):
                order = ("without", "with") if (i + r) % 2 == 0 else ("with", "without")
                for way in order:
                    url = f"https://{way}-{r}.corpus.test/{stem}"
                    body = {"url": url, "html": html, **({"contacts": True} if way == "with" else {})}
                    a, analysis = timed(srv, "POST", "/api/analyze", body, (200,))
                    s, saved = timed(srv, "POST", "/api/candidates", {"url": url, "kind": "tier2"}, (201,))
                    if way == "with":
                        assert "contacts" in analysis and saved.get("contacts") == analysis["contacts"]
                        found += bool(saved["contacts"]["emails"] or saved["contacts"]["pages"])
                    else:
                        assert "contacts" not in analysis and saved.get("contacts") is None
                    times[way]["analyze"].append(a)
                    times[way]["save"].append(s)
                    times[way]["both"].append(a + s)
        print(f"{len(htmls)} corpus pages x {args.rounds} rounds, interleaved; "
              f"{found} saves with an address or a contact page found")
        print(f"{'':48} {'without':>10} {'with':>10} {'ratio':>7}  goal")
        for key, label, goal in (("save", "one-click save (POST /api/candidates), median", "<= 1.2x"),
                                 ("analyze", "popup's analysis (POST /api/analyze), median", "reported"),
                                 ("both", "analysis + save, median", "reported")):
            w, c = statistics.median(times["without"][key]), statistics.median(times["with"][key])
            print(f"{label:48} {w * 1000:8.1f} ms {c * 1000:8.1f} ms {c / w:6.2f}x  {goal}")
        for key in ("analyze", "both"):
            w, c = sum(times["without"][key]), sum(times["with"][key])
            print(f"{key + ', total over all pages':48} {w:8.2f} s  {c:8.2f} s  {c / w:6.2f}x  reported")
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
