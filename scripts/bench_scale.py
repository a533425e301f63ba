#!/usr/bin/env python3
"""Benchmark: a million backlinks at the cost of a thousand, through `tierlink serve`.

Two data homes are filled the way a user fills them: `tierlink init --domain
example.com`, then `tierlink import` of a generated Ahrefs export (scripts/bench_import.py
makes it: UTF-16, the 37 columns) of --small and --big rows. Then a real `tierlink serve`
runs on each, and the same requests go to both, interleaved so machine noise hits both
alike. Printed, side by side (goals of the SQLite store issue):

* import of --big rows vs the Python floor (bench_import.py: csv.reader -> dict ->
  json.dumps -> one SQLite table with three indexes, executemany, one transaction)   <= 2x
  and the import's peak memory                                               <= 1 GiB
* database size on disk vs the export file                                 reported
* starting `serve` -> the first verdict on a stored tier-1 page, --big       <= 1 s
* a visit that records a change (a new link), big vs small, median         <= 1.2x
* a verdict with no change, big vs small, median                           <= 1.1x
* a one-click save (POST /api/candidates), big vs small, median            <= 1.2x
* GET /api/boost?limit=50 at --big, median                                  <= 100 ms
* RSS of `serve` at --big after the visits                                  <= 300 MiB
* a page of 100 rows of GET /api/backlinks at --big, median, for the default sort, each
  other sort (both ways), a status, follow, tool and domain filter, a text search
  (a rare word and a word on a sixth of the rows, each also sorted and filtered) and a deep offset         <= 100 ms
  (`--list-only`: only these, on the --big home, no small home and no visits; with --keep
  DIR, a home a former run left in DIR is reused)
* the link profile's reports at --big (GET /api/linkprofile/anchors, /velocity),
  median, with three money pages set                                          <= 1 s
  (also in `--list-only`; `--list-only --reports-only`: these alone)

Usage: scripts/bench_scale.py [--small 1000] [--big 1000000] [--visits 30] [--keep DIR] [--list-only]

Team mode: `scripts/bench_scale.py --database postgresql://... [--big N]` (an empty
database) fills one home on SQLite and the database on PostgreSQL from the same export
of --big rows, then runs `tierlink serve` on each and prints, side by side:

* the import into PostgreSQL (COPY) and into SQLite vs the Python floor (as above)
* a verdict with no change on a stored tier-1 page, PostgreSQL vs SQLite, median
* a one-click save (POST /api/candidates), PostgreSQL vs SQLite, median

Before/after on the same data: `scripts/bench_scale.py --database URL --big N --keep DIR
--reuse process|serve [--baseline CHECKOUT] [--rounds 3] [--reps 3]` reuses the two homes
a former team run left in DIR (the database still holding its backlinks) and times a
verdict with no change on the stored tier-1 pages, this checkout's code and, with
--baseline, another checkout's (a `git worktree` of main) in the same run:

* `process`: `Workspace.analyze` in process, without HTTP and its noise. Each round runs
  one child process per checkout, each alternating SQLite and PostgreSQL page by page
  (one warm-up visit, then --reps visits of every page on each store). Also counted: the
  SQL statements PostgreSQL runs per verdict (psycopg's Cursor.execute/executemany).
* `serve`: a `tierlink serve` per checkout and store (the baseline's on copies of the two
  homes: one server per home; both PostgreSQL servers on the one database), every page
  visited on the four in turn, --rounds x --reps times after a warm-up visit.

Printed per round (process) and overall: the median verdict on each store and their ratio
(goal <= 1.2x); for `process` also the median of the rounds' own ratios and the median gap
PostgreSQL - SQLite between two visits of the same page, one after the other (the least
swayed by the load of the moment).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_import import CHILD_IMPORT, child, floor, generate  # noqa: E402
from serverutil import CompanionServer  # noqa: E402
from companion.core.team import where  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
FILLER = ("<p>" + "Plain words about gardens, tools and repairs, as any article has. " * 40 + "</p>") * 5


def body_of(n: int) -> str:
    """A realistic page body: a corpus page where the corpus is, else filler text."""
    pages = sorted(CORPUS.glob("*.html"))[:20] if CORPUS.is_dir() else []
    if pages:
        return pages[n % len(pages)].read_text("utf-8", errors="replace")
    return f"<html><head><title>Page {n}</title></head><body><main>{FILLER}</main></body></html>"


def with_link(html: str, href: str, text: str, rel: str = "") -> str:
    link = f'<p><a href="{href}"{f" rel={rel!r}" if rel else ""}>{text}</a></p>'
    cut = html.lower().rfind("</body>")
    return html[:cut] + link + html[cut:] if cut >= 0 else html + link


def stored_pages(export: Path, n: int) -> list[tuple[str, str, str, bool]]:
    """(source URL, target URL, anchor, nofollow) of the first live rows of the export."""
    out = []
    with open(export, encoding="utf-16", newline="") as fh:
        rows = csv.reader(fh, delimiter="\t")
        header = next(rows)
        col = {name: i for i, name in enumerate(header)}
        for row in rows:
            if row[col["Lost status"]]:
                continue
            out.append((row[col["Referring page URL"]], row[col["Target URL"]], row[col["Anchor"]],
                        row[col["Nofollow"]] == "true"))
            if len(out) == n:
                break
    return out


def fill(base: Path, rows: int) -> tuple[Path, Path, dict]:
    export = base / f"export-{rows}.csv"
    generate(export, rows)
    home = base / f"home-{rows}"
    subprocess.run([sys.executable, "-m", "companion", "--home", str(home), "init", "--domain", "example.com"],
                   check=True, capture_output=True, cwd=ROOT)
    result = child(CHILD_IMPORT, export, home)
    return export, home, result


def analyze(srv: CompanionServer, url: str, html: str) -> tuple[float, dict]:
    t = time.perf_counter()
    r = srv.request("POST", "/api/analyze", json={"url": url, "html": html}, timeout=120)
    elapsed = time.perf_counter() - t
    if r.status != 200:
        raise SystemExit(f"analyze {url}: {r.status} {r.text[:300]}")
    return elapsed, r.json()


def list_queries(export: Path, rows: int) -> dict[str, str]:
    """The backlink list pages to time (GET /api/backlinks), named: every sort, every filter,
    a text search for a rare and a common word, a deep offset."""
    src, _, anchor, _ = stored_pages(export, 1)[0]
    host = src.split("//", 1)[1].split("/", 1)[0].removeprefix("www.")
    rare = host.split(".")[0]  # `garden123`: the generated hosts' first label, on a few dozen rows
    common = anchor.split()[0].lower()  # a word of the generated anchors, on a sixth of the rows or so
    return {
        "default sort (authority desc)": "", "sort=authority&order=asc": "&sort=authority&order=asc",
        "sort=first_seen": "&sort=first_seen", "sort=first_seen&order=asc": "&sort=first_seen&order=asc",
        "sort=last_seen": "&sort=last_seen", "sort=last_seen&order=asc": "&sort=last_seen&order=asc",
        "sort=domain": "&sort=domain", "sort=domain&order=desc": "&sort=domain&order=desc",
        "status=lost": "&status=lost", "follow=false": "&follow=false", "tool=ahrefs": "&tool=ahrefs",
        f"domain={host}": f"&domain={host}", f"q={rare} (rare word)": f"&q={rare}",
        f"q={common} (common word)": f"&q={common}",
        f"q={rare}&sort=first_seen&status=live": f"&q={rare}&sort=first_seen&status=live",
        f"q={common}&sort=first_seen&status=live": f"&q={common}&sort=first_seen&status=live",
        "offset=rows/2 (deep page)": f"&offset={rows // 2}",
    }


def time_list_pages(srv: CompanionServer, queries: dict[str, str], rounds: int) -> list[tuple]:
    """The median time of each list page (100 rows), measured round trip over loopback."""
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(rounds):
        for name, query in queries.items():
            t = time.perf_counter()
            r = srv.request("GET", f"/api/backlinks?limit=100{query}", timeout=120)
            times[name].append(time.perf_counter() - t)
            assert r.status == 200, (name, r.status, r.text[:300])
            page = r.json()
            assert page["backlinks"] or not page["total"] or "offset" in name, (name, page["total"])
    return [(f"GET /api/backlinks 100 rows: {name}", f"{statistics.median(xs) * 1000:.1f} ms", None, "<= 100 ms")
            for name, xs in times.items()]


def time_reports(srv: CompanionServer, rounds: int) -> list[tuple]:
    """The link profile's reports (issue 28) at --big: the anchor mix and the velocity, each the
    median of `rounds` calls (the first, cold, reported apart), with three money
    pages (targets of the stored links, their path words as keywords) so the per-page parts run."""
    targets = sorted({b["target_url"] for b in srv.api("GET", "/api/backlinks?limit=100")["backlinks"]})[:3]
    profile = srv.api("GET", "/api/profile")
    profile["money_pages"] = [{"url": t, "keywords": [" ".join(t.rstrip("/").split("/")[-2:]).replace("-", " ")]}
                              for t in targets]
    srv.api("PUT", "/api/profile", json=profile)
    out = []
    # (the disavow review is left out: after the profile change it waits for the boost scores'
    # full pass, as the boost list does; a cost of its own, not of the report)
    for name, path in (("anchor mix", "/api/linkprofile/anchors"), ("velocity", "/api/linkprofile/velocity")):
        times = []
        for _ in range(rounds + 1):
            t = time.perf_counter()
            r = srv.request("GET", path, timeout=300)
            times.append(time.perf_counter() - t)
            assert r.status == 200, (path, r.status, r.text[:300])
        print(f"{path}: first {times[0] * 1000:.0f} ms, then {[round(x * 1000) for x in times[1:]]} ms", flush=True)
        out.append((f"GET {path} ({name}), first call", f"{times[0] * 1000:.0f} ms", None, "reported"))
        out.append((f"GET {path} ({name}), median", f"{statistics.median(times[1:]) * 1000:.0f} ms", None, "<= 1 s"))
    return out


def list_only(args, base: Path) -> int:
    """Fill the --big home (or reuse the one a former `--keep DIR` run left there: a million
    rows take a quarter of an hour to import), then time the backlink list's pages on it."""
    big_export, big_home = base / f"export-{args.big}.csv", base / f"home-{args.big}"
    figures = []
    if args.keep and big_export.exists() and (big_home / "backlinks.sqlite").exists():
        print(f"reusing the home {big_home}")
    else:
        t = time.perf_counter()
        big_export, big_home, imported = fill(base, args.big)
        baseline = floor(big_export, base / "floor")
        print(f"filled the home by `tierlink import` in {time.perf_counter() - t:.0f} s: {imported['summary']}")
        figures.append(("import vs the Python floor",
                        f"{imported['seconds']:.1f} s vs {baseline['seconds']:.1f} s",
                        imported["seconds"] / baseline["seconds"], "<= 2x"))
    db_size = sum(p.stat().st_size for p in big_home.glob("backlinks.sqlite*") if ".bak" not in p.name)
    figures.append(("database on disk vs the export file",
                    f"{db_size / 2**20:.0f} MiB vs {big_export.stat().st_size / 2**20:.0f} MiB",
                    db_size / big_export.stat().st_size, "reported"))
    srv = CompanionServer(big_home).start(timeout=120)
    try:
        if not args.reports_only:
            figures += time_list_pages(srv, list_queries(big_export, args.big), max(5, args.visits // 2))
        figures += time_reports(srv, 5)
        rss = psutil.Process(srv.proc.pid).memory_info().rss
        figures.append(("RSS of serve after the list pages", f"{rss / 2**20:.0f} MiB", None, "reported"))
        figures.append(("load average (1, 5, 15 min) after the list pages",
                        " ".join(f"{x:.2f}" for x in os.getloadavg()), None, "reported"))
    finally:
        srv.stop()
    print(f"\n{args.big:,} backlinks\n")
    print(f"{'measure':<72}{'figures':>28}{'ratio':>8}  goal")
    for name, text, ratio, goal in figures:
        print(f"{name:<72}{text:>28}{(f'{ratio:.2f}x' if ratio is not None else ''):>8}  {goal}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--visits", type=int, default=30)
    ap.add_argument("--keep", help="keep the homes and exports in this folder")
    ap.add_argument("--database", metavar="URL", help="team mode: compare PostgreSQL (this empty database) with SQLite")
    ap.add_argument("--list-only", action="store_true", help="only the backlink list's pages, on the --big home")
    ap.add_argument("--reports-only", action="store_true",
                    help="with --list-only: only the link profile's reports (anchor mix, velocity, disavow)")
    ap.add_argument("--reuse", choices=("process", "serve"),
                    help="team mode: verdicts only, in process or through serve, on the homes a former run left "
                         "in --keep DIR")
    ap.add_argument("--baseline", metavar="CHECKOUT", help="with --reuse: also time this checkout's code")
    ap.add_argument("--rounds", type=int, default=3, help="with --reuse: rounds (process: child processes per checkout)")
    ap.add_argument("--reps", type=int, default=3, help="with --reuse: visits of each page per round")
    args = ap.parse_args()
    if args.reuse and not (args.database and args.keep):
        ap.error("--reuse needs --database URL and --keep DIR")
    if args.database:
        return team_main(args)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tierlink-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    if args.list_only:
        try:
            return list_only(args, base)
        finally:
            if not args.keep:
                shutil.rmtree(base, ignore_errors=True)
    try:
        t = time.perf_counter()
        small_export, small_home, _ = fill(base, args.small)
        big_export, big_home, imported = fill(base, args.big)
        baseline = floor(big_export, base / "floor")
        print(f"filled homes by `tierlink import` in {time.perf_counter() - t:.0f} s: {imported['summary']}")
        db = big_home / "backlinks.sqlite"
        db_size = sum(p.stat().st_size for p in big_home.glob("backlinks.sqlite*") if ".bak" not in p.name)
        figures = [("import vs the Python floor", f"{imported['seconds']:.1f} s vs {baseline['seconds']:.1f} s",
                    imported["seconds"] / baseline["seconds"], "<= 2x"),
                   ("peak memory of the import", f"{imported['maxrss_kb'] / 2**20:.2f} GiB", None, "<= 1 GiB"),
                   ("database on disk vs the export file",
                    f"{db_size / 2**20:.0f} MiB vs {big_export.stat().st_size / 2**20:.0f} MiB",
                    db_size / big_export.stat().st_size, "reported")]
        assert db.exists()

        targets = {}
        for name, export, home in (("small", small_export, small_home), ("big", big_export, big_home)):
            targets[name] = stored_pages(export, args.visits)
        servers = {}
        start = time.perf_counter()
        servers["big"] = CompanionServer(big_home).start(timeout=120)
        src, tgt, anchor, nofollow = targets["big"][0]
        _, first = analyze(servers["big"], src, with_link(body_of(0), tgt, anchor, "nofollow" if nofollow else ""))
        first_verdict = time.perf_counter() - start
        assert "tier1" in first["labels"], first["labels"]
        figures.append(("start `serve` -> first verdict on a tier-1 page", f"{first_verdict:.2f} s", None, "<= 1 s"))
        servers["small"] = CompanionServer(small_home).start(timeout=120)
        try:
            pages = {name: [(src, with_link(body_of(i), tgt, anchor, "nofollow" if nf else ""))
                            for i, (src, tgt, anchor, nf) in enumerate(targets[name])] for name in servers}
            for name, srv in servers.items():  # first visits record whatever the page shows: warm-up
                for url, html in pages[name]:
                    analyze(srv, url, html)
            same = {"small": [], "big": []}
            change = {"small": [], "big": []}
            saves = {"small": [], "big": []}
            boost = []
            for i in range(args.visits):
                for name, srv in servers.items():
                    url, html = pages[name][i]
                    elapsed, result = analyze(srv, url, html)
                    assert result["changes"] == [] and "tier1" in result["labels"], (name, result["changes"])
                    same[name].append(elapsed)
                    new_url = f"https://fresh-{name}-{i}.test/post"
                    elapsed, result = analyze(srv, new_url, with_link(body_of(i), "https://example.com/pricing",
                                                                      "a fair review"))
                    assert [c["kind"] for c in result["changes"]] == ["new"], result["changes"]
                    change[name].append(elapsed)
                    t = time.perf_counter()
                    r = srv.request("POST", "/api/candidates", json={"url": f"https://spot-{i}.test/", "kind": "tier2"})
                    saves[name].append(time.perf_counter() - t)
                    assert r.status == 201, r.text
                t = time.perf_counter()
                r = servers["big"].request("GET", "/api/boost?limit=50", timeout=60)
                boost.append(time.perf_counter() - t)
                assert r.status == 200 and len(r.json()) == 50, r.status
            listing = time_list_pages(servers["big"], list_queries(big_export, args.big), max(5, args.visits // 2))
            rss = psutil.Process(servers["big"].proc.pid).memory_info().rss
            rss_small = psutil.Process(servers["small"].proc.pid).memory_info().rss
        finally:
            for srv in servers.values():
                srv.stop()

        def med(xs):
            return statistics.median(xs)

        figures += [
            ("a visit recording a change, big vs small (median)",
             f"{med(change['big']) * 1000:.1f} ms vs {med(change['small']) * 1000:.1f} ms",
             med(change["big"]) / med(change["small"]), "<= 1.2x"),
            ("a verdict with no change, big vs small (median)",
             f"{med(same['big']) * 1000:.1f} ms vs {med(same['small']) * 1000:.1f} ms",
             med(same["big"]) / med(same["small"]), "<= 1.1x"),
            ("a one-click save, big vs small (median)",
             f"{med(saves['big']) * 1000:.1f} ms vs {med(saves['small']) * 1000:.1f} ms",
             med(saves["big"]) / med(saves["small"]), "<= 1.2x"),
            ("GET /api/boost?limit=50 at big (median)", f"{med(boost) * 1000:.1f} ms", None, "<= 100 ms"),
            (f"RSS of serve after {2 * args.visits + 1} visits",
             f"{rss / 2**20:.0f} MiB vs {rss_small / 2**20:.0f} MiB", rss / rss_small, "<= 300 MiB"),
            *listing,
        ]
        print(f"\n{args.big:,} (big) vs {args.small:,} (small) backlinks, {args.visits} visits of each kind\n")
        print(f"{'measure':<72}{'figures':>28}{'ratio':>8}  goal")
        for name, text, ratio, goal in figures:
            print(f"{name:<72}{text:>28}{(f'{ratio:.2f}x' if ratio is not None else ''):>8}  {goal}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


# One child of the in-process comparison: the code of the checkout on PYTHONPATH, both homes.
CHILD_VERDICTS = """
import json, statistics, sys, time
sys.path.remove("")  # `-c` puts the working folder first: the code comes from PYTHONPATH (the checkout)
from pathlib import Path
import psycopg
import companion
from companion.workspace import Workspace
sqlite_home, pg_home, url, pages_file, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
pages = json.loads(Path(pages_file).read_text())
statements = [0]
for cls in (psycopg.Cursor,):
    for name in ("execute", "executemany"):
        def wrap(real):
            def counted(self, *a, **k):
                statements[0] += 1
                return real(self, *a, **k)
            return counted
        setattr(cls, name, wrap(getattr(cls, name)))
spaces = {"sqlite": Workspace(Path(sqlite_home)), "postgresql": Workspace(Path(pg_home), database=url)}
times = {name: [] for name in spaces}
counts = []
for ws in spaces.values():  # warm-up: the caches, the pool, the page's links recorded
    for u, html in pages:
        ws.analyze(u, html)
for _ in range(reps):
    for u, html in pages:
        for name, ws in spaces.items():
            before = statements[0]
            t = time.perf_counter()
            result = ws.analyze(u, html)
            times[name].append(time.perf_counter() - t)
            if name == "postgresql":
                counts.append(statements[0] - before)
            assert result["changes"] == [] and "tier1" in result["labels"], (name, u, result["changes"])
for ws in spaces.values():
    ws.close()
gaps = [pg - sq for pg, sq in zip(times["postgresql"], times["sqlite"])]  # the same page, one after the other
print(json.dumps({"code": str(Path(companion.__file__).parents[1]), "statements": statistics.mean(counts),
                  "gap": statistics.median(gaps), **{name: statistics.median(xs) for name, xs in times.items()}}))
"""


def reused(args) -> tuple[Path, dict[str, Path], list[tuple[str, str]], dict[str, Path]]:
    """(folder, {store: home}, [(url, html)] of the stored tier-1 pages, {code: checkout}) for
    --reuse: the homes a former `--database URL --keep DIR` run left."""
    base = Path(args.keep)
    export = base / f"export-{args.big}.csv"
    homes = {"sqlite": base / "home-sqlite", "postgresql": base / "home-pg"}
    if not export.exists() or not (homes["sqlite"] / "backlinks.sqlite").exists():
        raise SystemExit(f"no homes of a former `--database URL --big {args.big} --keep {base}` run in {base}")
    pages = [(src, with_link(body_of(i), tgt, anchor, "nofollow" if nf else ""))
             for i, (src, tgt, anchor, nf) in enumerate(stored_pages(export, args.visits))]
    codes = {"now": ROOT, **({"baseline": Path(args.baseline).resolve()} if args.baseline else {})}
    return base, homes, pages, codes


class CheckoutServer(CompanionServer):
    """`tierlink serve` running the code of another checkout (its folder first on the path)."""

    def __init__(self, home: Path, code: Path, extra_args: tuple[str, ...] = ()):
        super().__init__(home, extra_args=extra_args)
        self.code = code

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "import runpy, sys; sys.path.remove(''); "
                "runpy.run_module('companion', run_name='__main__', alter_sys=True)", "--home", str(self.home), *args]

    def env(self) -> dict:
        return dict(super().env(), PYTHONPATH=str(self.code))


def through_serve(args) -> int:
    """PostgreSQL vs SQLite verdicts through `tierlink serve`, this checkout's and --baseline's
    servers side by side on the homes a former run left (see the docstring)."""
    base, homes, pages, codes = reused(args)
    servers: dict[tuple[str, str], CompanionServer] = {}
    loads = [os.getloadavg()[0]]
    try:
        for code, root in codes.items():
            for store, home in homes.items():
                if code != "now":  # one server per home: the baseline's on a copy
                    copy = base / f"{home.name}-{code}"
                    if not copy.exists():
                        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("serve.lock", "*.log"))
                    home = copy
                extra = ("--database", args.database) if store == "postgresql" else ()
                servers[(code, store)] = CheckoutServer(home, root, extra).start(timeout=120)
        for srv in servers.values():  # warm-up
            for url, html in pages:
                analyze(srv, url, html)
        times: dict[tuple[str, str], list[float]] = {name: [] for name in servers}
        order = list(servers)
        for n in range(args.rounds * args.reps):
            for url, html in pages:
                for name in (order if n % 2 == 0 else order[::-1]):
                    elapsed, result = analyze(servers[name], url, html)
                    assert result["changes"] == [] and "tier1" in result["labels"], (name, result["changes"])
                    times[name].append(elapsed)
            loads.append(os.getloadavg()[0])
    finally:
        for srv in servers.values():
            srv.stop()
    med = statistics.median
    print(f"\n{args.big:,} backlinks, {len(pages)} stored tier-1 pages visited {args.rounds * args.reps} times on "
          f"each of {len(servers)} servers, {where(args.database)}; load average (1 min) {min(loads):.1f}-{max(loads):.1f}\n")
    print(f"{'code':<10}{'SQLite':>12}{'PostgreSQL':>14}{'ratio':>8}  goal")
    for code in codes:
        sq, pg = med(times[(code, "sqlite")]), med(times[(code, "postgresql")])
        print(f"{code:<10}{sq * 1000:>9.1f} ms{pg * 1000:>11.1f} ms{pg / sq:>7.2f}x  <= 1.2x")
    return 0


def in_process(args) -> int:
    """PostgreSQL vs SQLite verdicts in process, this checkout and --baseline's interleaved by
    round, on the homes a former `--database URL --keep DIR` run left (see the docstring)."""
    base, homes, pages, codes = reused(args)
    pages_file = base / "verdict-pages.json"
    pages_file.write_text(json.dumps(pages))
    rounds: dict[str, list[dict]] = {name: [] for name in codes}
    loads = [os.getloadavg()[0]]
    for n in range(args.rounds):
        for name, root in (codes.items() if n % 2 == 0 else reversed(codes.items())):
            got = child(CHILD_VERDICTS, homes["sqlite"], homes["postgresql"], args.database, pages_file, args.reps,
                        root=root)
            if Path(got["code"]).resolve() != root:
                raise SystemExit(f"the child ran the code in {got['code']}, not {root}")
            rounds[name].append(got)
            loads.append(os.getloadavg()[0])
            print(f"round {n + 1}, {name}: SQLite {got['sqlite'] * 1000:.1f} ms, PostgreSQL "
                  f"{got['postgresql'] * 1000:.1f} ms ({got['postgresql'] / got['sqlite']:.2f}x; PostgreSQL - SQLite "
                  f"per visit {got['gap'] * 1000:+.1f} ms), {got['statements']:.1f} statements a verdict", flush=True)
    med = statistics.median
    print(f"\n{args.big:,} backlinks, {args.visits} stored tier-1 pages, {args.reps} visits each per round, "
          f"{args.rounds} rounds, {where(args.database)}; load average (1 min) {min(loads):.1f}-{max(loads):.1f}\n")
    print(f"{'code':<10}{'SQLite':>12}{'PostgreSQL':>14}{'ratio':>8}{'rounds':>8}{'gap':>10}{'statements':>12}  goal")
    for name, got in rounds.items():
        sq, pg = med(g["sqlite"] for g in got), med(g["postgresql"] for g in got)
        each = med(g["postgresql"] / g["sqlite"] for g in got)  # the median of the rounds' own ratios
        print(f"{name:<10}{sq * 1000:>9.1f} ms{pg * 1000:>11.1f} ms{pg / sq:>7.2f}x{each:>7.2f}x"
              f"{med(g['gap'] for g in got) * 1000:>+7.1f} ms{med(g['statements'] for g in got):>12.1f}  <= 1.2x")
    return 0


def team_main(args) -> int:
    """PostgreSQL vs SQLite on the same export: the import, a verdict, a save (see the docstring)."""
    if args.reuse:
        return in_process(args) if args.reuse == "process" else through_serve(args)
    from companion.store.opening import open_store
    
    probe_home = Path(tempfile.mkdtemp(prefix="tierlink-probe-"))
    probe = open_store(probe_home, database=args.database)
    try:
        if probe.backlink_count():
            raise SystemExit(f"the database {where(args.database)} already holds backlinks: give an empty one")
    finally:
        probe.close()
        shutil.rmtree(probe_home, ignore_errors=True)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tierlink-team-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        export = base / f"export-{args.big}.csv"
        generate(export, args.big)
        homes = {"sqlite": base / "home-sqlite", "postgresql": base / "home-pg"}
        imported = {}
        for name, home in homes.items():
            env_db = {"TIERLINK_DATABASE": args.database} if name == "postgresql" else {}
            os.environ.pop("TIERLINK_DATABASE", None)
            os.environ.update(env_db)
            subprocess.run([sys.executable, "-m", "companion", "--home", str(home), "init", "--domain", "example.com"],
                           check=True, capture_output=True, cwd=ROOT)
            imported[name] = child(CHILD_IMPORT, export, home)
            os.environ.pop("TIERLINK_DATABASE", None)
        baseline = floor(export, base / "floor")
        print(f"imported {args.big:,} rows: {imported['postgresql']['summary']}")
        figures = [(f"import into {name} vs the Python floor",
                    f"{imported[name]['seconds']:.1f} s vs {baseline['seconds']:.1f} s",
                    imported[name]["seconds"] / baseline["seconds"], "reported")
                   for name in ("postgresql", "sqlite")]
        figures.append(("peak memory of the import, PostgreSQL vs SQLite",
                        f"{imported['postgresql']['maxrss_kb'] / 2**10:.0f} MiB vs "
                        f"{imported['sqlite']['maxrss_kb'] / 2**10:.0f} MiB",
                        imported["postgresql"]["maxrss_kb"] / imported["sqlite"]["maxrss_kb"], "reported"))
        targets = stored_pages(export, args.visits)
        pages = [(src, with_link(body_of(i), tgt, anchor, "nofollow" if nf else ""))
                 for i, (src, tgt, anchor, nf) in enumerate(targets)]
        servers = {"sqlite": CompanionServer(homes["sqlite"]).start(timeout=120),
                   "postgresql": CompanionServer(homes["postgresql"], extra_args=("--database", args.database))
                   .start(timeout=120)}
        verdicts = {name: [] for name in servers}
        saves = {name: [] for name in servers}
        try:
            for srv in servers.values():  # warm-up: first visits record what the pages show
                for url, html in pages:
                    analyze(srv, url, html)
            for i, (url, html) in enumerate(pages):
                for name, srv in servers.items():
                    elapsed, result = analyze(srv, url, html)
                    assert result["changes"] == [] and "tier1" in result["labels"], (name, result["changes"])
                    verdicts[name].append(elapsed)
                    t = time.perf_counter()
                    r = srv.request("POST", "/api/candidates", json={"url": f"https://spot-{i}.test/", "kind": "tier2"})
                    saves[name].append(time.perf_counter() - t)
                    assert r.status == 201, r
        finally:
            for srv in servers.values():
                srv.stop()
        med = statistics.median
        for label, xs in (("a verdict with no change", verdicts), ("a one-click save", saves)):
            figures.append((f"{label}, PostgreSQL vs SQLite (median)",
                            f"{med(xs['postgresql']) * 1000:.1f} ms vs {med(xs['sqlite']) * 1000:.1f} ms",
                            med(xs["postgresql"]) / med(xs["sqlite"]), "reported"))
        print(f"\n{args.big:,} backlinks, {args.visits} visits and saves on each store, {where(args.database)}\n")
        print(f"{'measure':<56}{'figures':>28}{'ratio':>8}  goal")
        for name, text, ratio, goal in figures:
            print(f"{name:<56}{text:>28}{(f'{ratio:.2f}x' if ratio is not None else ''):>8}  {goal}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
