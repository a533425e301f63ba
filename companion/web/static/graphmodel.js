/**
 * The tier graph's layout. Pure functions, no DOM, so where each node goes can be
 * read and tested apart from drawing.
 *
 *   tier 2 (my placements) ──▶ tier 1 (pages linking to me) ──▶ money pages
 *
 * The graph itself (which pages, in which order) is built on the server from the
 * top of the boost list: GET /api/graph (companion/verdicts/graph.py). `split` turns its
 * node list into the three columns laid out here.
 */

/** GET /api/graph's nodes by tier: { money, tier1, tier2, edges, totals }. */
export function split(data) {
  const nodes = (data && data.nodes) || [];
  return {
    money: nodes.filter((n) => n.tier === 0),
    tier1: nodes.filter((n) => n.tier === 1),
    tier2: nodes.filter((n) => n.tier === 2),
    edges: (data && data.edges) || [],
    totals: (data && data.totals) || {},
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
