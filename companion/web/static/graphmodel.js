/**
 * The tier graph as data, and its layout. Pure functions, no DOM, so the rules
 * (what counts as which tier, what is cut, where each node goes) can be read and
 * tested apart from drawing.
 *
 *   tier 2 (my placements) ──▶ tier 1 (pages linking to me) ──▶ money pages
 *
 * Built in the browser from /api/backlinks, /api/placements, /api/boost and
 * /api/profile, which the dashboard loads anyway; a separate graph route would
 * duplicate that data in a second shape.
 */

const TRACKING = /^(utm_[a-z]+|gclid|fbclid|msclkid|mc_cid|mc_eid|ref)$/i;

/**
 * A comparison key for a page URL, so that the same page written two ways
 * (scheme, www., host case, default port, trailing slash, fragment, tracking
 * parameters) is one node, as the store compares backlinks.
 */
export function pageKey(url) {
  let u;
  try {
    u = new URL(String(url).trim());
  } catch {
    return String(url ?? "").trim().toLowerCase();
  }
  const host = u.hostname.toLowerCase().replace(/^www\./, "");
  const port = u.port ? `:${u.port}` : "";
  const path = u.pathname.replace(/\/+$/, "") || "/";
  const params = [...u.searchParams].filter(([k]) => !TRACKING.test(k));
  const query = params.length ? "?" + new URLSearchParams(params).toString() : "";
  return host + port + path + query;
}

function metric(metrics, name) {
  const v = metrics ? metrics[name] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Nodes and edges from the API's lists.
 *
 * Tier-1 pages are ranked by boost score where the boost list knows them, else by
 * DR, and only the top `maxTier1` are kept so the picture stays readable; the
 * result says how many were left out. Tier-2 nodes are placements pointing at a
 * kept tier-1 page. Money pages are the profile's money pages plus every page of
 * mine a kept tier-1 page links to.
 */
export function buildGraph({ backlinks = [], placements = [], boost = [], profile = {} } = {}, { maxTier1 = 100, maxTier2 = 150 } = {}) {
  const boostByKey = new Map();
  for (const item of boost) if (item && item.url) boostByKey.set(pageKey(item.url), item);

  // Tier 1: one node per source page, whatever number of my pages it links to.
  const t1ByKey = new Map();
  for (const b of backlinks) {
    if (!b || !b.source_url || !b.target_url) continue;
    const key = pageKey(b.source_url);
    let node = t1ByKey.get(key);
    if (!node) {
      const item = boostByKey.get(key);
      const dr = metric(b.metrics, "dr");
      node = {
        id: `t1:${key}`, key, tier: 1, url: b.source_url,
        score: item && typeof item.score === "number" ? item.score : dr ?? 0,
        scoreKind: item && typeof item.score === "number" ? "boost" : dr !== null ? "dr" : "none",
        dr, ur: metric(b.metrics, "ur"), links: [], lost: false,
      };
      t1ByKey.set(key, node);
    } else if (node.dr === null) {
      node.dr = metric(b.metrics, "dr");
      if (node.scoreKind === "none" && node.dr !== null) Object.assign(node, { score: node.dr, scoreKind: "dr" });
    }
    node.links.push({ target: b.target_url, targetKey: pageKey(b.target_url), lost: b.status === "lost",
      follow: b.follow !== false, anchor: b.anchor ?? "" });
  }
  const allT1 = [...t1ByKey.values()];
  for (const node of allT1) node.lost = node.links.every((l) => l.lost);
  allT1.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
  const tier1 = allT1.slice(0, maxTier1);
  const shownT1 = new Set(tier1.map((n) => n.key));

  // Money pages: the profile's first (they are the goals, even before any link),
  // then the other pages of mine that kept tier-1 pages link to.
  const money = new Map();
  for (const p of profile.money_pages || []) {
    if (!p || !p.url) continue;
    const key = pageKey(p.url);
    if (!money.has(key)) money.set(key, { id: `m:${key}`, key, tier: 0, url: p.url, keywords: p.keywords || [], inProfile: true, linkers: 0 });
  }
  const edges = [];
  for (const node of tier1) {
    for (const link of node.links) {
      if (!money.has(link.targetKey)) {
        money.set(link.targetKey, { id: `m:${link.targetKey}`, key: link.targetKey, tier: 0, url: link.target, keywords: [], inProfile: false, linkers: 0 });
      }
      const m = money.get(link.targetKey);
      if (!link.lost) m.linkers += 1;
      edges.push({ from: node.id, to: m.id, lost: link.lost, follow: link.follow, kind: "t1" });
    }
  }

  // Tier 2: placements whose to_url is a kept tier-1 page.
  const t2ByKey = new Map();
  let placementsHidden = 0;
  let placementsElsewhere = 0;
  for (const p of placements) {
    if (!p || !p.from_url || !p.to_url) continue;
    const toKey = pageKey(p.to_url);
    if (!shownT1.has(toKey)) {
      if (t1ByKey.has(toKey)) placementsHidden += 1;
      else placementsElsewhere += 1;
      continue;
    }
    const key = pageKey(p.from_url);
    if (!t2ByKey.has(key)) {
      if (t2ByKey.size >= maxTier2) {
        placementsHidden += 1;
        continue;
      }
      t2ByKey.set(key, { id: `t2:${key}`, key, tier: 2, url: p.from_url, targets: [], placements: 0, via: p.via ?? "" });
    }
    const node = t2ByKey.get(key);
    node.placements += 1;
    if (!node.targets.includes(`t1:${toKey}`)) {
      node.targets.push(`t1:${toKey}`);
      edges.push({ from: node.id, to: `t1:${toKey}`, lost: false, follow: true, kind: "t2" });
    }
  }

  return {
    money: [...money.values()],
    tier1,
    tier2: [...t2ByKey.values()],
    edges,
    totals: { tier1: allT1.length, tier1Shown: tier1.length, placements: placements.length, placementsHidden, placementsElsewhere },
  };
}

/** Node radius: 4–14 px by a 0–100 score; money pages a little larger. */
export function radius(node) {
  if (node.tier === 0) return 8 + Math.min(6, node.linkers);
  if (node.tier === 2) return 5 + Math.min(3, node.placements - 1);
  const score = Math.max(0, Math.min(100, Number(node.score) || 0));
  return 4 + score / 10;
}

/**
 * Pushes sorted positions down so neighbours are at least `gap` apart, and
 * further when two large nodes would touch.
 */
function spread(items, gap, top) {
  let prev = null;
  for (const item of items) {
    const min = prev ? prev.y + Math.max(gap, prev.r + item.r + 3) : top;
    item.y = Math.max(item.y, min);
    prev = item;
  }
}

/**
 * Columns layout: x by tier, y so edges run as straight as possible.
 * Tier-1 pages are stacked in groups by the money page they link to (the
 * strongest link picks the group); each money page sits at the middle of its
 * group, each tier-2 page at the middle of the tier-1 pages it links to.
 */
export function layout(graph, { width = 1200, top = 70, row = 24, groupGap = 14, moneyRow = 44 } = {}) {
  const cols = { 2: Math.round(width * 0.22), 1: Math.round(width * 0.53), 0: Math.round(width * 0.78) };
  const moneyIndex = new Map(graph.money.map((m, i) => [m.id, i]));
  const primary = (node) => {
    const live = node.links.find((l) => !l.lost && l.follow) || node.links.find((l) => !l.lost) || node.links[0];
    return `m:${live.targetKey}`;
  };
  // Money pages with more linkers first, the profile's order breaking ties.
  const moneyOrder = [...graph.money].sort((a, b) => (b.linkers > 0) - (a.linkers > 0) || moneyIndex.get(a.id) - moneyIndex.get(b.id));
  const rank = new Map(moneyOrder.map((m, i) => [m.id, i]));
  const t1 = graph.tier1.map((n) => ({ node: n, group: primary(n) }));
  t1.sort((a, b) => rank.get(a.group) - rank.get(b.group) || b.node.score - a.node.score);

  const pos = new Map();
  let y = top;
  let last = null;
  for (const { node, group } of t1) {
    const r = radius(node);
    if (last) y += Math.max(row, last.r + r + 3) + (group !== last.group ? groupGap : 0);
    pos.set(node.id, { x: cols[1], y, r });
    last = { group, r };
  }

  const moneyItems = moneyOrder.map((m) => {
    const ys = t1.filter((t) => t.group === m.id).map((t) => pos.get(t.node.id).y);
    return { node: m, r: radius(m), y: ys.length ? (Math.min(...ys) + Math.max(...ys)) / 2 : Infinity };
  });
  // Linked money pages in the order of their groups; unlinked ones (goals with
  // no tier-1 link yet) after them: spread() moves y = 0 to the next free row.
  moneyItems.sort((a, b) => a.y - b.y);
  for (const item of moneyItems) if (item.y === Infinity) item.y = 0;
  spread(moneyItems, moneyRow, top);
  for (const item of moneyItems) pos.set(item.node.id, { x: cols[0], y: item.y, r: item.r });

  const t2Items = graph.tier2.map((n) => {
    const ys = n.targets.map((id) => pos.get(id)?.y).filter((v) => v !== undefined);
    return { node: n, r: radius(n), y: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : top };
  });
  t2Items.sort((a, b) => a.y - b.y);
  spread(t2Items, row, top);
  for (const item of t2Items) pos.set(item.node.id, { x: cols[2], y: item.y, r: item.r });

  const bottom = Math.max(top, ...[...pos.values()].map((p) => p.y + p.r));
  return { pos, cols, width, height: bottom + 40 };
}
