"""Tier verdicts: what the user should do with the page in front of them.

Given the Analysis of a page (companion.analysis.analyze) and what the store knows, this
module decides:

* `boost`: is this tier-1 page (it links to me) worth powering up with tier-2
  links? Signals from docs/DOMAIN.md and the seed article: followed link, indexable
  page (no canonical, or a self canonical), link in the main content, outbound-link dilution,
  domain authority (DR) against the page's own authority (UR), money-page target,
  whether the page competes for my money keywords, whether it is my own site.
* `tier2`: could this page host a tier-2 link, and to which tier-1 pages?
  (guest posts accepted, resource/list page, own site, social platform, expert
  roundup; followed outbound links; indexable; not a link farm; relevance.)
* `changes` and the labels `link_lost`, `link_changed`, `tier2_existing`,
  `tier3`, `worth_boosting`, `tier2_opportunity`; the store is updated with
  new (discovered), lost and changed links, keeping their history.
* the boost list (`boost_list`): tier-1 pages ranked from stored data alone.

Every score is `base + Σ weight × strength`, clamped to 0..100, with the weights
of companion.core.weights (tunable in the profile); every reason names its signal,
e.g. "the link to me is nofollow [boost.nofollow −30]".
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import lxml.etree

from companion.core.limits import NOFOLLOW_RELS
from companion.verdicts import authority, boostrules, broken, competing, relevance
from companion.workflow import indexstate, linkprofile
from companion.workflow.disavowed import Matcher
from companion.store import sqlstore
from companion.analysis import indexability, urls
from companion.core import weights as weights_mod
from companion.analysis.analyze import analyze_document
from companion.analysis.profile import Profile
from companion.store.keys import host_of_key, key_of, path_of_key

SOCIAL_SITES = frozenset({
    "reddit.com", "linkedin.com", "quora.com", "medium.com", "x.com", "twitter.com", "facebook.com",
    "pinterest.com", "tumblr.com", "dev.to", "hashnode.com", "substack.com", "youtube.com",
})
# Lower-case and case-sensitive on purpose: an IGNORECASE alternation cannot use
# sre's first-character scan, so it crawls through a long page text that merely
# contains "submit" or "guidelines" (figures in docs/BENCHMARKS.md, "Figures behind
# code comments").
_GUEST = re.compile(
    r"write for us|guest post|guest blog|guest author|guest contributor|contributor guidelines|"
    r"submission guidelines|submit (?:an? |your )?(?:article|post|guest post|story)|become a contributor|"
    r"accepting guest|contribute to (?:our|the) (?:blog|site)|pitch us|write for (?:our|the) blog")
# Literal words every _GUEST match contains: a cheap substring test (C speed)
# before the regex.
_GUEST_WORDS = ("guest", "write for", "guidelines", "submit", "contributor", "contribute to", "pitch us")


def _guest_search(text: str, *, lowered: bool = False) -> str | None:
    """The guest-post wording the text contains, as written there, or None.

    `lowered`: the text is lower-case already (PageFeatures.text), so the lower()
    of a long page text is not paid a second time.
    """
    lower = text if lowered else text.lower()
    if not any(word in lower for word in _GUEST_WORDS):
        return None
    match = _GUEST.search(lower)
    if match is None:
        return None
    if len(lower) == len(text):  # lower() kept every offset: quote the page's own casing
        return text[match.start():match.end()]
    return match.group(0)


_CONTRIBUTE = re.compile(r"\bcontribut(?:e|ors?)\b", re.I)
_RESOURCE = re.compile(
    r"\b(?:resources?|useful links|helpful links|link list|links|directory|recommended (?:tools|sites|reading|blogs)|"
    r"list of|best [\w\s]{0,40}?(?:tools|sites|blogs|resources|apps)|top \d+)\b", re.I)
_ROUNDUP = re.compile(
    r"expert round-?up|round-?up|\b\d+\s+(?:[a-z]+\s+)?experts\b|experts? (?:share|reveal|weigh in|answer|tips)|"
    r"we asked \d+", re.I)
_TEXT = lxml.etree.XPath("normalize-space(string())")
MAX_TEXT = 200_000


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- page features ---------------------------------------------------------

@dataclass
class PageFeatures:
    """What the verdicts read from a page besides its links."""

    title: str = ""
    headings: list[str] = field(default_factory=list)
    description: str = ""
    text: str = ""  # lower-cased text of the body without script and style text, capped

    @property
    def topic(self) -> str:
        return " ".join([self.title, *self.headings, self.description])


def page_features(result: dict, doc) -> PageFeatures:
    feats = PageFeatures(title=result.get("title") or "")
    if doc is None:
        return feats
    for el in doc.iter("h1", "h2", "h3"):
        text = _TEXT(el)
        if text:
            feats.headings.append(text[:200])
        if len(feats.headings) >= 20:
            break
    for meta in doc.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").lower() in ("description", "og:description"):
            feats.description = (meta.get("content") or "")[:500]
            break
    body = next(doc.iter("body"), None)
    if body is not None:
        feats.text = _body_text(body)[:MAX_TEXT].lower()
    return feats


# the text nodes a reader sees (not a script's or a style's own), and XPath's normalize-space
_READER_TEXT = lxml.etree.XPath(".//text()[not(parent::script or parent::style)]")
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _body_text(body) -> str:
    """The body's text as a reader sees it: script and style text left out.

    Why: on script-heavy pages that text filled most of MAX_TEXT (the largest corpus page:
    the 200,000 characters were scripts around 18,743 of text) and a guest-post wording in
    a script counted as the page's own. It also makes the verdict the same whether the
    page's copy carries its script text or not (the extension sends it without: issue 25,
    docs/BENCHMARKS.md "The extension").

    How: the scripts' and styles' text is set aside and put back around one XPath call, and
    no reader of the document sees the difference: over the 131 corpus pages 1.0 ms a page,
    against 6.7 ms for collecting the other text nodes (the same text). But lxml will not
    take back some text it parsed (a control character, on a damaged page: a 500 before,
    tests/test_bad_pages_http.py), so each text is first tried on a scratch element, and
    where one is refused the text nodes are collected instead and the tree is left alone."""
    hidden = [(el, el.text) for el in body.iter("script", "style") if el.text]
    if not hidden:
        return _TEXT(body)
    scratch = lxml.etree.Element("scratch")
    try:
        for _, text in hidden:
            scratch.text = text
    except ValueError:
        return _XML_SPACE.sub(" ", "".join(_READER_TEXT(body))).strip(" \t\r\n")
    try:
        for el, _ in hidden:
            el.text = None
        return _TEXT(body)
    finally:
        for el, text in hidden:
            el.text = text


def competition(profile: Profile, text: str) -> competing.Competition | None:
    """The money keyword a page targets, by shared content words (companion.verdicts.competing):
    boosting such a page makes my own ranking for it harder."""
    return competing.competes(competing.keywords(profile.money_keywords()), text)


# --- scoring ----------------------------------------------------------------

class Score:
    """Adds named signals to a base score and keeps a reason for each."""

    def __init__(self, w: dict[str, float], base: str):
        self.w = w
        self.total = float(w[base])
        self.reasons: list[str] = []
        self.signals: list[dict] = []

    def add(self, name: str, reason: str, strength: float = 1.0) -> None:
        points = self.w[name] * strength
        self.total += points
        self.reasons.append(f"{reason} [{name} {points:+.0f}]")
        self.signals.append({"name": name, "points": round(points, 1)})

    def result(self) -> dict:
        return {"score": int(max(0, min(100, round(self.total)))), "reasons": self.reasons,
                "signals": self.signals}


def _best_link(links: list[dict]) -> dict:
    """The strongest link among several to the same place: followed first, then in content."""
    return sorted(links, key=lambda l: (not l["follow"], l["position"] != "content"))[0]


def _indexing(result: dict) -> tuple[str, str]:
    """The page's indexability verdict (companion.analysis.indexability) as the boost rules name
    it (companion.verdicts.boostrules), with the words they say it in: the first blocking reason,
    or what the verdict says of the canonical (never one that is not there)."""
    verdict = result["indexability"]
    why_not = indexability.first_blocking_reason(verdict)
    if why_not is None:
        return "indexable", f"the page is indexable {indexability.canonical_phrase(verdict)}".strip()
    code = verdict["codes"][verdict["reasons"].index(why_not)]
    return ("canonical_elsewhere" if code == "canonical_elsewhere" else "noindex"), \
        f"the page is not indexable: {why_not}"


def boost_verdict(w, profile: Profile, result: dict, feats: PageFeatures, metrics: dict,
                  placements: int, network: int = 0) -> tuple[dict, bool]:
    """(boost verdict, blocked) for a page that links to me; blocked = never worth boosting
    (it competes with me, sits on my own site, or is spam: verdict["spam"]). The rules are
    companion.verdicts.boostrules', on what the visit sees."""
    mine = [l for l in result["links"] if l["target"] == "me"]
    link = _best_link(mine)
    page_key = urls.safe_page_key(result["url"]) or ""
    # the page's visited title and headings; its URL words only where it shows neither
    seen = " ".join([feats.title, *feats.headings]).strip() or relevance.url_words(result["url"])
    indexing, indexing_reason = _indexing(result)
    facts = boostrules.BoostFacts(
        follow=link["follow"], rel=tuple(link["rel"]), metrics=metrics, url=result["url"], path=path_of_key(page_key),
        network=network, placements=placements, external=result["counts"]["external"], measured=True,
        money=next(filter(None, (profile.money_page_for(l["href"]) for l in mine)), None),
        rival=competition(profile, seen), owned="owned_site" in result["labels"],
        indexing=indexing, indexing_reason=indexing_reason, position=link["position"])
    score = Score(w, "boost.base")
    blocked, spam = boostrules.evaluate(score, facts)
    verdict = score.result()
    verdict["spam"] = spam
    return verdict, blocked or spam


def tier2_verdict(w, profile: Profile, result: dict, feats: PageFeatures, suggestions: list[dict],
                  best_relevance: float, site_of: Callable[[str], str] = urls.site_of) -> dict | None:
    """The tier-2 verdict, or None when the page offers no way to place a link.

    `site_of`: the verdict's memo of urls.site_of (StoreKnowledge.site_of)."""
    host = urls.host_of(result["url"])
    site = result.get("site") or urls.registrable_domain(host)
    score = Score(w, "tier2.base")
    placeable = False
    link_texts = " | ".join(l["text"] for l in result["links"] if l["text"])[:20000]
    headings = " | ".join(feats.headings)
    guest = _guest_search(link_texts) or _guest_search(headings) or _guest_search(feats.title)
    if guest:
        score.add("tier2.guest_posts", f"the site accepts guest posts ('{guest}')")
        placeable = True
    elif mention := _guest_search(feats.text, lowered=True):
        score.add("tier2.guest_posts", f"the page mentions guest contributions ('{mention}')", 0.6)
        placeable = True
    elif match := _CONTRIBUTE.search(headings + " " + link_texts):
        # weak: "Contributors" may list outside authors, "Contribute" may mean donate
        score.add("tier2.guest_posts", f"it links to '{match.group(0)}': perhaps open to outside authors", 0.3)
        placeable = True
    content_external = [l for l in result["links"] if not l["internal"] and l["position"] == "content"]
    content_sites = {site_of(l["href"]) for l in content_external if l["valid"]}
    if _RESOURCE.search(feats.title + " " + " ".join(feats.headings[:3]) + " " + relevance.url_words(result["url"])) \
            and len(content_sites) >= 8:
        score.add("tier2.resource_page", f"a resource/list page that links out to {len(content_sites)} sites (niche edit)")
        placeable = True
    if profile.is_owned(host):
        score.add("tier2.own_site", "one of my own sites: fine occasionally, overdoing it looks like a scheme")
        placeable = True
    if site in SOCIAL_SITES:
        score.add("tier2.social", f"{site} is a social platform: nofollow, but traffic and indexing")
        placeable = True
    roundup = _ROUNDUP.search(feats.title + " " + " ".join(feats.headings[:3]))
    if roundup:
        score.add("tier2.roundup", f"an expert roundup ('{roundup.group(0)}')")
        placeable = True
    existing = [l for l in result["links"] if l["target"] == "tier1"]
    if not placeable and not existing:
        return None
    external = result["counts"]["external"]
    if external >= 5:
        share = result["counts"]["external_follow"] / external
        if share >= 0.6:
            score.add("tier2.mostly_followed", f"{share:.0%} of its external links are followed")
        elif share <= 0.3:
            score.add("tier2.mostly_nofollow", f"only {share:.0%} of its external links are followed")
    why_not = indexability.first_blocking_reason(result["indexability"])
    if why_not:
        score.add("tier2.noindex", f"the page is not indexable: {why_not}")
    else:
        score.add("tier2.indexable", "the page is indexable")
    all_sites = {site_of(l["href"]) for l in result["links"] if not l["internal"] and l["valid"]}
    if external >= 300 and len(all_sites) >= 150:
        score.add("tier2.link_farm", f"{external} external links to {len(all_sites)} sites: looks like a link farm")
    if profile.is_competitor(host):
        score.add("tier2.competitor_site", "the page is on a competitor's site")
    if best_relevance > 0:
        score.add("tier2.relevance", f"its topic fits my tier-1 pages (relevance {best_relevance:.2f})", best_relevance)
    if existing:
        score.add("tier2.existing", f"it already links to {len(existing)} of my tier-1 page(s)")
    verdict = score.result()
    verdict["suggestions"] = suggestions
    return verdict


# --- what the store knows, for the analysis ---------------------------------------------

# Bump when the stored-score rules below change: every stored score is then redone.
# 2: every tool's authority (companion.verdicts.authority), spam and low-quality signals, competing
#    pages by shared content words (companion.verdicts.competing).
# 3: search-result pages by the table of companion.verdicts.pagekind (`?search=` on any page, ...).
RULES_VERSION = 3


class Tier1Scorer:
    """The boost score of a tier-1 page from stored data alone (no visit): for the boost
    list and the suggestions.

    The store keeps each page's score in an indexed column and calls `score` whenever a
    page's records change; `signature` names the profile and weights in force, and when
    it changes the store rescores every page (Store.ensure_scored).
    """

    def __init__(self, profile: Profile, w: dict[str, float]):
        self.profile = profile
        self.w = w
        self.money_keys = {k: p for p in profile.money_pages if (k := urls.safe_page_key(p["url"]))}
        self.money_keywords = competing.keywords(profile.money_keywords())
        blob = json.dumps([RULES_VERSION, profile.to_json(), sorted(w.items())], sort_keys=True, default=str)
        self.signature = hashlib.sha256(blob.encode()).hexdigest()[:32]

    def score(self, key: str, host: str, feats: dict, placements: int) -> tuple[int, int, float | None, float | None]:
        """(score, class, page authority, domain authority): the class is the store's ORDINARY
        (the link to me is followed), NOT_FOLLOWED (listed after every followed one), SPAM (after
        both, only when asked for; never suggested) or BLOCKED (competes with me, my own site:
        never listed); the authorities (common scale) break ties between equal scores.

        The same rules as `explain`, without wording the reasons (the store scores every page
        an import writes: the words are made when a page is shown)."""
        tally = _Tally(self.w, "boost.base")
        known = authority.levels(feats["metrics"])  # read once, for the signals and the tie-break
        blocked, spam, _rival = self._judge(tally, host, feats, placements, key, known)
        rank = (sqlstore.BLOCKED if blocked else sqlstore.SPAM if spam
                else sqlstore.ORDINARY if feats["follow"] else sqlstore.NOT_FOLLOWED)
        return (tally.result(), rank, *authority.tiebreak(feats["metrics"], known))

    def explain(self, host: str, feats: dict, placements: int, key: str | None = None) -> dict:
        """The score and reasons of a page from its stored features (companion.store's
        tier1_features): the rules of companion.verdicts.boostrules on what the exports said."""
        score = Score(self.w, "boost.base")
        blocked, spam, rival = self._judge(score, host, feats, placements, key)
        out = score.result()
        out["metrics"] = feats["metrics"]
        out["blocked"] = blocked
        out["spam"] = spam
        out["competing_keyword"] = rival.keyword if rival else None
        out["target"] = feats["target"]
        return out

    def _judge(self, score, host: str, feats: dict, placements: int, key: str | None, known: tuple | None = None):
        """(blocked, spam, rival): the table evaluated on the page's stored facts into `score`."""
        profile = self.profile
        metrics = feats["metrics"]
        if key is None:
            key = urls.safe_page_key(feats["url"]) or ""
        # (no money keyword, no rival: the page's words are not even gathered)
        rival = competing.competes(self.money_keywords, competing.stored_text(feats["title"], feats["url"])) \
            if self.money_keywords else None
        facts = boostrules.BoostFacts(
            follow=feats["follow"], rel=tuple(feats["rel"]), metrics=metrics, url=feats["url"], path=path_of_key(key),
            network=feats.get("network", 0), placements=placements,
            external=authority.number(metrics.get("external_links")), measured=False,
            money=next((self.money_keys[k] for k in feats["targets"] if k in self.money_keys), None)
            if self.money_keys else None,
            rival=rival, owned=bool(profile.owned_sites) and profile.is_owned(host), levels=known)
        blocked, spam = boostrules.evaluate(score, facts)
        return blocked, spam, rival


class _Tally:
    """A Score that keeps the total alone: the same sum, in the same order, no words."""

    reasons = False

    def __init__(self, w: dict[str, float], base: str):
        self.w = w
        self.total = float(w[base])

    def add(self, name: str, reason: str, strength: float = 1.0) -> None:
        self.total += self.w[name] * strength

    def result(self) -> int:
        return int(max(0, min(100, round(self.total))))


_SCORERS: list[tuple[Profile, "Tier1Scorer"]] = []  # the last few, newest last
_SCORERS_LOCK = threading.Lock()


def scorer(profile: Profile) -> Tier1Scorer:
    """The scorer for this profile, made once per profile object (a workspace keeps its
    profile object until the file changes, so every visit reuses one)."""
    with _SCORERS_LOCK:
        for known, made in _SCORERS:
            if known is profile:
                return made
        made = Tier1Scorer(profile, weights_mod.effective(profile.weights))
        _SCORERS.append((profile, made))
        del _SCORERS[:-8]
        return made


def ensure_scored(store, profile: Profile) -> Tier1Scorer:
    """Stored boost scores current for the profile in force (cheap when they are)."""
    current = scorer(profile)
    store.ensure_scored(current)
    return current


def warm_up(open_store, profile: Profile) -> threading.Thread:
    """Bring the stored scores up to date in the background (the service calls this at start
    and after an import): only a profile or weights change since the last run costs a pass.
    `open_store()` gives the store, called in the thread: opening it (a check, a migration)
    never holds up the caller."""
    thread = threading.Thread(target=lambda: ensure_scored(open_store(), profile), name="tier1-scores",
                              daemon=True)
    thread.start()
    return thread


class PlacementInfo:
    """What the verdicts need of my placements: the pages they sit on (as the store's
    is_placement_page matches them: `from_key`, else the key of `from_url`), their hosts and
    anchors. Read once per version of the table, so a visit asks the store nothing more."""

    def __init__(self, placements: list[dict]):
        self.hosts: set[str] = set()
        self.anchors: set[str] = set()
        self.keys: set[str] = set()
        for p in placements:
            key = p.get("from_key") or key_of(p.get("from_url") or "")
            if key:
                self.keys.add(key)
            if p.get("anchor"):
                self.anchors.add(p["anchor"])
            host = urls.host_of(p.get("from_url", ""))
            if host:
                self.hosts.add(urls.strip_www(host))


def placement_info(store) -> PlacementInfo:
    return store.derived("placements", PlacementInfo)


class StoreKnowledge:
    """The Knowledge protocol of companion.analysis.analyze, answered by the store's indexes.

    One per analysis. The analysis hands over every link that may point at a tier-1 page
    at once, after its walk: one query finds which of their hosts hold a tier-1 page at all,
    one more which of the links on those hosts are tier-1 pages (page keys computed only
    for those). Two round trips whatever the page, and the cost never grows with the list.
    """

    def __init__(self, store):
        self.store = store
        self.placements = placement_info(store)
        # Each link's host, site and page key, worked out once per verdict. Why: the tier-3
        # check, the change detection and the tier-2 verdict each asked them of every link of
        # the page (~4% of a verdict at 1M, docs/BENCHMARKS.md "Where a verdict's time goes").
        # Memos of the same pure functions: same answers.
        self.host_of = functools.cache(urls.host_of)
        self.site_of = functools.cache(lambda href: urls.registrable_domain(self.host_of(href)))
        self.key_of = functools.cache(urls.safe_page_key)

    def tier1_links(self, candidates: dict[str, str]) -> set[str]:
        by_host: dict[str, list[str]] = {}
        for href, host in candidates.items():
            by_host.setdefault(urls.strip_www(host), []).append(href)
        hosts = self.store.tier1_hosts_among(list(by_host))
        if not hosts:
            return set()
        keys: dict[str, str] = {}
        for host in hosts:
            for href in by_host[host]:
                key = self.key_of(href)
                if key:
                    keys[href] = key
        found = self.store.tier1_among(list(set(keys.values())))
        return {href for href, key in keys.items() if key in found}

    def may_be_placement_host(self, host: str) -> bool:
        return urls.strip_www(host) in self.placements.hosts

    def is_placement_page(self, key: str) -> bool:
        return key in self.placements.keys


def knowledge(store, profile: Profile) -> StoreKnowledge:
    ensure_scored(store, profile)
    return StoreKnowledge(store)


# --- suggestions ----------------------------------------------------------------

def _anchor_ideas(entry: dict, matched: list[str]) -> list[str]:
    ideas = []
    title = entry.get("title") or ""
    if title:
        short = re.split(r"\s[|–—-]\s|:\s", title)[0].strip()
        ideas.append(" ".join(short.split()[:8]))
    slug = relevance.url_words(entry["url"]).split()
    path_words = [w for w in slug if not w.isdigit()][-6:]
    if path_words:
        ideas.append(" ".join(path_words))
    if matched:
        ideas.append("more on " + " ".join(matched[:3]))
    ideas.append(f"this article on {urls.site_of(entry['url'])}")
    return [i for i in ideas if i]


MAX_QUERY_TERMS = 48


def suggest_tier1(store, text: str, *, exclude_keys=frozenset(), used_anchors=frozenset(), limit: int = 5) -> list[dict]:
    """Tier-1 pages that fit `text` best, ranked by relevance × boost value.

    Relevance is the database's full-text search (BM25) over each tier-1 page's
    title, anchors and URL words. Pages that compete with my money keywords or sit
    on my own sites are never suggested; each comes with an anchor idea that
    differs from anchors already used in my placements, and why.
    """
    terms = [t for t, _ in Counter(relevance.tokens(text)).most_common(MAX_QUERY_TERMS)]
    hits = [(page, bm25) for page, bm25 in store.search_tier1(terms, max(limit * 5, 20) + len(exclude_keys))
            if page["key"] not in exclude_keys]  # the pages' rows come with the search: one question
    disavowed = Matcher(store) if hits else None
    unindexed = indexstate.not_indexable(store) if hits else {}
    query = set(terms)
    used = {a.strip().lower() for a in used_anchors if a}
    ranked = []
    for page, bm25 in hits:
        if page["blocked"] or disavowed(page["url"]) or page["key"] in unindexed:  # wasted links
            continue
        feats = page["features"]
        words = relevance.tokens(" ".join([feats["title"], *feats["anchors"], relevance.url_words(page["url"])]))
        matched = [w for w in dict.fromkeys(words) if w in query]
        rel = relevance.saturate(bm25)
        score = page["score"] or 0
        ranked.append((rel * max(score, 1) / 100, rel, page, matched))
    ranked.sort(key=lambda t: t[0], reverse=True)
    out = []
    for rank, rel, page, matched in ranked[:limit]:
        entry = {"url": page["url"], "title": page["features"]["title"]}
        anchor = next((a for a in _anchor_ideas(entry, matched) if a.lower() not in used), "")
        placed = page["placements"]
        why = (f"shares the topic ({', '.join(matched[:5])}); relevance {rel:.2f}, boost score {page['score']}"
               + ("; not boosted yet" if not placed else f"; already boosted {placed}×"))
        out.append({"tier1_url": page["url"], "anchor": anchor, "why": why,
                    "relevance": round(rel, 3), "boost_score": page["score"]})
    return out


# --- changes against the stored record --------------------------------------------

def _rel_state(rel: list[str], follow: bool) -> str:
    flags = [r for r in rel if r in NOFOLLOW_RELS]
    return ",".join(sorted(flags)) if flags else ("follow" if follow else "nofollow (page)")


def _same_anchor(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def detect_changes(store, result: dict, origin: str = "discovered", *, know: "StoreKnowledge | None" = None) -> list[dict]:
    """Compare the page's links with its stored backlinks; record what changed.

    A stored backlink is matched against the page's links by its own target (page key),
    whatever the profile says: a home with no domains set, or a domain removed from the
    profile, must never turn a link still on the page into `lost`. Only new links are
    found through the profile (links to my site that no record holds yet).

    `origin` names who saw a new link: `discovered` on a visit, `recheck` for the monitor.

    Nothing is marked lost from a page that was cut for size or has no links at all
    (a page that did not render is no evidence that a link went away).
    """
    page_key = urls.safe_page_key(result["url"])
    if not page_key:
        return []
    # `know`: the verdict's memos of each link's host and key (StoreKnowledge)
    host_of, page_key_of = (know.host_of, know.key_of) if know is not None else (urls.host_of, urls.safe_page_key)
    stored = {urls.safe_page_key(r["target_url"]): r for r in store.backlinks_from(page_key)}
    stored_hosts = {host_of_key(k) for k in stored if k}
    now_links: dict[str, list[dict]] = {}
    for link in result["links"]:
        # page_key only for links that could match: to my site, or to a host a record points at
        if not link["valid"]:
            continue
        mine = link["target"] == "me"
        if mine or (stored_hosts and urls.strip_www(host_of(link["href"])) in stored_hosts):
            key = page_key_of(link["href"])
            if key and (mine or key in stored):
                now_links.setdefault(key, []).append(link)
    changes: list[dict] = []
    updates: list[dict] = []
    stamp = now_iso()
    reliable = not result.get("truncated") and result["counts"]["links"] > 0
    for key, record in stored.items():
        links = now_links.get(key)
        if links is None:
            if record.get("status") == "live" and reliable:
                changes.append({"kind": "lost", "target": record["target_url"], "was": record.get("anchor") or "",
                                "now": None})
                updates.append(_with_history(record, stamp, "lost", "live", "lost", status="lost"))
            elif record.get("status") == "lost":
                # still gone: told again on every visit (the store already knows, nothing is written)
                since = next((h["at"] for h in reversed(record.get("history") or []) if h.get("kind") == "lost"), None)
                changes.append({"kind": "lost", "target": record["target_url"], "was": record.get("anchor") or "",
                                "now": None, "since": since or record.get("last_seen")})
            continue
        link = _best_link(links)
        new_state = _rel_state(link["rel"], link["follow"])
        old_state = _rel_state(record.get("rel") or [], record.get("follow", True))
        fields: dict = {}
        events = []
        if record.get("status") == "lost":
            changes.append({"kind": "restored", "target": record["target_url"], "was": "lost", "now": "live"})
            events.append(("restored", "lost", "live"))
            fields["status"] = "live"
        if new_state != old_state:
            changes.append({"kind": "rel_changed", "target": record["target_url"], "was": old_state, "now": new_state})
            events.append(("rel_changed", old_state, new_state))
            fields.update(rel=link["rel"], follow=link["follow"])
        if record.get("anchor") and link["text"] and not _same_anchor(record["anchor"], link["text"]):
            changes.append({"kind": "anchor_changed", "target": record["target_url"], "was": record["anchor"],
                            "now": link["text"]})
            events.append(("anchor_changed", record["anchor"], link["text"]))
            fields["anchor"] = link["text"]
        if events:
            updated = dict(record, **fields, last_seen=stamp)
            updated["history"] = list(record.get("history") or []) + [
                {"at": stamp, "kind": kind, "was": was, "now": now} for kind, was, now in events]
            updates.append(updated)
    for key, links in now_links.items():
        if key in stored:
            continue
        link = _best_link(links)
        changes.append({"kind": "new", "target": link["href"], "was": None, "now": link["text"]})
        updates.append({
            "source_url": result["url"], "target_url": link["href"], "anchor": link["text"], "rel": link["rel"],
            "follow": link["follow"], "status": "live", "first_seen": stamp, "last_seen": stamp, "metrics": {},
            "origins": [origin], "title": result.get("title") or "",
            "history": [{"at": stamp, "kind": "new", "was": None, "now": link["text"]}],
        })
    if updates:
        store.put_backlinks(updates)
    return changes


def _with_history(record: dict, stamp: str, kind: str, was, now, **fields) -> dict:
    updated = dict(record, **fields)
    updated["history"] = list(record.get("history") or []) + [{"at": stamp, "kind": kind, "was": was, "now": now}]
    return updated


# --- my placements on the page -----------------------------------------------------

def _placements_on_page(store, know: StoreKnowledge, result: dict, page_key: str | None, record: bool) -> None:
    """A page holding my tier-2 placements: list them with their status (`placements`),
    label `placement_lost` when one of my links is gone, and record the status."""
    if not page_key or not know.is_placement_page(page_key):
        return
    from companion.workflow import placements

    result["placements"] = placements.check_on_page(store, page_key, result, record=record)
    if any(p["status"] == "lost" for p in result["placements"]):
        result["labels"].append("placement_lost")


# --- the whole verdict ---------------------------------------------------------------

def analyze_with_verdicts(store, profile: Profile, url: str, html, *, record_changes: bool = True, headers: dict | None = None,
                          origin: str = "discovered", on_document=None) -> dict:
    """The full Analysis of docs/CONTRACT.md: links, labels, boost, tier2 and changes.

    `headers`: the page's response headers where known (X-Robots-Tag); `origin`:
    see detect_changes. `on_document(analysis, document)`: called with the parsed page, so a
    caller reading more from it (the contacts, companion.analysis.contacts) does not parse it again.
    """
    with store.reading():  # each fact read once (Store.reading); joins the caller's block
        return _analyze_with_verdicts(store, profile, url, html, record_changes, headers, origin, on_document)


def _analyze_with_verdicts(store, profile: Profile, url: str, html, record_changes: bool, headers: dict | None,
                           origin: str, on_document) -> dict:
    w = weights_mod.effective(profile.weights)
    ensure_scored(store, profile)
    know = StoreKnowledge(store)
    result, doc = analyze_document(url, html, profile, know, headers)
    if on_document is not None:
        on_document(result, doc)
    feats = page_features(result, doc)
    labels = result["labels"]
    page_key = urls.safe_page_key(url)
    page_is_me = profile.is_me(urls.host_of(url))

    # tier-3: links to a page that holds one of my tier-2 placements
    for link in result["links"] if know.placements.hosts else ():  # no placement: no host to look for
        if link["valid"] and not link["internal"] and know.may_be_placement_host(know.host_of(link["href"])):
            key = know.key_of(link["href"])
            if key and know.is_placement_page(key) and key != page_key:
                if "tier3" not in labels:
                    labels.append("tier3")
    if any(l["target"] == "tier1" for l in result["links"]):
        labels.append("tier2_existing")
    _placements_on_page(store, know, result, page_key, record_changes and not page_is_me)

    changing = record_changes and not page_is_me
    if changing:
        result["changes"] = detect_changes(store, result, origin, know=know)
    stored = store.backlinks_from(page_key) if page_key else []  # as now stored, after our own write
    if changing:
        # Labels tell the state, `changes` the transition seen now: a page whose
        # stored link is lost stays `link_lost` on every later visit.
        kinds = {c["kind"] for c in result["changes"]}
        if "lost" in kinds or any(r.get("status") == "lost" for r in stored):
            labels.append("link_lost")
        if kinds & {"rel_changed", "anchor_changed"} or any(
                r.get("status") == "live" and (r.get("history") or [{}])[-1].get("kind") in ("rel_changed", "anchor_changed")
                for r in stored):
            labels.append("link_changed")

    _keep_indexability(store, know, result, page_key, record=changing and origin != "recheck")

    if "tier1" in labels:
        entry = store.tier1_page(page_key) if page_key else None
        metrics: dict = {}
        for r in stored:
            for k, v in (r.get("metrics") or {}).items():
                metrics.setdefault(k, v)
        placements = entry["placements"] if entry else 0
        network = entry["features"].get("network", 0) if entry else 0
        verdict, blocked = boost_verdict(w, profile, result, feats, metrics, placements, network)
        result["boost"] = verdict
        if not blocked and verdict["score"] >= w["threshold.worth_boosting"] \
                and result["indexability"]["state"] != indexability.NOT_INDEXABLE:
            labels.append("worth_boosting")
    if result["indexability"]["state"] == indexability.NOT_INDEXABLE:
        labels.append("not_indexable")

    label_broken_targets(store, result, page_key)
    if changing:
        _guest_posts_on_host(store, result, feats, doc)

    if not page_is_me:
        topic = " ".join([feats.topic, relevance.url_words(url)])
        linked = {know.key_of(l["href"]) for l in result["links"] if l["target"] == "tier1"}
        exclude = {k for k in linked if k} | ({page_key} if page_key else set())
        suggestions = suggest_tier1(store, topic, exclude_keys=exclude, used_anchors=know.placements.anchors)
        for sug in suggestions:  # the tier-2 pacing guard, as the draft check and placement form give it
            pace = linkprofile.tier2_pacing_warnings(store, profile, sug["tier1_url"], sug["anchor"])
            if pace:
                sug["warnings"] = pace
        best = max((s["relevance"] for s in suggestions), default=0.0)
        tier2 = tier2_verdict(w, profile, result, feats, suggestions, best, know.site_of)
        result["tier2"] = tier2
        if tier2 and tier2["score"] >= w["threshold.tier2_opportunity"] and "competitor_linker" not in labels \
                and not profile.is_competitor(urls.host_of(url)):
            labels.append("tier2_opportunity")
    return result


def _guest_posts_on_host(store, result: dict, feats: PageFeatures, doc) -> None:
    """On a host holding one of my guest posts: the page goes into the host's index and the answer
    carries `guest_posts` (is this page one, which of mine here need internal links, where to ask:
    the popup's notice; the popup asks for the suggested pages when it is opened, so a visit never
    pays for the search); label `guest_post` on the post itself. Other hosts: nothing stored."""
    from companion.workflow import guestposts

    notice = guestposts.observe(store, result, feats, doc)
    if notice is None:
        return
    result["guest_posts"] = notice
    if notice["is_guest_post"]:
        result["labels"].append("guest_post")


def _keep_indexability(store, know: "StoreKnowledge", result: dict, page_key: str | None, *, record: bool) -> None:
    """A tier-1 or placement page's verdict: the visit's own signals with what the last recheck
    learnt of its host (robots.txt, sitemap), kept for the boost list (companion.workflow.indexstate).
    The recheck keeps its own, fuller verdict at the end of its run."""
    from companion.workflow import indexstate

    if not page_key or not ("tier1" in result["labels"] or store.is_tier1_page(page_key)
                            or know.is_placement_page(page_key)):
        return
    result["indexability"] = indexstate.merge_visit(store, page_key, result["indexability"])
    result["indexable"] = result["indexability"]["state"] != indexability.NOT_INDEXABLE
    if record:
        indexstate.record(store, {page_key: result["indexability"]})


def label_broken_targets(store, result: dict, page_key: str | None) -> None:
    """`broken_target` when this page still links to a page of mine that answered 4xx.

    Why: one redirect recovers such a link, cheaper than any tier-2 work. The code
    comes from the stored record (Ahrefs' Broken backlinks export); the link must be
    on the page now, so a link gone from it is `link_lost`, not this.
    """
    if not page_key or "tier1" not in result["labels"]:
        return
    on_page = {urls.safe_page_key(l["href"]) for l in result["links"] if l["target"] == "me"}
    broken_now = [r for r in store.backlinks_from(page_key)
                  if r.get("target_key") in on_page and broken.is_broken_target(r)]
    if broken_now:
        result["labels"].append("broken_target")
        result["broken_targets"] = [{"target": r["target_url"], "http_code": broken.target_code(r),
                                     "reason": broken.reason(r)} for r in broken_now]
        if result.get("boost"):
            result["boost"]["reasons"] = [broken.reason(r) for r in broken_now] + result["boost"]["reasons"]


# --- the boost list ----------------------------------------------------------------

def _not_disavowed(store, limit: int, spam: str) -> list[dict]:
    """The best `limit` pages of the stored order that the user did not disavow (issue 28): the
    walk is asked for more until enough are left or the list ends (marks are few, pages many)."""
    disavowed = Matcher(store)
    if not disavowed:
        return store.top_tier1(limit, spam=spam)
    fetch = limit + 50
    while True:
        pages = store.top_tier1(fetch, spam=spam)
        kept = [p for p in pages if not disavowed(p["url"])]
        if len(kept) >= limit or len(pages) < fetch:
            return kept[:limit]
        fetch *= 4


def boost_hidden(store, profile: Profile) -> dict[str, int]:
    """How many scored tier-1 pages the default boost list leaves out, by reason: `disavowed`,
    `not_indexable`, `spam` (each page counted once, under the first of these that holds: the
    list apart that would show it). An empty list must not read as "nothing imported" when every
    page is hidden: the dashboard and the CLI say these counts and how to show them.

    A walk of every scored page (the blocked ones, competing or on my own sites, are never
    listed and not counted), so it is asked for when the default list came back empty."""
    ensure_scored(store, profile)
    blocked = indexstate.not_indexable(store)
    disavowed = Matcher(store)
    counts = {"disavowed": 0, "not_indexable": 0, "spam": 0}
    for page in store.top_tier1(store.tier1_count(), spam="show"):
        if disavowed(page["url"]):
            counts["disavowed"] += 1
        elif page["key"] in blocked:
            counts["not_indexable"] += 1
        elif page["spam"]:
            counts["spam"] += 1
    return counts


def boost_list(store, profile: Profile, limit: int = 50, *, spam: str = "hide",
               not_indexable: str = "hide") -> list[dict]:
    """Tier-1 pages worth powering up next (BoostItem of docs/CONTRACT.md), best first.

    An indexed walk of the stored scores, so its cost does not grow with the list.
    Pages that compete with my money keywords or sit on my own sites are left out:
    the seed says never to boost them. Spam pages (link farms, flagged, generated-page
    networks, search results) are left out too ("hide"), interleaved with the followed
    pages in score order ("show"), or listed alone ("only"); each item says `spam`. Equal scores fall to page authority, then domain authority.

    Pages a visit or a recheck found search engines will not index (companion.workflow.indexstate)
    are handled the same way by `not_indexable`: left out by default (a tier-2 link to them is
    wasted), in score order with `show`, alone with `only`; each such item says `not_indexable`
    and gives the blocking reason first. A page never checked is `unknown`: neither a bonus nor a
    penalty. Filtered here, after the scores, so the scoring rules stay one table.
    """
    rules = ensure_scored(store, profile)
    blocked = indexstate.not_indexable(store)
    if not_indexable == "only":
        disavowed = Matcher(store)
        pages = sorted((p for p in store.tier1_pages(list(blocked)).values()
                        if (not p["blocked"] or p["spam"]) and not disavowed(p["url"])),
                       key=lambda p: (-(p["score"] or 0), p["url"]))[:max(0, limit)]
    else:
        pages = _not_disavowed(store, max(0, limit) + (len(blocked) if not_indexable == "hide" else 0), spam)
        if not_indexable == "hide":
            pages = [p for p in pages if p["key"] not in blocked][:max(0, limit)]
    known = indexstate.lookup(store, [p["key"] for p in pages]) if pages else {}
    items = []
    for page in pages:
        feats = page["features"]
        entry = rules.explain(page["host"], feats, page["placements"], page["key"])
        stored = known.get(page["key"])
        verdict = indexstate.public(stored)
        reasons = entry["reasons"]
        why_not = indexability.first_blocking_reason(verdict)
        if why_not:
            reasons = [f"not indexable: {why_not}: a tier-2 link to it is wasted"] + reasons
        items.append({
            "url": page["url"], "domain": urls.site_of(page["url"]), "target": entry["target"],
            "score": entry["score"], "reasons": reasons, "metrics": entry["metrics"],
            "placements": page["placements"], "title": feats["title"], "spam": entry["spam"],
            "not_indexable": why_not is not None, "indexability": verdict,
            "authority": authority.summary(entry["metrics"]),
        })
    return items
