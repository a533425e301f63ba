/**
 * The tier graph, drawn in SVG: tier-2 placements → tier-1 pages → money pages.
 *
 * The graph comes from GET /api/graph (built on the server from the top of the boost
 * list), its layout from graphmodel.js; this module only draws. Every node is
 * an <a> to its page (http(s) only, new tab, no opener, no referrer); labels and
 * tooltips are text nodes, so a page title or URL can never become markup.
 */

import { api } from "../api.js";
import { clear, h, s, safeHref, shortUrl } from "../dom.js";
import { layout, split } from "../graphmodel.js";
import { empty, header, loading } from "./common.js";

const MAX_TIER1 = 50;
const WIDTH = 1200;

function pathOnly(url) {
  try {
    const u = new URL(url);
    return (u.pathname || "/") + u.search;
  } catch {
    return String(url);
  }
}

function edgePath(a, b) {
  const mid = (a.x + b.x) / 2;
  return `M${a.x + a.r},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.x - b.r},${b.y}`;
}

function nodeLink(node, ...children) {
  const href = safeHref(node.url);
  const attrs = { class: ["node", `node-t${node.tier}`, node.lost && "lost", node.inProfile && "goal"], "data-id": node.id, "data-tier": String(node.tier), "data-url": String(node.url) };
  if (!href) return s("g", attrs, ...children);
  // SVG 2 `href` (not xlink:href); dom.js applies the http(s) check.
  return s("a", { ...attrs, href, target: "_blank", rel: "noopener noreferrer" }, ...children);
}

function tooltip(node) {
  const lines = [String(node.url)];
  if (node.tier === 1) {
    lines.push(`Boost list #${node.rank} · score ${Math.round(node.score)}`);
    const a = node.authority || {};
    for (const level of ["page", "domain"]) if (a[level]) lines.push(`${a[level].metric} ${a[level].value}`);
    if (node.lost) lines.push("Link lost");
    for (const l of node.links) lines.push(`→ ${l.target}${l.lost ? " (lost)" : ""}${l.follow ? "" : " (nofollow)"}`);
  } else if (node.tier === 0) {
    if (node.keywords.length) lines.push(`Keywords: ${node.keywords.join(", ")}`);
    lines.push(`${node.linkers} live tier-1 link${node.linkers === 1 ? "" : "s"} shown`);
  } else {
    lines.push(`${node.placements} placement${node.placements === 1 ? "" : "s"}`);
  }
  return s("title", {}, lines.join("\n"));
}

function drawNode(node, p) {
  const parts = [tooltip(node), s("circle", { cx: p.x, cy: p.y, r: p.r })];
  if (node.lost) {
    const d = p.r * 0.75;
    parts.push(s("path", { class: "cross", d: `M${p.x - d},${p.y - d} L${p.x + d},${p.y + d} M${p.x - d},${p.y + d} L${p.x + d},${p.y - d}` }));
  }
  if (node.tier === 0) {
    parts.push(s("text", { class: "label", x: p.x + p.r + 8, y: p.y - (node.keywords.length ? 2 : -4) }, shortUrl(pathOnly(node.url), 34)));
    if (node.keywords.length) parts.push(s("text", { class: "label sub", x: p.x + p.r + 8, y: p.y + 12 }, shortUrl(node.keywords.join(", "), 40)));
  } else if (node.tier === 1) {
    parts.push(s("text", { class: "label", x: p.x - p.r - 7, y: p.y + 4, "text-anchor": "end" }, shortUrl(node.url, 46)));
  } else {
    parts.push(s("text", { class: "label", x: p.x - p.r - 7, y: p.y + 4, "text-anchor": "end" }, shortUrl(node.url, 30)));
  }
  return nodeLink(node, ...parts);
}

function legend() {
  const item = (swatch, text) => h("span", { class: "legend-item" }, swatch, text);
  const dot = (cls) => s("svg", { width: "14", height: "14", viewBox: "0 0 14 14", "aria-hidden": "true" }, s("circle", { class: cls, cx: "7", cy: "7", r: "5.5" }));
  const line = (cls) => s("svg", { width: "28", height: "10", viewBox: "0 0 28 10", "aria-hidden": "true" }, s("path", { class: ["edge", cls], d: "M1,5 L27,5" }));
  return h("div", { class: "legend" },
    item(dot("sw-t2"), "Tier 2: your placements"),
    item(dot("sw-t1"), "Tier 1: the top of your boost list (size = boost score)"),
    item(dot("sw-money"), "Money pages (profile)"),
    item(dot("sw-mine"), "Other pages of mine"),
    item(line("nofollow"), "nofollow"),
    item(line("lost"), "lost link"));
}

/**
 * Hovering (or focusing) a node lights up every chain through it, upstream and
 * downstream: for a money page, the tier-1 pages linking to it and the tier-2
 * placements behind them. With a hundred nodes, that is how a path stays legible.
 */
function highlightPaths(svg, edges) {
  const out = new Map();
  const inn = new Map();
  for (const e of edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    if (!inn.has(e.to)) inn.set(e.to, []);
    out.get(e.from).push(e.to);
    inn.get(e.to).push(e.from);
  }
  const reach = (start, next) => {
    const seen = new Set([start]);
    const todo = [start];
    while (todo.length) for (const n of next.get(todo.pop()) || []) if (!seen.has(n)) { seen.add(n); todo.push(n); }
    return seen;
  };
  const on = (id) => {
    const lit = new Set([...reach(id, out), ...reach(id, inn)]);
    svg.classList.add("focus");
    for (const el of svg.querySelectorAll(".node")) el.classList.toggle("lit", lit.has(el.dataset.id));
    for (const el of svg.querySelectorAll(".edge")) el.classList.toggle("lit", lit.has(el.dataset.from) && lit.has(el.dataset.to));
  };
  const off = () => svg.classList.remove("focus");
  for (const el of svg.querySelectorAll(".node")) {
    el.addEventListener("mouseenter", () => on(el.dataset.id));
    el.addEventListener("focus", () => on(el.dataset.id));
    el.addEventListener("mouseleave", off);
    el.addEventListener("blur", off);
  }
}

/** Re-drawn when the tab comes back into view: the extension may have added links meanwhile. */
export const refreshOnReturn = true;

export async function render(root) {
  root.append(header("Tier graph", "Who links to whom: your tier-2 placements power up tier-1 pages, which pass authority to your money pages."));
  const body = h("div", {}, loading());
  root.append(body);
  const graph = split(await api.get(`/api/graph?limit=${MAX_TIER1}`));
  clear(body);
  if (!graph.tier1.length && !graph.money.length) {
    body.append(empty("Nothing to draw yet. Import your backlinks and add your money pages in the Profile."));
    return;
  }
  const t = graph.totals;
  const facts = [
    `${graph.money.length} money page${graph.money.length === 1 ? "" : "s"}`,
    `${t.tier1Shown} tier-1 page${t.tier1Shown === 1 ? "" : "s"}`,
    `${graph.tier2.length} tier-2 page${graph.tier2.length === 1 ? "" : "s"}`,
  ];
  const notes = [];
  if (t.tier1 > t.tier1Shown) notes.push(`Showing the top ${t.tier1Shown} pages of your boost list (spam left out) of ${t.tier1} tier-1 pages, so the graph stays readable; the Backlinks tab lists them all.`);
  if (t.placementsHidden) notes.push(`${t.placementsHidden} placement${t.placementsHidden === 1 ? " points" : "s point"} at tier-1 pages not shown.`);
  if (t.placementsElsewhere) notes.push(`${t.placementsElsewhere} placement${t.placementsElsewhere === 1 ? " points" : "s point"} at pages not in your backlink list.`);

  const lay = layout(graph, { width: WIDTH });
  const svg = s("svg", { class: "tier-graph", id: "tier-graph", viewBox: `0 0 ${WIDTH} ${lay.height}`, width: String(WIDTH), height: String(lay.height), role: "img", "aria-label": "Tier graph" });
  svg.append(
    s("text", { class: "col-title", x: lay.cols[2], y: 28, "text-anchor": "middle" }, "Tier 2 · your placements"),
    s("text", { class: "col-title", x: lay.cols[1], y: 28, "text-anchor": "middle" }, "Tier 1 · pages linking to you"),
    s("text", { class: "col-title", x: lay.cols[0], y: 28, "text-anchor": "middle" }, "Money pages"));
  const edges = s("g", { class: "edges" });
  for (const e of graph.edges) {
    const a = lay.pos.get(e.from);
    const b = lay.pos.get(e.to);
    if (!a || !b) continue;
    edges.append(s("path", { class: ["edge", e.kind, e.lost && "lost", !e.follow && "nofollow"], d: edgePath(a, b), "data-from": e.from, "data-to": e.to }));
  }
  const nodes = s("g", { class: "nodes" });
  for (const node of [...graph.money, ...graph.tier1, ...graph.tier2]) {
    const p = lay.pos.get(node.id);
    if (p) nodes.append(drawNode(node, p));
  }
  svg.append(edges, nodes);
  highlightPaths(svg, graph.edges);
  body.append(
    h("div", { class: "graph-bar" }, h("p", { class: "facts" }, facts.join(" · ")), legend()),
    ...notes.map((n) => h("p", { class: "graph-note" }, n)),
    h("div", { class: "graph-wrap" }, svg));
}
