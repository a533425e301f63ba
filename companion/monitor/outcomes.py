"""The outcome of one check of a page, and the rules that decide it: a table, not code.

Why outcomes at all: a monitor that calls a link "lost" because its user agent was
refused, or because the page builds its links with JavaScript, teaches its user to
ignore it. Each check of a backlink or a placement ends in exactly one of OUTCOMES,
stored with its reason and time (companion.monitor.recheck), and only LOSSES mark a
link lost; BROWSER outcomes go to the browser queue (companion.monitor.browser_checks)
where the user's own browser, which is neither refused nor blind to scripts, decides.

    ok            the page answered and the link was judged (see the link's own status)
    lost          404/410, the link is gone from the page, or the page redirects off-site
    soft_404      a 200 page that says it is not found, or a deep URL sent to the site's home
    parked        a parking / for-sale page, or NXDOMAIN for a host that answered before
    blocked       401/403/429, or a challenge page (Cloudflare, DataDome, ...)
    unreachable   timeouts, 5xx, TLS, connection and DNS failures: no evidence either way
    needs_browser the fetched HTML has none of the links a browser saw (built by script)

RULES is the table: each Rule names what it matches (HTTP statuses, a fetch failure
kind, a redirect shape, a pattern in the page's title/h1 or raw HTML) and the outcome
and reason it gives. The first rule that matches wins, so the order is part of the
data (a challenge page answered 503 is `blocked`, not `unreachable`). Every rule has
a test case in tests/test_outcomes.py (a test fails when one has none).
"""

from __future__ import annotations

import html as html_mod
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

OUTCOMES = ("ok", "lost", "soft_404", "parked", "blocked", "unreachable", "needs_browser")
LOSSES = frozenset({"lost", "soft_404", "parked"})  # only these mark a link lost
BROWSER = frozenset({"blocked", "needs_browser"})  # never lost: the browser queue checks them
# Rules that read the page's words: the recheck lets my links on the page overrule them (a post
# titled "How to fix a 404 page not found error" that still links to me is no soft 404).
CONTENT_LOSSES = frozenset({"parking_page", "not_found_title"})
SCAN_BYTES = 64 * 1024  # how much of the raw HTML the patterns look at (challenge and parking pages are small)


@dataclass(frozen=True)
class Rule:
    """One row of the table. Every condition given must hold; `reason` may use {status}."""

    name: str
    outcome: str
    reason: str
    status: tuple[int, ...] = ()  # the HTTP status is one of these
    status_from: int | None = None  # ... or at least this (with status_to)
    status_to: int | None = None
    failure: tuple[str, ...] = ()  # a fetch that got no answer, of one of these kinds (FetchError.kind)
    answered_before: bool | None = None  # the host gave an HTTP answer at an earlier check
    redirect: str | None = None  # "offsite" (another site), "home" (a deep URL sent to the site's home)
    title: str | None = None  # a regex on the page's <title> and first <h1> (lower-cased)
    markup: str | None = None  # a regex on the first SCAN_BYTES of the raw HTML (lower-cased)

    def __post_init__(self):
        assert self.outcome in OUTCOMES, self.outcome


_NOT_FOUND = (r"\b(404|page not found|not found|page (does not|doesn'?t) exist|no longer (exists|available)"
              r"|nothing (was )?found|page introuvable|seite nicht gefunden|p[aá]gina no encontrada"
              r"|pagina non trovata)\b")
_PARKED = (r"(this domain (name )?(is|may be) for sale|buy this domain|domain (is )?parked|parked (free|domain)"
           r"|sedoparking\.com|parkingcrew\.net|bodis\.com|dan\.com/buy-domain|afternic\.com|hugedomains\.com"
           r"|domain-for-sale|is for sale!?</title>)")
_CHALLENGE_TITLE = r"^(just a moment\.*|attention required!? \| cloudflare|checking your browser.*|ddos-guard|access denied)$"
_CHALLENGE_MARKUP = (r"(/cdn-cgi/challenge-platform/|challenges\.cloudflare\.com|cf-browser-verification|cf_chl_opt"
                     r"|captcha-delivery\.com|_incapsula_resource|px-captcha|sgcaptcha)")
_SCRIPT_BUILT = (r"(<div id=[\"']?(root|app|__next|__nuxt)[\"']?\s*>\s*</div>"
                 r"|<noscript>[^<]{0,200}(enable|turn on) javascript)")

# The table. Order matters: the first match wins.
RULES: tuple[Rule, ...] = (
    # a fetch that got no answer
    Rule("nxdomain_after_answer", "parked", "the domain no longer exists (NXDOMAIN); it answered before",
         failure=("nxdomain",), answered_before=True),
    Rule("no_answer", "unreachable", "no answer",
         failure=("nxdomain", "dns", "timeout", "tls", "connect", "protocol", "redirects")),
    # an answer: the page's content first where it decides (a challenge can come with 403 or 503)
    Rule("challenge_title", "blocked", "a challenge page (the site checks for a browser)", title=_CHALLENGE_TITLE),
    Rule("challenge_markup", "blocked", "a challenge page (the site checks for a browser)", markup=_CHALLENGE_MARKUP),
    Rule("offsite_redirect", "lost", "the page redirects to another site", redirect="offsite"),
    Rule("gone", "lost", "the page answers {status}", status=(404, 410)),
    Rule("auth", "blocked", "the page answers {status}: it refuses the crawler", status=(401, 403)),
    Rule("rate_limited", "blocked", "the page answers 429: too many requests", status=(429,)),
    Rule("server_error", "unreachable", "the page answers HTTP {status}", status_from=500, status_to=599),
    Rule("informational", "unreachable", "the page answers HTTP {status}", status_from=100, status_to=199),
    Rule("unfollowed_redirect", "unreachable", "the page answers HTTP {status}", status_from=300, status_to=399),
    Rule("other_client_error", "unreachable", "the page answers HTTP {status}", status_from=400, status_to=499),
    Rule("parking_page", "parked", "the domain shows a parking / for-sale page", markup=_PARKED),
    Rule("home_redirect", "soft_404", "the page redirects to the site's home page", redirect="home"),
    Rule("not_found_title", "soft_404", "the page answers 200 but says it is not found", title=_NOT_FOUND),
)

# Applied after the analysis, when the fetched HTML lacks links a browser saw.
SCRIPT_RULES: tuple[Rule, ...] = (
    Rule("no_links", "needs_browser", "needs a browser: the fetched HTML has no links, a visit saw some "
                                      "(the page is built by JavaScript)"),
    Rule("script_built", "needs_browser", "needs a browser: the page is built by JavaScript and the fetched "
                                          "HTML lacks your link", markup=_SCRIPT_BUILT),
)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    rule: str
    reason: str


@dataclass
class Page:
    """What the rules look at: a failure kind, or an answer (status, redirect shape, HTML head)."""

    url: str
    status: int | None = None
    failure: str | None = None
    answered_before: bool = False
    final_url: str | None = None
    offsite: bool = False  # a redirect to another site, not followed
    html: str = ""

    def redirect_kind(self) -> str | None:
        if self.offsite:
            return "offsite"
        if self.final_url and self.final_url != self.url and _is_home(self.final_url) and not _is_home(self.url):
            return "home"
        return None


def _is_home(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def headings(html: str) -> list[str]:
    """The page's <title> and first <h1>, as lower-cased plain text."""
    out = []
    for pattern in (_TITLE, _H1):
        m = pattern.search(html)
        if m:
            out.append(" ".join(html_mod.unescape(_TAGS.sub(" ", m.group(1))).split()).lower())
    return out


def _matches(rule: Rule, page: Page, heads: list[str] | None, head: str | None) -> bool:
    if rule.failure:
        if page.failure not in rule.failure:
            return False
    elif page.failure is not None:
        return False
    if rule.answered_before is not None and rule.answered_before != page.answered_before:
        return False
    if rule.status and page.status not in rule.status:
        return False
    if rule.status_from is not None and not (page.status is not None
                                             and rule.status_from <= page.status <= rule.status_to):
        return False
    if rule.redirect is not None and page.redirect_kind() != rule.redirect:
        return False
    if rule.title is not None and not any(re.search(rule.title, t) for t in heads or []):
        return False
    if rule.markup is not None and not re.search(rule.markup, head or ""):
        return False
    return True


def judge(page: Page, rules: tuple[Rule, ...] = RULES) -> Verdict | None:
    """The first rule matching the page, or None: the page answered and the analysis decides (ok or lost)."""
    heads = headings(page.html[:SCAN_BYTES]) if page.html else []
    head = page.html[:SCAN_BYTES].lower() if page.html else ""
    for rule in rules:
        if _matches(rule, page, heads, head):
            return Verdict(rule.outcome, rule.name, rule.reason.format(status=page.status))
    return None


def failure(url: str, kind: str, reason: str, answered_before: bool) -> Verdict:
    """The outcome of a fetch that got no answer (`kind`: FetchError.kind)."""
    found = judge(Page(url, failure=kind, answered_before=answered_before))
    if found is None or found.rule == "no_answer":
        return Verdict("unreachable", "no_answer", reason)  # the fetcher's own words say which failure
    return found


def needs_browser(html: str, no_links: bool) -> Verdict | None:
    """After the analysis: a page with no links at all, or built by script, that lacks a stored link."""
    if no_links:
        rule = SCRIPT_RULES[0]
        return Verdict(rule.outcome, rule.name, rule.reason)
    return judge(Page("", status=200, html=html), SCRIPT_RULES[1:])


def marks_lost(outcome: str) -> bool:
    return outcome in LOSSES


def item_outcome(page_outcome: str, link_status: str | None) -> str:
    """One backlink's or placement's outcome on a page: the page's, unless the page was judged
    (`ok`) and the link is gone from it."""
    if page_outcome == "ok" and link_status == "lost":
        return "lost"
    return page_outcome
