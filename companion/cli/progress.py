"""Progress of the long commands (`tierlink import`, `tierlink recheck`) on stderr, drawn one way.

On a terminal it is click's own progress bar (`click.progressbar`: the bar, percentage,
position and time left, redrawn in place), so the CLI draws no bar of its own. Elsewhere
(a log file, CI) a redrawn bar is noise: a line per 10% is written instead, so a long run
still leaves a trace. stdout stays the command's answer (`--json` included).
"""

from __future__ import annotations

import sys

import click


class Progress:
    """One progress display per job (a file being imported, a recheck): `step(job, done, total, detail)`.

    `lines_from`: below this total, no lines are written off a terminal (a small import says nothing)."""

    def __init__(self, lines_from: int = 0):
        self.tty = sys.stderr.isatty()
        self.lines_from = lines_from
        self._bars: dict[str, click.progressbar] = {}
        self._tenths: dict[str, int] = {}

    def step(self, job: str, done: int, total: int, detail: str = "") -> None:
        if not total:
            return
        done = min(done, total)
        if self.tty:
            self._draw(job, done, total, detail)
        elif total >= self.lines_from and done * 10 // total > self._tenths.get(job, -1):
            self._tenths[job] = done * 10 // total
            click.echo(f"{job}: {done * 100 // total}%{f' ({detail})' if detail else ''}", err=True)

    def _draw(self, job: str, done: int, total: int, detail: str) -> None:
        bar = self._bars.get(job)
        if bar is None:
            bar = self._bars[job] = click.progressbar(length=total, label=job, file=sys.stderr,
                                                      item_show_func=lambda item: item)
            bar.__enter__()
        bar.update(done - bar.pos, detail or None)
        if done >= total:
            bar.__exit__(None, None, None)  # the finished bar stays, the cursor goes to the next line
            del self._bars[job]
