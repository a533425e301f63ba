"""Fixtures of the journeys: the two laptop screens, a Chromium (with the extension where a
journey needs it), the dashboard as a user opens it, and the CLI on the same home.

The companion is the real `tierlink serve` (tests/serverutil.py), the extension and its
browser come from tests/extensionutil.py, local web sites from tests/websites.py and
PostgreSQL from tests/pgutil.py (its `pg_cluster` fixture is in tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from extensionutil import CHROMIUM, ROOT, chromium_with_extension
from websites import sites  # noqa: F401  (fixture)

try:
    from test_dashboard import ADDRESS, Dashboard  # the real companion, with the address `serve` printed
except pytest.skip.Exception:  # no Chromium or Playwright here: test_dashboard skips itself, every journey too
    from serverutil import CompanionServer as Dashboard
    ADDRESS = None

SCREENS = [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def pytest_collection_modifyitems(items):
    """Every journey is a browser test (`-m "not browser"` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.journey)


@pytest.fixture(autouse=True)
def _needs_a_browser():
    if sync_playwright is None:
        pytest.skip("python playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium not found at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(params=SCREENS, ids=[f"{s['width']}x{s['height']}" for s in SCREENS])
def screen(request) -> dict:
    """The two laptop screens every journey is walked at."""
    return dict(request.param)


class Companion(Dashboard):
    """`tierlink serve` on a free port with the address it printed (tests/test_dashboard.py's
    Dashboard), and the CLI on the same home (or database: `extra_args` such as
    `--database URL --user NAME` go to both)."""

    @property
    def printed_token(self) -> str:
        return ADDRESS.search(self.address).group(1)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "companion", "--home", str(self.home), *self.extra_args, *args],
                              capture_output=True, env=self.env(), cwd=ROOT, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"tierlink {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
        return proc

    def cli_json(self, *args: str):
        return json.loads(self.cli(*args, "--json").stdout)


@pytest.fixture
def companion_factory(tmp_path):
    made: list[Companion] = []

    def make(name: str = "home", *, init_domain: str | None = None, extra_args: tuple[str, ...] = (),
             start: bool = True) -> Companion:
        c = Companion(tmp_path / name, extra_args=extra_args)
        if init_domain:
            c.cli("init", "--domain", init_domain)
        if start:
            c.start()
        made.append(c)
        return c

    yield make
    for c in made:
        c.stop()


@contextmanager
def plain_chromium():
    """Debian's Chromium without the extension (the dashboard alone)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--headless=new", "--no-sandbox", "--disable-gpu",
                                           "--disable-background-networking", "--disable-component-update",
                                           "--disable-sync", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium():
    with plain_chromium() as browser:
        yield browser


@pytest.fixture
def ext_browser(tmp_path):
    """A fresh Chromium profile with the unpacked extension loaded: a first run, unpaired."""
    with chromium_with_extension(tmp_path / "chromium-profile") as b:
        yield b


class DashboardPage:
    """The dashboard in one tab, opened from the address `serve` printed (or from a link to it
    the user clicked, `opened=True`), one view at a time."""

    def __init__(self, page, companion: Companion, opened: bool = False):
        self.page = page
        self.companion = companion
        self.opened = opened
        self.errors: list[str] = []
        self.requests: list[str] = []  # every URL the dashboard asked the companion for
        page.on("request", lambda r: self.requests.append(r.url) if r.url.startswith(companion.base_url) else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))

    def open(self, view: str | None = None):
        from playwright.sync_api import expect

        page = self.page
        if not self.opened:
            page.goto(self.companion.address)
            self.opened = True
        page.wait_for_selector("nav#tabs a.tab")
        if view:
            page.click(f'a.tab[data-view="{view}"]')
            page.wait_for_selector(f"#view-{view}")
        self.settle()
        expect(page.locator("main .loading")).to_have_count(0, timeout=60_000)
        return page

    def settle(self):
        self.page.wait_for_load_state("networkidle")

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).inner_text()


@pytest.fixture
def dashboard_factory():
    opened: list = []

    def make(browser, companion: Companion, screen: dict, page=None) -> DashboardPage:
        """A tab of `browser` (a Chromium, or the extension's) at `screen`; `page`: a tab already open on it."""
        if page is None:
            if hasattr(browser, "new_context"):
                page = browser.new_context(viewport=screen).new_page()
            else:
                page = browser.context.new_page()
        page.set_viewport_size(screen)
        dash = DashboardPage(page, companion, opened=page.url.startswith(companion.base_url))
        opened.append(dash)
        return dash

    yield make
    errors = [e for d in opened for e in d.errors]
    assert not errors, f"errors in the dashboard: {errors}"
