"""The tier graph as data, built on the server from the top of the boost list (GET /api/graph).

    tier 2 (my placements) ──▶ tier 1 (pages linking to me) ──▶ money pages

Why here and not in the browser: the dashboard built it from the whole GET /api/backlinks
(620 MB at a million backlinks, issue 22) and ranked the pages the boost list did not
return by DR, which drew link farms and spam among the top tier-1 pages. The tier-1
nodes are now exactly the first `limit` pages of the boost list, in its order (never
spam, never blocked; followed links before nofollow ones), each with its links to my
pages (an index lookup per page); money pages are the profile's and the pages of mine
those tier-1 pages link to; tier-2 nodes are my placements pointing at a drawn tier-1
page. The browser only lays the graph out and draws it (static/graphmodel.js, views/graph.js).
"""

from __future__ import annotations

from companion.analysis import urls

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_TIER2 = 150


def _key(url: str) -> str | None:
    try:
        return urls.page_key(url)
    except (ValueError, TypeError):
        return None


def tier_graph(store, profile, limit: int = DEFAULT_LIMIT) -> dict:
    """{"nodes": [money..., tier 1 in boost order..., tier 2...], "edges": [...], "totals": {...}}."""
    from companion.verdicts.verdicts import boost_list

    boost = boost_list(store, profile, limit, spam="hide")
    money: dict[str, dict] = {}
    for page in profile.money_pages:
        key = _key(page.get("url") or "")
        if key and key not in money:
            money[key] = {"id": f"m:{key}", "key": key, "tier": 0, "url": page["url"],
                          "keywords": list(page.get("keywords") or []), "inProfile": True, "linkers": 0}
    tier1, edges = [], []
    for rank, item in enumerate(boost, 1):
        key = _key(item["url"])
        if key is None:
            continue
        links = []
        for rec in store.backlinks_from(key):
            target_key = rec.get("target_key") or _key(rec.get("target_url") or "")
            if not target_key:
                continue
            lost = rec.get("status") == "lost"
            links.append({"target": rec.get("target_url"), "targetKey": target_key, "lost": lost,
                          "follow": rec.get("follow") is not False, "anchor": rec.get("anchor") or ""})
            m = money.setdefault(target_key, {"id": f"m:{target_key}", "key": target_key, "tier": 0,
                                              "url": rec.get("target_url"), "keywords": [], "inProfile": False,
                                              "linkers": 0})
            m["linkers"] += 0 if lost else 1
            edges.append({"from": f"t1:{key}", "to": m["id"], "lost": lost, "follow": links[-1]["follow"],
                          "kind": "t1"})
        if not links:
            continue
        tier1.append({"id": f"t1:{key}", "key": key, "tier": 1, "url": item["url"], "rank": rank,
                      "score": item["score"], "title": item.get("title") or "", "authority": item.get("authority"),
                      "placementsCount": item.get("placements", 0), "links": links,
                      "lost": all(link["lost"] for link in links)})
    shown = {node["key"] for node in tier1}
    tier2: dict[str, dict] = {}
    placements = store.all("placements")
    hidden = elsewhere = 0
    for p in placements:
        to_key = p.get("to_key") or _key(p.get("to_url") or "")
        from_key = p.get("from_key") or _key(p.get("from_url") or "")
        if not to_key or not from_key:
            continue
        if to_key not in shown:
            if store.is_tier1_page(to_key):
                hidden += 1
            else:
                elsewhere += 1
            continue
        node = tier2.get(from_key)
        if node is None:
            if len(tier2) >= MAX_TIER2:
                hidden += 1
                continue
            node = tier2[from_key] = {"id": f"t2:{from_key}", "key": from_key, "tier": 2, "url": p.get("from_url"),
                                      "targets": [], "placements": 0, "via": p.get("via") or ""}
        node["placements"] += 1
        target = f"t1:{to_key}"
        if target not in node["targets"]:
            node["targets"].append(target)
            edges.append({"from": node["id"], "to": target, "lost": False, "follow": True, "kind": "t2"})
    return {"nodes": [*money.values(), *tier1, *tier2.values()], "edges": edges,
            "totals": {"tier1": store.tier1_count(), "tier1Shown": len(tier1), "placements": len(placements),
                       "placementsHidden": hidden, "placementsElsewhere": elsewhere, "limit": limit}}
