#!/usr/bin/env python3
"""Benchmark: what the boost rules cost at import, against another checkout's code.

The verdict rules of issue 17 (every tool's authority, spam signals, the count of
referring sites sharing a page's path, competing pages by stemmed shared words) run
for every tier-1 page an import writes. This imports one generated Ahrefs export
(scripts/bench_import.py makes it: UTF-16, the 37 columns, every page on its own path:
the worst case for the path counts) into fresh homes with this checkout's code and
with the code of --baseline (e.g. `git archive main | tar -x -C /tmp/main`),
alternating, each in its own process, with a profile holding two money keywords.
Printed, best of --repeat each, side by side: the import, the first boost list after
it, and a later one. Goal: import <= 1.1x the baseline; boost lists unchanged.

Usage: scripts/bench_rules.py --baseline DIR [--rows 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from bench_import import generate  # noqa: E402

CHILD = """
import json, sys, time
from pathlib import Path
from companion.workspace import Workspace
ws = Workspace(Path(sys.argv[2]))
ws.set_profile({"domains": ["example.com"], "money_pages": [{"url": "https://www.example.com/x",
                "keywords": ["garden tools review", "kitchen knife set"]}]})
t = time.perf_counter()
ws.import_files([Path(sys.argv[1])])
t1 = time.perf_counter()
ws.boost_list(50)
t2 = time.perf_counter()
ws.boost_list(50)
t3 = time.perf_counter()
ws.close()
print(json.dumps({"import": t1 - t, "first boost list": t2 - t1, "boost list": t3 - t2}))
"""


def run(code_root: Path, export: Path, home: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(export), str(home)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(code_root)))
    if out.returncode:
        sys.exit(f"child failed ({code_root}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="another checkout of tierlink (its companion/ is imported)")
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    baseline = Path(args.baseline).resolve()
    if not (baseline / "companion" / "__init__.py").is_file():
        sys.exit(f"{baseline} holds no companion/ package")
    with tempfile.TemporaryDirectory(prefix="tierlink-bench-") as d:
        export = Path(d) / "ahrefs.csv"
        generate(export, args.rows)
        runs: dict[str, list[dict]] = {"baseline": [], "this": []}
        for r in range(args.repeat):
            for name, code in (("baseline", baseline), ("this", ROOT)):
                runs[name].append(run(code, export, Path(d) / f"{name}-{r}"))
        print(f"{args.rows:,} rows, best of {args.repeat}, interleaved (baseline {baseline})")
        for key in runs["this"][0]:
            base = min(x[key] for x in runs["baseline"])
            this = min(x[key] for x in runs["this"])
            print(f"  {key:<17} baseline {base * 1000:8.0f} ms   this {this * 1000:8.0f} ms   {this / base:.2f}x")


if __name__ == "__main__":
    main()
