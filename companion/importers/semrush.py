"""Semrush Backlink Analytics → Backlinks export (current layout with Page ascore, and older ones)."""

from __future__ import annotations

from companion.importers.formats import Format, spec

FIELDS = spec(
    source="source url", target="target url", anchor="anchor", title="source title",
    nofollow="nofollow", ugc="ugc", sponsored="sponsored", image="image", frame="frame", form="form",
    first_seen="first seen", last_seen="last seen", lost_bool="lost link",
    m_page_ascore="page ascore", m_page_score="page score", m_page_trust_score="page trust score",
    m_external_links="external links", m_internal_links="internal links", b_sitewide="sitewide",
    b_new_link="new link")


def detect(cols: set[str], mapping, wanted) -> str | None:
    if {"source url", "target url"} <= cols and cols & {"page ascore", "page score", "source title", "nofollow"}:
        return "current" if "page ascore" in cols else "legacy"
    return None


FORMAT = Format(name="semrush", label="semrush", order=30, variants={"current": FIELDS, "legacy": FIELDS},
                detect=detect)
