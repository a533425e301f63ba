"""Ahrefs Site Explorer: Backlinks (current 35–37 columns, legacy layout) and Broken backlinks.

Facts (../shared/exports/FORMATS.md and real/SOURCES.md): the default download is
UTF-16LE with a BOM and tabs, the other UTF-8 with commas, and Google Sheets adds a
`#` column and writes TRUE/FALSE. "Broken backlinks" has no First/Last seen: its
`Ref. page checked` is when Ahrefs last saw the link, and `Target page HTTP code`
(kept as metrics.target_http_code) says my page answers 404: one redirect wins it back.
"""

from __future__ import annotations

from companion.importers.formats import Format, spec

CURRENT = spec(
    source="referring page url", target="target url", anchor="anchor", title="referring page title",
    nofollow="nofollow", ugc="ugc", sponsored="sponsored", type="type",
    first_seen="first seen", last_seen=("last seen", "ref. page checked"), lost_date="lost", language="language",
    m_dr="domain rating", m_ur=("ur", "url rating"), m_domain_traffic="domain traffic",
    m_referring_domains="referring domains", m_linked_domains="linked domains",
    m_external_links="external links", m_traffic="page traffic", m_keywords="keywords",
    m_http_code="referring page http code", m_target_http_code="target page http code", b_is_spam="is spam")

LEGACY = spec(
    source="referring page url", target="link url", anchor="link anchor", title="referring page title",
    rel_text="type", status_text="backlink status", first_seen="first seen", last_seen="last check",
    lost_date="day lost", language="language",
    m_dr="domain rating", m_ur=("url rating (desc)", "url rating", "ur"),
    m_referring_domains="referring domains", m_internal_links="internal links count",
    m_external_links="external links count", m_traffic="traffic", m_keywords="keywords",
    m_linked_domains="linked domains")


def detect(cols: set[str], mapping, wanted) -> str | None:
    if "referring page url" in cols:
        if "target url" in cols:
            return "v3"
        if "link url" in cols:
            return "v2"
    return None


FORMAT = Format(name="ahrefs", label="ahrefs", order=10, variants={"v3": CURRENT, "v2": LEGACY}, detect=detect,
                link_type_in_rel_text=True)
