"""Moz Open Site Explorer inbound links, with its preamble (the export's date is read from it)."""

from __future__ import annotations

import re

from companion.importers.formats import Format, spec
from companion.importers.values import DateParser

FIELDS = spec(
    source="url", target="target url", anchor="anchor text", title="title",
    moz_nofollow="only rel=nofollow", followable="followable", redirect="301",
    m_spam_score="spam score", m_page_authority="page authority", m_domain_authority="domain authority",
    m_referring_domains="number of domains linking to this page",
    m_domain_referring_domains="number of domains linking to domain", m_links="number of links")


def detect(cols: set[str], mapping, wanted) -> str | None:
    if {"url", "target url"} <= cols and cols & {"page authority", "domain authority", "spam score"}:
        return "ose"
    return None


def export_date(preamble: list[str]) -> str | None:
    """The date the preamble states (`Exported: 2025-03-14`), the rows' last seen where they have none."""
    for line in preamble:
        m = re.search(r"(?:exported|date)\s*[:,]\s*([0-9][0-9./ :-]+)", line, re.I)
        if m:
            try:
                return DateParser()(m.group(1).strip())
            except ValueError:
                pass
    return None


FORMAT = Format(name="moz", label="moz", order=40, variants={"ose": FIELDS}, detect=detect, export_date=export_date)
