#!/usr/bin/env python3
"""Benchmark: importing a big Ahrefs export, and opening the store it makes.

Generates an N-row Ahrefs "v3" export (UTF-16LE with BOM, tab, every field
quoted, the 37 columns of FORMATS.md) in a temp folder and measures, side by side
in one run (the machine is shared and noisy, so only ratios mean anything):

* import time (`tierlink import` path: parse + merge into the database in one
  transaction) vs Python's csv module merely reading the same file      goal <= 3x
* peak memory of the import (ru_maxrss of a child process)              goal <= 1 GiB
* opening the store holding those rows and a first lookup (reported; it reads
  nothing but the schema: scripts/bench_scale.py measures start-up through serve)

Each measurement runs in a fresh child process. With --repeat N the csv reading and the
import alternate N times (each import into a fresh home) and the medians are compared,
since a single pair can be off by 20% on a busy machine. With --compare TREE (another
checkout, e.g. `git archive REV | tar -x -C TREE`), each round also imports the same file
with that tree's code, and the medians of both imports are printed side by side (a
before/after of an importer change, measured in one run). Usage:
    scripts/bench_import.py [--rows 1000000] [--repeat N] [--keep DIR] [--compare TREE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEADER = ["Referring page title", "Referring page URL", "Language", "Platform", "Referring page HTTP code",
          "Domain rating", "UR", "Domain traffic", "Referring domains", "Linked domains", "External links",
          "Page traffic", "Keywords", "Target URL", "Left context", "Anchor", "Right context", "Redirect Chain URLs",
          "Redirect Chain status codes", "Type", "Is spam", "Content", "Nofollow", "UGC", "Sponsored", "Rendered",
          "Raw", "Lost status", "Drop reason", "Discovered status", "First seen", "Last seen", "Lost", "Author",
          "Page type", "Page category", "Links in group"]

WORDS = ("widget garden guide review best cheap how to build tools blue green home kitchen repair tips list "
         "top ultimate beginner advanced compare price deal forum thread news local makers café équipement").split()


ASCII_WORDS = [w for w in WORDS if w.isascii()]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    targets = [f"https://www.example.com/{rnd.choice(WORDS)}/{rnd.choice(WORDS)}-{i}" for i in range(300)]
    with open(path, "w", encoding="utf-16", newline="") as fh:  # 'utf-16' writes the FF FE BOM
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(rows):
            words = " ".join(rnd.choice(WORDS) for _ in range(5))
            host = f"{rnd.choice(ASCII_WORDS)}{i % 40000}.example{i % 9}.test"  # paths carry the non-ASCII words
            src = f"https://{'www.' if i % 3 == 0 else ''}{host}/{rnd.choice(WORDS)}/{i}-{rnd.choice(WORDS)}"
            lost = i % 17 == 0
            nofollow = i % 4 == 0
            day = 1 + i % 28
            w.writerow([
                words.title(), src, "en", "Blogs", "200", str(rnd.randint(0, 95)), f"{rnd.random() * 40:.1f}",
                str(rnd.randint(0, 200000)), str(rnd.randint(0, 5000)), str(rnd.randint(0, 900)),
                str(rnd.randint(0, 400)), str(rnd.randint(0, 9000)), str(rnd.randint(0, 500)),
                rnd.choice(targets), "see the", words, "for more.", "", "", "text", "false", "true",
                "true" if nofollow else "false", "true" if i % 11 == 0 else "false", "false", "false", "true",
                "removedfromhtml" if lost else "", "", "linkfound",
                f"2024-{1 + i % 12:02d}-{day:02d} 10:{i % 60:02d}:00", f"2025-11-{day:02d} 08:00:{i % 60:02d}",
                f"2025-11-{day:02d} 09:00:00" if lost else "", "", "Article", "Home & Garden", "1"])


CHILD_CSV = """
import csv, json, resource, sys, time
t = time.perf_counter()
n = 0
with open(sys.argv[1], encoding="utf-16", newline="") as fh:
    for row in csv.reader(fh, delimiter="\\t"):
        n += 1
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n - 1,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

CHILD_IMPORT = """
import json, resource, sys, time
from pathlib import Path
from companion.workspace import Workspace
ws = Workspace(Path(sys.argv[2]))
t = time.perf_counter()
s = ws.import_files([Path(sys.argv[1])])[0]
elapsed = time.perf_counter() - t
ws.close()
print(json.dumps({"seconds": elapsed, "summary": {k: v for k, v in s.items() if k != "skipped"},
                  "skipped": len(s["skipped"]), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

CHILD_OPEN = """
import json, resource, sys, time
from pathlib import Path
from companion.store import Store
t = time.perf_counter()
s = Store.open(Path(sys.argv[1]))
opened = time.perf_counter() - t
s.is_tier1_page("nothing.test/")
looked = time.perf_counter() - t
n = s.backlink_count()
print(json.dumps({"seconds": opened, "with_lookup": looked, "rows": n,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def child(code: str, *args, root: Path = ROOT) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="alternate csv reading and import N times (medians)")
    ap.add_argument("--keep", help="keep the generated files in this folder")
    ap.add_argument("--compare", type=Path, metavar="TREE", help="also import with the code in this checkout")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tierlink-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        export = tmp / "example.com-backlinks-subdomains.csv"
        t = time.perf_counter()
        generate(export, args.rows)
        print(f"generated {args.rows:,} rows, {export.stat().st_size / 2**20:.0f} MiB (UTF-16) "
              f"in {time.perf_counter() - t:.1f}s")
        home = tmp / "home"
        bases, imps, others = [], [], []
        for _ in range(max(1, args.repeat)):
            if args.compare:
                shutil.rmtree(home, ignore_errors=True)
                others.append(child(CHILD_IMPORT, export, home, root=args.compare))
            shutil.rmtree(home, ignore_errors=True)
            bases.append(child(CHILD_CSV, export))
            imps.append(child(CHILD_IMPORT, export, home))
        base = dict(bases[0], seconds=statistics.median(b["seconds"] for b in bases))
        imp = dict(imps[-1], seconds=statistics.median(i["seconds"] for i in imps),
                   maxrss_kb=max(i["maxrss_kb"] for i in imps))
        if len(imps) > 1:
            print("runs (import / csv, s): " + ", ".join(f"{i['seconds']:.2f}/{b['seconds']:.2f}"
                                                         for i, b in zip(imps, bases)))
        db = home / "backlinks.sqlite"
        opened = child(CHILD_OPEN, home)
        gib = imp["maxrss_kb"] / 2**20
        print(f"\nimport summary: {imp['summary']}, skipped {imp['skipped']}")
        print(f"backlinks.sqlite: {db.stat().st_size / 2**20:.0f} MiB (the export: {export.stat().st_size / 2**20:.0f} MiB)\n")
        print(f"{'measure':<44}{'tierlink':>12}{'baseline':>12}{'ratio':>8}  goal")
        print(f"{'import vs csv.reader reading the file (s)':<44}{imp['seconds']:>12.2f}{base['seconds']:>12.2f}"
              f"{imp['seconds'] / base['seconds']:>8.2f}  <= 3x")
        print(f"{'peak memory of the import (GiB)':<44}{gib:>12.2f}{base['maxrss_kb'] / 2**20:>12.2f}"
              f"{'':>8}  <= 1 GiB  {'OK' if gib <= 1 else 'OVER'}")
        if others:
            other = statistics.median(o["seconds"] for o in others)
            print(f"{'import with --compare TREE (s)':<44}{other:>12.2f}{imp['seconds']:>12.2f}"
                  f"{imp['seconds'] / other:>8.2f}  (this tree / TREE)")
        print(f"{'store open, and a first lookup (s)':<44}{opened['seconds']:>12.2f}{opened['with_lookup']:>12.2f}")
        print(f"{'peak memory of the open store (GiB)':<44}{opened['maxrss_kb'] / 2**20:>12.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
