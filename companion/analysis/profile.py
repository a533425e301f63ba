"""The site profile: whose site this is, what it wants to rank, who it competes with.

The profile is small, user-edited configuration, so it lives in its own
`profile.json` in the data home (readable, diff-able, written atomically), not in
the backlink database. `validate()` is the single gate both `tierlink profile load`
and `PUT /api/profile` go through: it normalises domains so every later comparison
is a plain string match, and it rejects anything malformed with a message naming
the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from companion.core import atomic
from companion.core.limits import MAX_LINK_LIMIT, RECHECK_EVERY_DAYS, RECHECK_RANGES
from companion.analysis import urls
from companion.core.errors import BadInput, StorageError

PROFILE_FILE = "profile.json"
DEFAULT_LINK_LIMIT = 2
MAX_ITEMS = 1000
MAX_WEIGHT = 1000  # a weight of the profile: from -MAX_WEIGHT to MAX_WEIGHT
# The link profile's thresholds (issue 28): an exact-match share above this (percent) of a
# money page's anchors looks built; more tier-2 links than this to one tier-1 page in a
# week is a pace no natural page gets.
DEFAULT_EXACT_SHARE = 20
DEFAULT_TIER2_PER_WEEK = 3


@dataclass
class Profile:
    domains: list[str] = field(default_factory=list)
    money_pages: list[dict] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    owned_sites: list[str] = field(default_factory=list)
    guest_post_link_limit: int = DEFAULT_LINK_LIMIT
    weights: dict[str, float] = field(default_factory=dict)
    recheck_every_days: float | None = None  # `serve` rechecks in the background (companion.monitor)
    recheck_delay: float | None = None  # seconds between two requests to a host in a scheduled run (None: default)
    recheck_concurrency: int | None = None  # hosts checked at once in a scheduled run (None: default)
    # my brand as people write it ("La Micro by Flo"); none: the domains' names (anchors.brand_words)
    brand_names: list[str] = field(default_factory=list)
    exact_anchor_max_share: float = DEFAULT_EXACT_SHARE
    tier2_per_week: int = DEFAULT_TIER2_PER_WEEK
    alerts: dict = field(default_factory=dict)  # delivery channels of alerts (companion.analysis.alert_settings)

    def to_json(self) -> dict:
        data = {
            "domains": list(self.domains),
            "money_pages": [dict(p) for p in self.money_pages],
            "competitors": list(self.competitors),
            "owned_sites": list(self.owned_sites),
            "guest_post_link_limit": self.guest_post_link_limit,
            "weights": dict(self.weights),
        }
        for name in ("recheck_every_days", "recheck_delay", "recheck_concurrency"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        data["brand_names"] = list(self.brand_names)
        data["exact_anchor_max_share"] = self.exact_anchor_max_share
        data["tier2_per_week"] = self.tier2_per_week
        if self.alerts:
            data["alerts"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.alerts.items()}
        return data

    # Domain questions every module asks; kept here so they are answered one way.
    def is_me(self, host: str) -> bool:
        return any(urls.domain_matches(host, d) for d in self.domains)

    def is_competitor(self, host: str) -> bool:
        return any(urls.domain_matches(host, d) for d in self.competitors)

    def is_owned(self, host: str) -> bool:
        return any(urls.domain_matches(host, d) for d in self.owned_sites)

    def money_page_for(self, url: str) -> dict | None:
        key = urls.safe_page_key(url)
        for page in self.money_pages:
            if key and urls.safe_page_key(page["url"]) == key:
                return page
        return None

    def money_keywords(self) -> list[str]:
        return [kw for page in self.money_pages for kw in page.get("keywords", [])]


def _domain_list(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"profile: '{name}' must be a list of domain names")
    if len(value) > MAX_ITEMS:
        raise BadInput(f"profile: '{name}' has more than {MAX_ITEMS} entries")
    out: list[str] = []
    for raw in value:
        domain = urls.normalize_domain(raw)
        if not domain or "." not in domain and domain != "localhost" or len(domain) > 253 or " " in domain:
            raise BadInput(f"profile: '{raw}' in '{name}' is not a domain name")
        if domain not in out:
            out.append(domain)
    return out


def validate(data) -> Profile:
    """A Profile from untrusted JSON, or BadInput naming the first problem."""
    if not isinstance(data, dict):
        raise BadInput("profile: expected a JSON object")
    known = {"domains", "money_pages", "competitors", "owned_sites", "guest_post_link_limit", "weights",
             "recheck_every_days", "recheck_delay", "recheck_concurrency", "brand_names", "exact_anchor_max_share",
             "tier2_per_week", "alerts"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise BadInput(f"profile: unknown field '{unknown[0]}' (known: {', '.join(sorted(known))})")
    domains = _domain_list(data, "domains")
    competitors = _domain_list(data, "competitors")
    owned = _domain_list(data, "owned_sites")
    pages = data.get("money_pages", [])
    if not isinstance(pages, list) or len(pages) > MAX_ITEMS:
        raise BadInput("profile: 'money_pages' must be a list of {url, keywords}")
    money: list[dict] = []
    for i, page in enumerate(pages):
        if not isinstance(page, dict) or not isinstance(page.get("url"), str):
            raise BadInput(f"profile: money_pages[{i}] needs a 'url' string")
        if not urls.is_http_url(page["url"]):
            raise BadInput(f"profile: money_pages[{i}].url '{page['url']}' is not an http(s) URL")
        keywords = page.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
            raise BadInput(f"profile: money_pages[{i}].keywords must be a list of non-empty strings")
        money.append({"url": page["url"].strip(), "keywords": [k.strip() for k in keywords]})
    limit = data.get("guest_post_link_limit", DEFAULT_LINK_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LINK_LIMIT:
        raise BadInput(f"profile: 'guest_post_link_limit' must be an integer from 0 to {MAX_LINK_LIMIT}")
    weights = data.get("weights", {})
    if not isinstance(weights, dict):
        raise BadInput("profile: 'weights' must be an object of signal name → number")
    from companion.core import weights as weight_table  # late: weights imports nothing of ours

    clean_weights: dict[str, float] = {}
    for name, value in weights.items():
        if name not in weight_table.DEFAULTS:
            raise BadInput(f"profile: unknown weight '{name}' (see `tierlink weights`)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > MAX_WEIGHT:
            raise BadInput(f"profile: weight '{name}' must be a number between -{MAX_WEIGHT} and {MAX_WEIGHT}")
        clean_weights[name] = value
    every = data.get("recheck_every_days")
    if every is not None and (isinstance(every, bool) or not isinstance(every, (int, float))
                              or not RECHECK_EVERY_DAYS[0] <= every <= RECHECK_EVERY_DAYS[1]):
        raise BadInput("profile: 'recheck_every_days' must be a number of days from {} to {}, or null"
                       .format(*RECHECK_EVERY_DAYS))
    # the scheduled run's politeness, in the ranges of the recheck's own options
    delay = data.get("recheck_delay")
    low, high = RECHECK_RANGES["delay"]
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or not low <= delay <= high):
        raise BadInput(f"profile: 'recheck_delay' must be a number of seconds from {low:g} to {high:g}, or null")
    concurrency = data.get("recheck_concurrency")
    low, high = RECHECK_RANGES["concurrency"]
    if concurrency is not None and (isinstance(concurrency, bool) or not isinstance(concurrency, int)
                                    or not low <= concurrency <= high):
        raise BadInput(f"profile: 'recheck_concurrency' must be a whole number from {low} to {high}, or null")
    brands = data.get("brand_names", [])
    if not isinstance(brands, list) or len(brands) > MAX_ITEMS or not all(
            isinstance(b, str) and b.strip() and len(b) <= 200 for b in brands):
        raise BadInput("profile: 'brand_names' must be a list of non-empty names (at most 200 characters each)")
    share = data.get("exact_anchor_max_share", DEFAULT_EXACT_SHARE)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 100:
        raise BadInput("profile: 'exact_anchor_max_share' must be a percentage from 0 to 100")
    per_week = data.get("tier2_per_week", DEFAULT_TIER2_PER_WEEK)
    if isinstance(per_week, bool) or not isinstance(per_week, int) or not 1 <= per_week <= 1000:
        raise BadInput("profile: 'tier2_per_week' must be an integer from 1 to 1000")
    from companion.analysis import alert_settings

    alerts = alert_settings.validate(data.get("alerts"))
    return Profile(domains, money, competitors, owned, limit, clean_weights, every, delay, concurrency,
                   list(dict.fromkeys(b.strip() for b in brands)), share, per_week, alerts=alerts)


def profile_path(home: Path) -> Path:
    return Path(home) / PROFILE_FILE


def load(home: Path) -> Profile:
    """The stored profile; an empty one when none was made yet."""
    path = profile_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Profile()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StorageError(f"{path} is not valid JSON ({exc}); fix or delete it", code="profile_corrupt") from exc
    return validate(data)


def save(home: Path, profile: Profile) -> Profile:
    Path(home).mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic.write_json_atomic(profile_path(home), profile.to_json())
    return profile


def read_json_file(path: str) -> dict:
    """Read a profile file given on the command line, with a one-line error."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path} is not valid JSON: {exc}") from exc


def with_domains(current: Profile, domains: list[str], replace: bool = False) -> dict:
    """The profile's JSON with `domains` added to its own (`replace`: instead of them), for
    `tierlink init`; validated when saved (Workspace.set_profile), which also drops repeats."""
    data = current.to_json()
    data["domains"] = list(domains) if replace else list(current.domains) + list(domains)
    return data
