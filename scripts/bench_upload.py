#!/usr/bin/env python3
"""Benchmark: a big export imported through the dashboard's route vs `tierlink import`, in memory and time.

Generates an Ahrefs export of about --mb megabytes (scripts/bench_import.py's
generator: UTF-16, ~840 bytes a row), then, side by side in one run:

* `tierlink import FILE` in a fresh home: its peak RSS (psutil, every 50 ms) and time;
* a fresh `tierlink serve`: idle RSS after a small warm-up import, then the same
  file sent to `POST /api/import` as a browser sends it (multipart, streamed from
  disk by the client), with the server's RSS sampled every 50 ms and tagged by
  the phase GET /api/import reports (receiving, reading, storing).

Goals (issue 18): receiving the upload does not grow the server with the file
(growth while receiving ≤ 100 MiB for a 500 MB file), and the whole import
likewise (the same goal, which also depends on the parser and the store). The
server's peak is printed next to the CLI's for the same file. The totals of the
two imports must be equal. Usage:
    scripts/bench_upload.py [--mb 500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_import import generate  # noqa: E402
from serverutil import CompanionServer, RssSampler, upload_files  # noqa: E402

MiB = 1024 * 1024
ROWS_PER_MB = 1190
WARM_UP = ROOT / "tests" / "fixtures" / "dashboard" / "ahrefs-v3.csv"


def cli_import(home: Path, export: Path) -> tuple[dict, int, float]:
    """(summary, peak RSS, seconds) of `tierlink import` in its own process."""
    base = [sys.executable, "-m", "companion", "--home", str(home)]
    subprocess.run([*base, "import", str(WARM_UP)], check=True, capture_output=True)
    started = time.perf_counter()
    proc = subprocess.Popen([*base, "import", str(export), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    sampler = RssSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"tierlink import failed ({proc.returncode})")
    return json.loads(out), sampler.peak(), seconds


def server_import(home: Path, export: Path) -> tuple[dict, int, RssSampler, float]:
    """(summary, idle RSS, the sampler, seconds) of the same file through POST /api/import."""
    import psutil

    with CompanionServer(home) as srv:
        status, _ = upload_files(srv, [WARM_UP])
        assert status == 200
        time.sleep(1)
        idle = psutil.Process(srv.proc.pid).memory_info().rss
        sampler = RssSampler(srv.proc.pid, srv)
        sampler.start()
        started = time.perf_counter()
        status, summary = upload_files(srv, [export], timeout=3600)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        if status != 200:
            raise SystemExit(f"POST /api/import -> {status}: {summary}\n{srv.output()}")
        left = list(srv.home.glob(".upload-*"))
        assert not left, f"upload files left behind: {left}"
        return summary, idle, sampler, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=500, help="size of the generated export in MB (default 500)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-upload-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        export = work / "example.com-backlinks-subdomains.csv"
        rows = int(args.mb * ROWS_PER_MB)
        if not export.exists():
            print(f"generating {rows:,} rows ...", file=sys.stderr)
            generate(export, rows)
        size = export.stat().st_size
        shutil.rmtree(work / "cli", ignore_errors=True)
        shutil.rmtree(work / "srv", ignore_errors=True)
        expected, cli_peak, cli_s = cli_import(work / "cli" / "home", export)
        summary, idle, sampler, srv_s = server_import(work / "srv" / "home", export)
        phases = {phase: sampler.peak(phase) - idle for phase in ("receiving", "reading", "storing")}
        whole = sampler.peak() - idle
        print(f"export: {size / MiB:.1f} MiB ({size / 1e6:.0f} MB), {expected['rows_read']:,} rows")
        print(f"totals equal to `tierlink import`: {summary == expected}")
        print(f"server idle RSS: {idle / MiB:.0f} MiB")
        for phase, growth in phases.items():
            print(f"  growth over idle while {phase:9s}: {growth / MiB:7.1f} MiB")
        print(f"  peak growth over the whole request: {whole / MiB:.0f} MiB (peak {sampler.peak() / MiB:.0f} MiB)")
        print(f"`tierlink import` peak RSS: {cli_peak / MiB:.0f} MiB")
        print(f"receiving: {phases['receiving'] / MiB:.1f} MiB growth for {size / 1e6:.0f} MB "
              f"(goal <= 100 MiB for 500 MB) -> {'met' if phases['receiving'] <= 100 * MiB else 'NOT met'}")
        print(f"server peak / CLI peak: {sampler.peak() / cli_peak:.2f}x (reported)")
        print(f"whole import: {whole / MiB:.0f} MiB growth over idle for {size / 1e6:.0f} MB "
              f"(goal <= 100 MiB for 500 MB) -> {'met' if whole <= 100 * MiB else 'NOT met'}")
        print(f"time: server {srv_s:.1f} s (upload, import, index warm-up) vs CLI {cli_s:.1f} s -> {srv_s / cli_s:.2f}x")
        if summary != expected:
            raise SystemExit("the totals differ")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
