"""Google Search Console → Links → External links: "Latest links" and "More sample links".

Facts (FORMATS.md, real/SOURCES.md): a `Linking page` column, in Latest links a
`Last crawled` date, headers in the UI's language; no target page, anchor or rel.
The property (the site the rows link to) is in the file name (`https___host_-Latest
links-…`, `host-Latest links-…`). Search Console's other tables hold no page-level
backlinks and are refused with what to download instead, among them the internal
links tables: "Top target pages" (`Target page,Internal links`) and "Your pages
linking to this page", whose header is that of "More sample links" but whose linking
pages are the site's own (told by the file name, else by every row being on the
property or on my domains).
"""

from __future__ import annotations

import re
from pathlib import Path

from companion import urls
from companion.errors import BadInput
from companion.importers.formats import GSC_INSTEAD, Format, Parsed, looks_like_url, spec

LINKS = spec(
    source=("linking page", "página de enlace", "pagina de enlace", "verweisende seite", "page de provenance",
            "page d'origine", "pagina di collegamento", "página de link", "דף מקשר"),
    last_seen=("last crawled", "último rastreo", "zuletzt gecrawlt", "dernière exploration",
               "ultima scansione", "último rastreamento", "נסרק לאחרונה"))

INTERNAL = ("this is Search Console's \"Your pages linking to this page\" table of internal links: its "
            "linking pages are your own pages, not backlinks." + GSC_INSTEAD)


def detect(cols: set[str], mapping, wanted) -> str | None:
    return "links" if cols & set(LINKS["source"]) else None


def shape(cells: list[str]) -> tuple[str, list[str]] | None:
    """A first line of one or two cells, not a URL: Latest/More sample links in a UI language we do not
    spell (confirmed by the reader when the next line starts with a URL)."""
    if 1 <= len(cells) <= 2 and not looks_like_url(cells[0]):
        return "links (by shape)", ["linking page", "last crawled"][:len(cells)]
    return None


def property_url(name: str) -> str | None:
    """The site a Search Console export belongs to, from its file name (`example.com-Latest links-…`)."""
    base = Path(name).name
    m = re.match(r"^(.+?)-(?:Latest links|More sample links)", base, re.I)
    if not m:
        return None
    prop = m.group(1)
    if prop.startswith(("https___", "http___")):
        scheme, rest = prop.split("___", 1)
        host = rest.rstrip("_").split("_")[0]
        url = f"{scheme}://{host}/"
    else:
        url = f"https://{prop}/"
    return url if urls.is_http_url(url) else None


def refuse_internal(parsed: Parsed, name: str, my_domains: list[str]) -> None:
    """BadInput for the internal links drill-down: by its file name, or when every linking page is on
    the file's property or on one of my domains."""
    if re.search(r"-Your pages linking to this page", Path(name).name, re.I):
        raise BadInput(f"{name}: {INTERNAL}")
    sites = {urls.registrable_domain(d) for d in my_domains if d}
    if parsed.property_url:
        sites.add(urls.site_of(parsed.property_url))
    if parsed.rows and sites and all(urls.site_of(r["source_url"]) in sites for r in parsed.rows):
        raise BadInput(f"{name}: {INTERNAL}")


FORMAT = Format(
    name="gsc", label="gsc (Search Console links)", order=60,
    variants={"links": LINKS, "links (by shape)": LINKS}, detect=detect, shape=shape,
    targetless=True, rel_known=lambda ix: False, property_url=property_url, check=refuse_internal,
    refuse=(
        (frozenset({"site", "linking pages"}),
         "this is Search Console's \"Top linking sites\" table: it has sites and counts, no page-level links."
         + GSC_INSTEAD),
        (frozenset({"target page", "incoming links"}),
         "this is Search Console's \"Top target pages\" table: it counts links to your own pages: no page-level "
         "links, no linking pages." + GSC_INSTEAD),
        (frozenset({"target page", "internal links"}),
         "this is Search Console's \"Top target pages\" table of internal links: it counts links between your own "
         "pages, not backlinks." + GSC_INSTEAD),
        (frozenset({"rank", "link text"}),
         "this is Search Console's \"Top linking text\" table: it ranks anchor texts, no page-level links."
         + GSC_INSTEAD),
    ),
    notes=("Search Console exports name no target page, anchor or rel: these rows confirm the pages "
           "still link to your site",))
