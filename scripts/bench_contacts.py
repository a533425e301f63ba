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

With `--baseline DIR` (another checkout, e.g. `git worktree add /tmp/old <commit>`), a second
`tierlink serve` runs that checkout's code on its own home, and every page goes through both
servers, both ways, interleaved: the before/after figures come from one run.

Usage: scripts/bench_contacts.py [--rounds 3] [--pages N] [--baseline DIR]
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


class BaselineServer(CompanionServer):
    """`tierlink serve` running another checkout's code (its directory first on sys.path)."""

    def __init__(self, home: Path, checkout: Path):
        super().__init__(home)
        self.checkout = checkout

    def command(self, *args: str) -> list[str]:
        code = (f"import runpy, sys; sys.path.insert(0, {str(self.checkout)!r}); import companion; "
                f"assert companion.__file__.startswith({str(self.checkout)!r}), companion.__file__; "
                "runpy.run_module('companion', run_name='__main__', alter_sys=True)")
        return [sys.executable, "-c", code, "--home", str(self.home), *args]


def timed(srv: CompanionServer, method: str, path: str, body: dict, expect: tuple[int, ...]) -> tuple[float, dict]:
    t = time.perf_counter()
    r = srv.request(method, path, json=body)
    elapsed = time.perf_counter() - t
    assert r.status in expect, (path, r.status, r.text[:300])
    return elapsed, r.json()


def visit_and_save(srv: CompanionServer, way: str, url: str, html: str, times: dict) -> bool:
    """One popup visit and save, `way` "with" or "without" contacts; whether contacts were found."""
    body = {"url": url, "html": html, **({"contacts": True} if way == "with" else {})}
    a, analysis = timed(srv, "POST", "/api/analyze", body, (200,))
    s, saved = timed(srv, "POST", "/api/candidates", {"url": url, "kind": "tier2"}, (201,))
    if way == "with":
        assert "contacts" in analysis and saved.get("contacts") == analysis["contacts"]
    else:
        assert "contacts" not in analysis and saved.get("contacts") is None
    times[way]["analyze"].append(a)
    times[way]["save"].append(s)
    times[way]["both"].append(a + s)
    return way == "with" and bool(saved["contacts"]["emails"] or saved["contacts"]["pages"])


def report(name: str, times: dict) -> None:
    print(f"{name:48} {'without':>10} {'with':>10} {'ratio':>7}  goal")
    for key, label, goal in (("save", "one-click save (POST /api/candidates), median", "<= 1.2x"),
                             ("analyze", "popup's analysis (POST /api/analyze), median", "reported"),
                             ("both", "analysis + save, median", "reported")):
        w, c = statistics.median(times["without"][key]), statistics.median(times["with"][key])
        print(f"{label:48} {w * 1000:8.1f} ms {c * 1000:8.1f} ms {c / w:6.2f}x  {goal}")
    for key in ("analyze", "both"):
        w, c = sum(times["without"][key]), sum(times["with"][key])
        print(f"{key + ', total over all pages':48} {w:8.2f} s  {c:8.2f} s  {c / w:6.2f}x  reported")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=0, help="only the first N corpus pages (default: all)")
    ap.add_argument("--baseline", type=Path, help="another checkout to run side by side (before/after)")
    args = ap.parse_args()
    pages = sorted(CORPUS.glob("*.html"))[: args.pages or None]
    if not pages:
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    if args.baseline and not (args.baseline / "companion" / "__main__.py").is_file():
        print(f"--baseline: no companion package in {args.baseline}", file=sys.stderr)
        return 1
    htmls = [(p.stem, p.read_bytes().decode("utf-8", "replace")) for p in pages]
    tmp = Path(tempfile.mkdtemp(prefix="tierlink-contacts-"))
    servers = {"this checkout": CompanionServer(tmp / "home")}
    if args.baseline:
        servers["baseline " + str(args.baseline)] = BaselineServer(tmp / "baseline", args.baseline.resolve())
    try:
        for srv in servers.values():
            srv.start(timeout=60)
            srv.api("PUT", "/api/profile", {"domains": ["example.com"]})
        times = {name: {k: {"analyze": [], "save": [], "both": []} for k in ("without", "with")} for name in servers}
        found = 0
        runs = [(name, way) for name in servers for way in ("without", "with")]
        for r in range(args.rounds):
            for i, (stem, html) in enumerate(htmls):
                k = (i + r) % len(runs)
                for n, (name, way) in enumerate(runs[k:] + runs[:k]):  # each order in turn
                    url = f"https://{way}-{r}-{n}.corpus.test/{stem}"
                    found += visit_and_save(servers[name], way, url, html, times[name])
        print(f"{len(htmls)} corpus pages x {args.rounds} rounds, interleaved; "
              f"{found} saves with an address or a contact page found")
        for name in servers:
            report(name, times[name])
        if args.baseline:
            this, base = times["this checkout"]["with"], times[next(n for n in servers if n.startswith("baseline"))]["with"]
            for key in ("analyze", "both"):
                print(f"with contacts, {key}: this checkout vs baseline, median "
                      f"{statistics.median(this[key]) / statistics.median(base[key]):.2f}x, "
                      f"total {sum(this[key]) / sum(base[key]):.2f}x")
    finally:
        for srv in servers.values():
            srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
