"""Find contacts: fetch a saved site's contact page, politely, when the saved page showed no address.

The user asks for it (popup, dashboard, `tierlink find-contacts ID`); nothing is fetched on
its own. What is fetched, and why:

* The site's own contact routes the saved page listed (contact, write for us, guidelines,
  about: that order, the likeliest to show an address first); when it listed none, the
  site's home page, and then the routes *it* links to. At most MAX_PAGES requests for
  pages (robots.txt aside), and it stops at the first page that shows an address.
* The recheck's guard and limits (companion.monitor.fetch): every hop resolved and checked
  (loopback and private addresses refused unless `allow_private_hosts`, as for a recheck),
  one deadline per fetch, the body capped. robots.txt is fetched first and obeyed for
  TierlinkBot (companion.monitor.robots); its Crawl-delay, or the recheck's delay between
  two requests to a host when longer, is kept (companion.monitor.politeness).
* Redirects are followed only within the site: a contact page that sends elsewhere is that
  other site's.
* What a page shows is read by the same extraction as a saved page
  (companion.analysis.contacts), each entry naming the page it came from. Nothing guessed.
"""

from __future__ import annotations

from companion.analysis import contacts as contacts_mod
from companion.analysis import urls
from companion.core.limits import RECHECK_DELAY, RECHECK_TIMEOUT
from companion.monitor.fetch import FetchError, Fetcher
from companion.monitor.politeness import HostGate
from companion.monitor.robots import RobotsCache, origin_of

MAX_PAGES = 3
ORDER = ("contact", "write_for_us", "guidelines", "about")
HTML_TYPES = ("text/html", "application/xhtml+xml", "")


def _routes(found: dict, site: str) -> list[str]:
    pages = [p for p in found.get("pages") or [] if isinstance(p, dict) and p.get("kind") in ORDER
             and urls.is_http_url(p.get("url") or "") and urls.site_of(p["url"]) == site]
    pages.sort(key=lambda p: ORDER.index(p["kind"]))
    return [p["url"] for p in pages]


def find(page_url: str, known: dict | None = None, *, allow_private: bool = False, delay: float = RECHECK_DELAY,
         timeout: float = RECHECK_TIMEOUT, max_pages: int = MAX_PAGES) -> tuple[dict, list[dict]]:
    """(contact routes found, what was fetched: [{url, status} | {url, skipped} | {url, error}])."""
    site = urls.site_of(page_url)
    queue = _routes(known or {}, site) or [origin_of(page_url) + "/"]
    from_home = not _routes(known or {}, site)
    found, log, seen = contacts_mod.empty(), [], set()
    gate = HostGate(delay)
    with Fetcher(timeout=timeout, allow_private=allow_private, gate=gate) as fetcher:
        robots = RobotsCache(fetcher)
        while queue and len(seen) < max_pages:
            url = queue.pop(0)
            key = urls.safe_page_key(url) or url
            if key in seen:
                continue
            seen.add(key)
            try:
                rules = robots.rules(url)
                if rules.crawl_delay:
                    gate.set_delay(urls.host_of(url), rules.crawl_delay)
                if not rules.allowed(url):
                    log.append({"url": url, "skipped": rules.disallow_all or rules.error
                                or "robots.txt disallows it for TierlinkBot"})
                    continue
                resp = fetcher.get(url, follow=lambda nxt: urls.site_of(nxt) == site and robots.rules(nxt).allowed(nxt))
            except FetchError as exc:
                log.append({"url": url, "error": exc.reason})
                continue
            if resp.location:
                log.append({"url": url, "skipped": f"it redirects off the site or where robots.txt disallows: "
                                                   f"{resp.location[:300]}"})
                continue
            if resp.status != 200 or resp.content_type not in HTML_TYPES:
                log.append({"url": url, "status": resp.status, "skipped": "no HTML page here"})
                continue
            log.append({"url": url, "status": resp.status})
            page = contacts_mod.extract_html(resp.final_url, resp.text())
            found = contacts_mod.merge(found, page)
            if found["emails"]:
                break
            if from_home:  # the home page: follow its contact routes next
                queue += [u for u in _routes(page, site) if (urls.safe_page_key(u) or u) not in seen]
                from_home = False
    return found, log


def find_for_candidate(store, id, *, allow_private: bool = False, delay: float = RECHECK_DELAY,
                       timeout: float = RECHECK_TIMEOUT) -> dict:
    """Find contacts for a saved candidate and keep what was found with it: the candidate,
    plus `fetched` (what was asked of the site, and why anything was skipped)."""
    from companion.core.errors import BadInput
    from companion.workflow import candidates, outreach

    if not isinstance(allow_private, bool):
        raise BadInput("'allow_private_hosts' must be true or false")
    current = candidates.get(store, id)
    found, log = find(current["url"], current.get("contacts"), allow_private=allow_private, delay=delay,
                      timeout=timeout)
    doc = outreach.set_contacts(store, current["id"], found)
    return {**doc, "fetched": log}
