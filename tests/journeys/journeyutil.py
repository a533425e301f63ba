"""What every journey checks, as a person looking at the screen would: layout, words, numbers.

A journey is a user's path through the product in a real Chromium (tests/journeys/). At
each screen it stops and looks: `Checks.look(page, name)` takes a screenshot (kept under
the artifacts folder) and records every problem it sees instead of stopping at the first,
so one run names all of a screen's flaws; `Checks.verify()` at the end fails the test
with the whole list. Steps of the journey itself (a button to click, a page to load)
still fail at once: nothing after them could be checked.

- layout: no element of the main views wider than its container (`scrollWidth` against
  `clientWidth`, and each element's box against its parent's), no horizontal scrolling
  of the page, and every action button inside the viewport and inside every box that
  clips or scrolls it (a Save button behind a table's horizontal scrollbar is off-screen
  for the user even when the page itself does not scroll), and no text squeezed into a
  column so narrow that it stands one word per line. An ellipsis ("…") is a deliberate,
  visible cut and is allowed.
- words: no raw label codes (snake_case words such as `worth_boosting`), no literal
  Markdown backticks, no `undefined`/`NaN`/`[object Object]`, and no command-line flag
  (`--allow-private-hosts`) outside a command shown as code. Link texts (URLs) and any
  word found in the user's own data (export files, page texts) are the user's words and
  are left alone. Weight names in reasons (`boost.high_dr +9`) are the documented signal
  names `tierlink weights` lists, and are left alone too.
- numbers: `Checks.same(dashboard_value, cli_value, what)`; journeys read the CLI with
  `--json` on the same home or database.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REAL_EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "exports" / "real"
ARTIFACTS = Path(os.environ.get("TIERLINK_ARTIFACTS") or Path(__file__).resolve().parents[1] / "_artifacts") / "journeys"

SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
EDGES = "()[]{}<>\"'“”‘’«»,;:!?…*"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b")
RAW_VALUES = re.compile(r"\b(undefined|NaN)\b|\[object Object\]")

# Elements (and their boxes) a person sees in a view: the measurements happen in the page.
_LAYOUT_JS = r"""
(rootSelectors) => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const seen = new Set();
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean).slice(0, 3);
    if (cls.length) s += '.' + cls.join('.');
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return text ? `${s} "${text}"` : s;
  };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const cuts = (el) => { const cs = getComputedStyle(el); return cs.textOverflow === 'ellipsis' && cs.overflowX !== 'visible'; };
  const hiddenByDesign = (el) => { const r = el.getBoundingClientRect(); return r.width <= 1 || r.height <= 1; };
  const note = (kind, el, detail) => {
    const key = kind + name(el);
    if (!seen.has(key)) { seen.add(key); out.push({ kind, element: name(el), detail }); }
  };
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push({ kind: 'page scrolls sideways', element: 'html',
               detail: `page ${document.documentElement.scrollWidth}px wide in a ${vw}px window` });
  }
  const roots = rootSelectors.flatMap((sel) => [...document.querySelectorAll(sel)]);
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;  // drawn inside the graph's own box
      if (!visible(el) || hiddenByDesign(el)) continue;
      const cs = getComputedStyle(el);
      if (cs.position === 'fixed') continue;
      const inline = cs.display === 'inline' || cs.display === 'contents';
      let cutBy = null;
      for (let a = el; a && a !== document.body; a = a.parentElement) if (cuts(a)) { cutBy = a; break; }
      if (!inline && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && !cutBy) {
        note('content wider than its box', el, `${el.scrollWidth}px of content in ${el.clientWidth}px`);
      }
      if (!inline && /^(td|th|p|li|div|span)$/i.test(el.tagName)) {
        // a column so narrow that its text stands one word per line (an anchor, a reason)
        const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.nodeValue).join(' ');
        const words = own.trim().split(/\s+/).filter((w) => w.length > 1);
        if (words.length >= 4) {
          const range = document.createRange();
          range.selectNodeContents(el);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size >= words.length) note('one word per line', el, `${words.length} words on ${tops.size} lines, ${el.clientWidth}px wide`);
        }
      }
      const parent = el.parentElement;
      if (parent && el !== root && !cutBy && cs.position !== 'absolute' && visible(parent)) {
        const r = el.getBoundingClientRect(), p = parent.getBoundingClientRect();
        if (r.width > 0 && (r.right > p.right + 1 || r.left < p.left - 1)) {
          note('wider than its container', el,
               `spans ${Math.round(r.left)}–${Math.round(r.right)}px, its container ${Math.round(p.left)}–${Math.round(p.right)}px`);
        }
      }
    }
    const actions = root.querySelectorAll('button, [role=button], input[type=submit], input[type=button], ' +
                                          'a.btn, footer a[href], nav a[href], .actions a[href]');
    for (const b of actions) {
      if (!visible(b)) continue;
      const r = b.getBoundingClientRect();
      if (r.left < -1 || r.right > vw + 1) {
        note('action outside the window', b, `spans ${Math.round(r.left)}–${Math.round(r.right)}px of a ${vw}px window`);
        continue;
      }
      for (let a = b.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (cs.overflowX === 'visible' && a.scrollWidth <= a.clientWidth + 1) continue;
        const ar = a.getBoundingClientRect();
        if (cs.overflowX === 'visible' ? r.right > ar.right + 1 : (r.right > ar.right + 1 || r.left < ar.left - 1)) {
          note('action cut off or scrolled out of sight', b,
               `spans ${Math.round(r.left)}–${Math.round(r.right)}px, visible part of ${name(a).slice(0, 60)} ends at ${Math.round(ar.right)}px`);
          break;
        }
      }
    }
  }
  return out;
}
"""

# The visible text, piece by piece, with what the piece sits in (links and code are told apart).
_TEXT_JS = r"""
(rootSelectors) => {
  const out = [];
  const roots = rootSelectors.flatMap((sel) => [...document.querySelectorAll(sel)]);
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue;
      if (!text || !text.trim()) continue;
      const el = node.parentElement;
      if (!el || el.closest('script, style, template, noscript, option, datalist')) continue;
      if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      const closed = el.closest('details:not([open])');
      if (closed && !el.closest('summary')) continue;  // folded away: not on screen
      out.push({ text, link: Boolean(el.closest('a[href]')), code: Boolean(el.closest('code, pre, kbd, samp')) });
    }
    for (const input of root.querySelectorAll('input:not([type=hidden]), textarea')) {
      if (input.getClientRects().length && input.placeholder && !input.value) out.push({ text: input.placeholder, link: false, code: false });
    }
  }
  return out;
}
"""


def real_export(name: str) -> Path:
    """A real export, read where it lies (../shared/exports/real), never copied."""
    path = REAL_EXPORTS / name
    if not path.exists():
        pytest.skip(f"real export {path} not found (only in the team's checkout)")
    return path


def backlink_rows(answer) -> list:
    """GET /api/backlinks or `tierlink backlinks --json`: a list, or a page of one ({"backlinks": [...]})."""
    return answer["backlinks"] if isinstance(answer, dict) else answer


def all_backlinks(cli_json) -> list:
    """Every stored backlink through `tierlink backlinks --json`, page after page (at most 1,000 a page)."""
    rows, offset = [], 0
    while offset is not None:
        page = cli_json("backlinks", "--limit", "1000", "--offset", str(offset))
        rows += backlink_rows(page)
        offset = page.get("next_offset") if isinstance(page, dict) else None
    return rows


def backlink_total(answer) -> int:
    """How many backlinks match, whatever page of them `answer` holds (its `total`), or a list's length."""
    return answer["total"] if isinstance(answer, dict) else len(answer)


def label_codes(text: str) -> list[str]:
    """The snake_case words standing alone in `text` ("labels: worth_boosting, tier1").

    A word inside a URL, a file name or a dotted weight name (`boost.high_dr`) is part of
    something else and is not a label on its own."""
    found = []
    for token in text.split():
        word = token.strip(EDGES)
        if SNAKE.fullmatch(word):
            found.append(word)
    return found


def shows_number(text: str, n: int) -> bool:
    """Whether `text` shows the whole number n, written plainly or with thousands separators."""
    plain = str(n)
    grouped = f"{n:,}"
    forms = {plain, grouped, grouped.replace(",", "\u202f"), grouped.replace(",", "\u00a0"), grouped.replace(",", " "),
             grouped.replace(",", ".")}
    return any(re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d]|[.,]\d)", text) for f in forms)


def numbers_in(text: str) -> list[int]:
    """Whole numbers in a piece of text, thousands separators understood ("1,899" -> 1899)."""
    return [int(re.sub(r"[^\d]", "", m)) for m in re.findall(r"\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+", text)]


class Checks:
    """The problems a journey saw, screen by screen; `verify()` fails with all of them."""

    def __init__(self, journey: str, viewport: dict, data_text: str = ""):
        self.journey = journey
        self.viewport = viewport
        self.problems: list[str] = []
        self.data_text = data_text  # the user's own words (exports, page texts): never a label code
        self.shots: list[Path] = []

    def add_data(self, text: str) -> None:
        self.data_text += "\n" + text

    # -- what a person sees

    def shot(self, page, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        size = f"{self.viewport['width']}x{self.viewport['height']}"
        path = ARTIFACTS / f"{self.journey}-{size}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.shots.append(path)
        return path

    def look(self, page, name: str, roots: tuple[str, ...] = ("main",), *, full_page: bool = False) -> None:
        """A screenshot of what is on screen, then the layout and the words of `roots`."""
        self.shot(page, name, full_page=full_page)
        self.layout(page, name, roots)
        self.words(page, name, roots)

    def layout(self, page, where: str, roots: tuple[str, ...] = ("main",)) -> list[dict]:
        found = page.evaluate(_LAYOUT_JS, list(roots))
        for p in found[:12]:
            self.problems.append(f"[layout] {where}: {p['kind']}: {p['element']} ({p['detail']})")
        if len(found) > 12:
            self.problems.append(f"[layout] {where}: … and {len(found) - 12} more layout problems")
        return found

    def words(self, page, where: str, roots: tuple[str, ...] = ("main",)) -> list[str]:
        pieces = page.evaluate(_TEXT_JS, list(roots))
        bad: list[str] = []
        for piece in pieces:
            text = piece["text"]
            if "`" in text and "`" not in self.data_text:
                bad.append(f"literal backticks in {_quote(text)}")
            if piece["link"]:
                continue  # a URL or a page's own title: the web's words
            for m in RAW_VALUES.finditer(text):
                if m.group(0) not in self.data_text:
                    bad.append(f"raw value {m.group(0)!r} in {_quote(text)}")
            if piece["code"]:
                continue  # a command shown to copy: flags and names belong there
            for word in label_codes(text):
                if word not in self.data_text:
                    bad.append(f"raw label code {word!r} in {_quote(text)}")
            for m in FLAG.finditer(text):
                if m.group(0) not in self.data_text:
                    bad.append(f"command-line flag {m.group(0)!r} shown outside a command, in {_quote(text)}")
        for b in dict.fromkeys(bad):
            self.problems.append(f"[words] {where}: {b}")
        return bad

    # -- numbers

    def same(self, shown, expected, what: str) -> bool:
        if shown != expected:
            self.problems.append(f"[numbers] {what}: the dashboard shows {shown!r}, the CLI says {expected!r}")
            return False
        return True

    def shows(self, text: str, n: int, what: str) -> bool:
        if not shows_number(text, n):
            self.problems.append(f"[numbers] {what}: {n} (from the CLI) is not shown; the screen says {_quote(text, 300)}")
            return False
        return True

    def quiet_log(self, log: str, who: str = "the companion") -> bool:
        """Using the dashboard is no news for the log: no waitress queue warnings (a dashboard
        view asks a few requests at once; each is normal work, not a warning)."""
        noise = [line for line in log.splitlines() if "Task queue depth" in line or re.search(r"WARNING\s+waitress", line)]
        if noise:
            self.problems.append(f"[log] {who} logged {len(noise)} warnings while the dashboard was used, "
                                 f"e.g. {_quote(noise[0])}")
        return not noise

    def expect(self, ok: bool, what: str) -> bool:
        """Anything else the issue asks of a screen (a notice, a name): recorded, not fatal at once."""
        if not ok:
            self.problems.append(f"[journey] {what}")
        return bool(ok)

    def verify(self) -> None:
        shots = "\n".join(f"  {p}" for p in self.shots)
        assert not self.problems, (f"{len(self.problems)} problem(s) a user meets in the {self.journey} journey at "
                                   f"{self.viewport['width']}×{self.viewport['height']}:\n  "
                                   + "\n  ".join(self.problems) + f"\nscreenshots:\n{shots}")


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
