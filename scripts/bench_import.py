#!/usr/bin/env python3
"""Benchmark: importing a big Ahrefs export, against the floor any Python importer pays.

Generates an N-row Ahrefs "v3" export (UTF-16LE with BOM, tab, every field
quoted, the 37 columns of FORMATS.md) in a temp folder and measures, side by side
in one run (the machine is shared and noisy, so only ratios mean anything):

* import time (`tierlink import` path: parse + merge into the database in one
  transaction) vs the **Python floor**: csv.reader -> a dict per row -> json.dumps ->
  one SQLite table with three indexes, one transaction, executemany (what any Python
  importer must at least do)                                             goal <= 2x
* the same import vs `sqlite-utils insert --tsv` of the same file (what a user might
  reach for; sqlite-utils is installed only for the bench: `pip install -e .[bench]`;
  where it is absent that column says so and is skipped)            goal >= 3x faster
* csv.reader merely reading the file (reported: the floor's own first step)
* peak memory of the import (ru_maxrss of a child process)              goal <= 1 GiB
* opening the store holding those rows and a first lookup (reported; it reads
  nothing but the schema: scripts/bench_scale.py measures start-up through serve)

Each measurement runs in a fresh child process, and each round runs them all in turn
(csv, floor, sqlite-utils, import): --repeat N rounds (default 3) give the medians
compared, since a single run can be off by 20% on a busy machine. The load average is
printed before and after. With --compare TREE (another checkout, e.g. `git archive REV
| tar -x -C TREE`), each round also imports the same file with that tree's code, and
the medians of both imports are printed side by side (a before/after of an importer
change, measured in one run). Usage:
    scripts/bench_import.py [--rows 1000000] [--repeat 3] [--keep DIR] [--compare TREE]
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
                f"2024-{1 + i % 12:02d}-{day:02d} {i % 24:02d}:{i // 24 % 60:02d}:{i // 1440 % 60:02d}", f"2025-11-{day:02d} 08:00:{i % 60:02d}",
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

# The floor: what any Python importer of this file must at least do. Each row becomes a dict
# (header -> cell) and its JSON text; rows go with one executemany, in one transaction, into
# one table with three indexes (the link's pair, unique; its target; its last-seen date),
# with the pragmas of our own store (WAL, synchronous=FULL).
CHILD_FLOOR = """
import csv, json, os, resource, sqlite3, sys, time
t = time.perf_counter()
db = sqlite3.connect(os.path.join(sys.argv[2], "floor.sqlite"), isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute("CREATE TABLE backlinks (id INTEGER PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL, "
           "last_seen TEXT, record TEXT NOT NULL, UNIQUE (source, target))")
db.execute("CREATE INDEX backlinks_by_target ON backlinks (target)")
db.execute("CREATE INDEX backlinks_by_last_seen ON backlinks (last_seen)")
with open(sys.argv[1], encoding="utf-16", newline="") as fh:
    reader = csv.reader(fh, delimiter="\\t")
    header = next(reader)
    def rows():
        for cells in reader:
            row = dict(zip(header, cells))
            yield row["Referring page URL"], row["Target URL"], row["Last seen"], json.dumps(row)
    db.execute("BEGIN")
    db.executemany("INSERT OR IGNORE INTO backlinks (source, target, last_seen, record) VALUES (?, ?, ?, ?)", rows())
    db.execute("COMMIT")
n = db.execute("SELECT count(*) FROM backlinks").fetchone()[0]
db.close()
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n,
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
from companion.store.store import Store
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


def floor(export: Path, work: Path) -> dict:
    """The Python floor (CHILD_FLOOR) on `export`, in a fresh folder under `work`."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        return child(CHILD_FLOOR, export, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sqlite_utils_command() -> str | None:
    """The `sqlite-utils` beside this Python (the bench extra), else on PATH, else None."""
    beside = Path(sys.executable).with_name("sqlite-utils")
    return str(beside) if beside.exists() else shutil.which("sqlite-utils")


def sqlite_utils_insert(command: str, export: Path, work: Path) -> dict:
    """`sqlite-utils insert --tsv` of the export into a new database: wall time of the command
    (it includes starting its Python, ~0.2 s, against tens of seconds)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        t = time.perf_counter()
        proc = subprocess.run([command, "insert", str(work / "su.sqlite"), "backlinks", str(export), "--tsv",
                               "--encoding", "utf-16"], capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"sqlite-utils failed:\n{proc.stderr[-2000:]}")
        return {"seconds": elapsed}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="rounds of every measure (medians; default 3)")
    ap.add_argument("--keep", help="keep the generated files in this folder")
    ap.add_argument("--compare", type=Path, metavar="TREE", help="also import with the code in this checkout")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tierlink-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    su = sqlite_utils_command()
    try:
        export = tmp / "example.com-backlinks-subdomains.csv"
        t = time.perf_counter()
        generate(export, args.rows)
        print(f"generated {args.rows:,} rows, {export.stat().st_size / 2**20:.0f} MiB (UTF-16) "
              f"in {time.perf_counter() - t:.1f}s")
        if su is None:
            print("sqlite-utils is not installed (`pip install -e .[bench]`): its column is skipped")
        load_before = load()
        print(f"load average (1, 5, 15 min) before: {load_before}")
        home = tmp / "home"
        runs: dict[str, list[dict]] = {"csv": [], "floor": [], "sqlite-utils": [], "import": [], "compare": []}
        for n in range(max(1, args.repeat)):
            runs["csv"].append(child(CHILD_CSV, export))
            runs["floor"].append(floor(export, tmp / "floor"))
            if su is not None:
                runs["sqlite-utils"].append(sqlite_utils_insert(su, export, tmp / "sqlite-utils"))
            if args.compare:
                shutil.rmtree(home, ignore_errors=True)
                runs["compare"].append(child(CHILD_IMPORT, export, home, root=args.compare))
            shutil.rmtree(home, ignore_errors=True)
            runs["import"].append(child(CHILD_IMPORT, export, home))
            print(f"round {n + 1}: " + ", ".join(f"{name} {r[-1]['seconds']:.2f}s" for name, r in runs.items() if r)
                  + f"  (load {load()})", flush=True)
        med = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items() if rs}
        imp = runs["import"][-1]
        maxrss = max(i["maxrss_kb"] for i in runs["import"])
        db = home / "backlinks.sqlite"
        opened = child(CHILD_OPEN, home)
        gib = maxrss / 2**20
        print(f"\nimport summary: {imp['summary']}, skipped {imp['skipped']}")
        print(f"backlinks.sqlite: {db.stat().st_size / 2**20:.0f} MiB (the export: {export.stat().st_size / 2**20:.0f} MiB)")
        print(f"load average (1, 5, 15 min) before / after: {load_before} / {load()}")
        print(f"medians of {len(runs['import'])} rounds\n")
        print(f"{'measure':<48}{'tierlink':>10}{'baseline':>10}{'ratio':>8}  goal")

        def row(name: str, a: float, b: float, goal: str) -> None:
            print(f"{name:<48}{a:>10.2f}{b:>10.2f}{a / b:>8.2f}  {goal}")

        i = med["import"]
        row("import vs the Python floor (s)", i, med["floor"], f"<= 2x  {'OK' if i <= 2 * med['floor'] else 'NOT MET'}")
        if "sqlite-utils" in med:
            su_s = med["sqlite-utils"]
            row("import vs sqlite-utils insert --tsv (s)", i, su_s,
                f"<= 0.33x (3x faster): {su_s / i:.2f}x faster  {'OK' if su_s >= 3 * i else 'NOT MET'}")
        else:
            print(f"{'import vs sqlite-utils insert --tsv (s)':<48}{'skipped: sqlite-utils not installed':>28}")
        row("import vs csv.reader reading the file (s)", i, med["csv"], "reported")
        row("the floor vs csv.reader (s)", med["floor"], med["csv"], "reported")
        print(f"{'peak memory of the import (GiB)':<48}{gib:>10.2f}{runs['csv'][0]['maxrss_kb'] / 2**20:>10.2f}"
              f"{'':>8}  <= 1 GiB  {'OK' if gib <= 1 else 'OVER'}")
        if "compare" in med:
            row("import with --compare TREE (s)", med["compare"], i, "(TREE / this tree: times faster this tree is)")
            row("TREE import vs the Python floor (s)", med["compare"], med["floor"], "")
        print(f"{'store open, and a first lookup (s)':<48}{opened['seconds']:>10.2f}{opened['with_lookup']:>10.2f}")
        print(f"{'peak memory of the open store (GiB)':<48}{opened['maxrss_kb'] / 2**20:>10.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
