"""`tierlink serve`: the companion app under waitress, on loopback only, one per home.

Why each setting (see docs/SECURITY.md):

* `host` is always a loopback address: waitress listens on every interface when
  asked for none, and this service must never be reachable from the network.
* Bodies are capped per route before a byte is read (companion.web.bodygate): 16 MiB
  (companion.web.app.MAX_BODY, Flask's MAX_CONTENT_LENGTH too) everywhere but
  `POST /api/import`, whose own cap is `--max-import-size` (4 GiB by default) and
  whose body is spooled to the data home as it arrives. waitress's
  `max_request_body_size` is the larger of the two, the gate applies the route's;
  a body is refused with 413 whether announced by Content-Length (from the
  headers) or sent chunked (once it passes the limit). waitress's own error answers are made JSON with our security
  headers (`_json_waitress_errors`), so no client ever sees a text/plain page.
* `threads` is 6, the number of connections a browser opens to one host (Chromium
  and Firefox alike). Opening the dashboard fetches its shell, a dozen modules, the
  stylesheet and the first API calls at once over those 6 connections, each carrying
  one request at a time: with a thread for each, no request waits for long. Not
  more: one browser never has more than 6 requests in flight.
* glibc's malloc is tuned at start (`tune_malloc`): its arenas bounded to ARENA_MAX
  and its mmap threshold fixed. By default each thread that allocates while another
  holds an arena's lock gets an arena of its own (up to 8 per core), and glibc raises
  the size from which blocks are mapped after every large free, so a page's buffers
  then fragment the heap; freed memory is rarely given back either way. The RSS grew
  with every page analysed, 55 MiB idle to 163 MiB after 1,200 visits (issue 25),
  while the analysis alone stays flat. tests/test_memory.py posts 1,000 corpus pages
  from 6 clients and reads the RSS.
* waitress logs "Task queue depth is N" whenever a request has to wait for a thread
  at all, even for the moment a thread that has just answered takes to come back for
  the next task (it still counts as busy then). One visit of the dashboard logged 17
  of these (issue 22, item 12) for waits of a millisecond. `_QueueDepthFilter` keeps
  the warning for a real backlog only: at least as many requests waiting as there are
  threads, which one user's browser cannot cause. tests/test_server_log.py opens
  the dashboard in Chromium and reads the server's log.
* `connection_limit` and `channel_timeout` are low: the clients are one browser
  extension and one dashboard; a stuck or hostile local client cannot pin
  hundreds of sockets or hold them for minutes.
* A lock file (`serve.lock` in the home, `fcntl.flock`, holding the pid): two
  servers on one home would each keep their own in-memory store and overwrite
  each other's writes. The lock is the kernel's, so it is released even when the
  process is killed; the pid in the file is only there to name the holder.
* SIGTERM and SIGINT set a flag the event loop checks every LOOP_STEP; then the
  server waits for running requests, closes the workspace (flushing the store)
  and releases the lock.
"""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import json
import logging
import os
import signal
import sys
from pathlib import Path

from companion.core.limits import DEFAULT_HOST, DEFAULT_PORT, MAX_BODY
from companion.core.errors import AlreadyRunning, TierlinkError, code_for_status, error_body
from companion.core.home import ensure_home

LOCK_FILE = "serve.lock"

WAITRESS_SETTINGS = {
    "threads": 6,
    "connection_limit": 32,
    "channel_timeout": 30,
    "cleanup_interval": 10,
    "asyncore_use_poll": True,
    "ident": "tierlink",
    # A page arrives as one JSON body of a few hundred KiB: read it in large steps
    # and keep bodies up to 4 MiB in memory instead of a temp file (waitress's 8 KiB/512 KiB
    # defaults cost time per page: scripts/bench_http.py, figures in docs/BENCHMARKS.md).
    "recv_bytes": 256 * 1024,
    "inbuf_overflow": 4 * 1024 * 1024,
    "expose_tracebacks": False,
}

log = logging.getLogger("tierlink.serve")

# glibc's malloc, tuned at start (`tune_malloc`, issue 25; figures in docs/BENCHMARKS.md).
# One arena for all the server's threads: the flattest in the measure (2 kept a few MiB
# more and crept on), at the same speed — the threads take turns at the GIL anyway.
ARENA_MAX = 1
# Blocks from 128 KiB up (a page's body, its text, its tree) are mapped on their own
# and unmapped when freed. This is glibc's first threshold, but glibc raises it (up to
# 32 MiB) each time such a block is freed, after which page-sized blocks come from the
# heap and fragment it: RSS kept climbing after warm-up even with one arena.
MMAP_THRESHOLD = 128 * 1024
_M_ARENA_MAX = -8  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # musl, macOS, Windows: no such name
        return False


def tune_malloc(arena_max: int = ARENA_MAX, mmap_threshold: int = MMAP_THRESHOLD) -> dict[str, bool]:
    """Bound glibc's malloc arenas and fix its mmap threshold in this process.

    Returns which of the two were set. Why `mallopt` and not the environment:
    `MALLOC_ARENA_MAX` set once the process runs does nothing (glibc reads its
    environment at start). Called before serve starts its threads; arenas already
    made stay, but none is made past the cap (glibc fixes its own limit only once
    more than 8 arenas exist). A user's own `MALLOC_ARENA_MAX`,
    `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` setting wins. Anywhere but glibc
    (macOS, Windows, musl) nothing is done: their allocators differ, and a missing
    symbol must never stop the server.
    """
    done = {"arena_max": False, "mmap_threshold": False}
    if not _glibc():
        return done
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        mallopt.restype = ctypes.c_int
    except (OSError, AttributeError, TypeError):
        return done
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if not ("MALLOC_ARENA_MAX" in os.environ or "arena_max" in tunables):
        done["arena_max"] = mallopt(_M_ARENA_MAX, int(arena_max)) == 1
    if not ("MALLOC_MMAP_THRESHOLD_" in os.environ or "mmap_threshold" in tunables):
        done["mmap_threshold"] = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
    return done


def check_host(host: str) -> str:
    """127.0.0.1 (or `localhost`, taken as 127.0.0.1); anything else is refused.

    Not just "any loopback address": the Host allow-list and the dashboard's
    origins name 127.0.0.1 and localhost, and the extension calls
    http://127.0.0.1:PORT, so a server on 127.0.0.2 or ::1 would refuse its own
    dashboard. A non-loopback address would expose the companion to the network.
    """
    if host in ("127.0.0.1", "localhost"):
        return "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        raise TierlinkError(f"--host {host}: the companion listens on 127.0.0.1 only "
                            "(the extension and the dashboard call http://127.0.0.1:PORT)", code="usage")
    raise TierlinkError(f"--host {host} is not a loopback address: the companion only listens on 127.0.0.1",
                        code="usage")


class ServeLock:
    """An exclusive flock on HOME/serve.lock for the lifetime of the server."""

    def __init__(self, home: Path):
        self.path = Path(home) / LOCK_FILE
        self.fd: int | None = None

    def acquire(self) -> "ServeLock":
        ensure_home(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise AlreadyRunning(f"another `tierlink serve` (pid {holder}) is already running "
                                     f"for {self.path.parent}") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
            self.fd = None


def _json_waitress_errors() -> None:
    """Make waitress's own error answers (413, 400, 431) JSON with our security headers.

    waitress answers some requests before the app sees them — a body over
    max_request_body_size, malformed or oversized headers — with a text/plain
    page. Every answer of this service has one error shape, so its renderer is
    replaced (in this process only). If a later waitress changes the hook, its
    plain answer remains: still a refusal with the right status.
    """
    from waitress import utilities

    from companion.web.app import SECURITY_HEADERS

    original = utilities.Error.to_response
    if getattr(original, "_tierlink", False):
        return

    def to_response(self, ident=None):
        status = f"{self.code} {self.reason}"
        # companion.web.bodygate's refusals carry our own code and message.
        code = getattr(self, "tierlink_code", None) or code_for_status(self.code)
        message = getattr(self, "tierlink_message", None) or {413: "the body is too large"}.get(self.code, self.reason)
        body = json.dumps(error_body(code, message)).encode()
        headers = [("Content-Type", "application/json"), *SECURITY_HEADERS.items()]
        return status, headers, body

    to_response._tierlink = True
    utilities.Error.to_response = to_response


class _QueueDepthFilter(logging.Filter):
    """Drops waitress's "Task queue depth is N" below a real backlog (module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Task queue depth is %d" or not record.args:
            return True
        return record.args[0] >= WAITRESS_SETTINGS["threads"]


def _setup_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    queue = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _QueueDepthFilter) for f in queue.filters):
        queue.addFilter(_QueueDepthFilter())


# How long one turn of the event loop may wait for a socket before it looks at the
# stop flag again: the longest a SIGTERM waits to be noticed on an idle server.
LOOP_STEP = 0.2


def _run_until_stopped(server, stopping: list) -> None:
    """Drive waitress's event loop until a signal handler appends to `stopping`.

    The signal handler only records the signal; it never raises. Raising from a
    handler (our first design) lands the exception wherever the main thread happens
    to be: inside a waitress channel handler that swallows it ("uncaptured python
    exception, closing channel"), between a lock's acquire and its try, or in a
    logging handler. CI saw the result: one SIGTERM in a few dozen, sent under load,
    left the server running (tests/test_crash.py). A flag checked between loop turns
    cannot be lost. `server.run()` would loop until the socket map is empty, so the
    same loop is written out here with a short step.
    """
    from waitress import wasyncore

    while not stopping:
        wasyncore.loop(timeout=LOOP_STEP, map=server._map, use_poll=True, count=1)


def serve(home: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, announce=None,
          max_import_size: int | None = None, workspace=None) -> None:
    """Run until SIGTERM/SIGINT. `announce(url, token)` is called once listening.

    `max_import_size`: the largest upload POST /api/import takes (default 4 GiB).
    `workspace`: the Workspace to serve (team mode: its database and user); by default
    one on `home` with the embedded store.
    """
    from waitress.server import create_server

    from companion.web import bodygate, security, uploads
    from companion.web.app import create_app

    tune_malloc()  # before the store, the monitor and waitress start their threads
    host = check_host(host)
    if not 0 < int(port) < 65536:
        raise TierlinkError(f"--port {port} is not a TCP port", code="usage")
    home = ensure_home(Path(home))
    _setup_logging()
    lock = ServeLock(home).acquire()
    server = None
    app = None
    try:
        app = create_app(home, port, max_import_size=max_import_size, workspace=workspace)
        uploads.remove_leftovers(home)  # a killed companion's half-received uploads (we hold the lock)
        # Open the store before listening: a damaged file is restored from its backup now,
        # loudly on stderr (and in /api/health `notices`), or serve refuses to start with
        # the path and the fix, instead of answering every later request with an error.
        workspace = app.extensions["tierlink"].workspace
        workspace.store.check_in_background()  # damage the clean-close stamp cannot see, found meanwhile
        # Build the tier-1 index while the user opens the browser (a minute at a million
        # backlinks), rather than at the first page they visit.
        from companion.verdicts import verdicts

        verdicts.warm_up(lambda: workspace.store, workspace.profile)
        workspace.recheck_runner().start_schedule()
        from companion.alerts.delivery import queue as alert_queue

        alert_queue.start(workspace.store, lambda: workspace.profile)  # webhook deliveries (retried) and the daily mail digest
        _json_waitress_errors()
        try:
            largest = max(MAX_BODY, app.extensions["tierlink"].imports.max_bytes + 1)  # an import may be the cap
            server = create_server(app, host=host, port=port, max_request_body_size=largest,
                                   **WAITRESS_SETTINGS)
            bodygate.install(server, app)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise TierlinkError(f"port {port} on {host} is already in use (try --port)") from None
            raise TierlinkError(f"cannot listen on {host}:{port}: {exc.strerror}") from None

        stopping: list[str] = []

        def stop(signum, frame):
            stopping.append(signal.Signals(signum).name)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            token = security.get_token(home)
            if announce:
                announce(f"http://{host}:{port}", token)
            log.info("listening on %s:%s (pid %s, home %s)", host, port, os.getpid(), home)
            _run_until_stopped(server, stopping)
            log.info("stopping (%s)", stopping[0])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        if server is not None:
            try:
                server.task_dispatcher.shutdown(timeout=5)
            except Exception:  # noqa: BLE001 - shutting down; never mask the real reason
                pass
            server.close()
        if app is not None:
            ws = app.extensions["tierlink"].workspace
            from companion.monitor import runner

            runner.stop(ws.open_store)
            from companion.alerts.delivery import queue as alert_queue

            alert_queue.stop(ws.open_store)
            ws.close()
        lock.release()
        if server is not None:
            log.info("stopped")
