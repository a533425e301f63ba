// Rules of the dashboard's tier graph (companion/web/static/graphmodel.js), run with
// `node --experimental-detect-module --test` (tests/test_dashboard_graph.py does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGraph, layout, pageKey, radius } from "../../companion/web/static/graphmodel.js";

const bl = (source, target, extra = {}) => ({ source_url: source, target_url: target, anchor: "a", rel: [], follow: true, status: "live", metrics: { dr: 50 }, ...extra });

test("pageKey: one page however it is written", () => {
  const k = pageKey("https://blog.test/post/");
  for (const u of ["http://www.blog.test/post", "https://BLOG.test/post#top", "https://blog.test:443/post?utm_source=x", "https://www.blog.test/post/"]) {
    assert.equal(pageKey(u), k, u);
  }
  assert.notEqual(pageKey("https://blog.test/post?id=2"), k);
  assert.equal(pageKey("not a url"), "not a url");
});

test("one tier-1 node per source page; score from the boost list, else DR", () => {
  const g = buildGraph({
    backlinks: [bl("https://a.test/p", "https://me.test/x", { metrics: { dr: 20 } }), bl("https://www.a.test/p/", "https://me.test/y"),
      bl("https://b.test/q", "https://me.test/x", { metrics: { dr: 70 } })],
    boost: [{ url: "https://a.test/p", score: 90 }],
  });
  assert.equal(g.tier1.length, 2);
  const a = g.tier1.find((n) => n.url === "https://a.test/p");
  assert.equal(a.score, 90);
  assert.equal(a.scoreKind, "boost");
  assert.equal(a.links.length, 2);
  const b = g.tier1.find((n) => n.url === "https://b.test/q");
  assert.equal(b.score, 70);
  assert.equal(b.scoreKind, "dr");
  assert.deepEqual(g.tier1.map((n) => n.url), ["https://a.test/p", "https://b.test/q"], "best score first");
  assert.equal(g.money.length, 2);
});

test("lost: a node is lost only when every link from it is lost; edges carry lost and nofollow", () => {
  const g = buildGraph({ backlinks: [
    bl("https://a.test/", "https://me.test/x", { status: "lost" }),
    bl("https://b.test/", "https://me.test/x", { status: "lost" }), bl("https://b.test/", "https://me.test/y", { follow: false }),
  ] });
  assert.equal(g.tier1.find((n) => n.url === "https://a.test/").lost, true);
  assert.equal(g.tier1.find((n) => n.url === "https://b.test/").lost, false);
  assert.equal(g.edges.filter((e) => e.lost).length, 2);
  assert.equal(g.edges.filter((e) => !e.follow).length, 1);
});

test("the cap keeps the best tier-1 pages and says how many were left out", () => {
  const backlinks = Array.from({ length: 30 }, (_, i) => bl(`https://s${i}.test/`, "https://me.test/", { metrics: { dr: i } }));
  const placements = [
    { from_url: "https://t2.test/a", to_url: "https://s29.test/" },
    { from_url: "https://t2.test/b", to_url: "https://s0.test/" },
    { from_url: "https://t2.test/c", to_url: "https://elsewhere.test/" },
  ];
  const g = buildGraph({ backlinks, placements }, { maxTier1: 10 });
  assert.equal(g.tier1.length, 10);
  assert.equal(g.tier1[0].url, "https://s29.test/");
  assert.equal(g.totals.tier1, 30);
  assert.deepEqual(g.tier2.map((n) => n.url), ["https://t2.test/a"]);
  assert.equal(g.totals.placementsHidden, 1);
  assert.equal(g.totals.placementsElsewhere, 1);
});

test("profile money pages are shown even before any link reaches them", () => {
  const g = buildGraph({ backlinks: [bl("https://a.test/", "https://www.me.test/pricing/")],
    profile: { money_pages: [{ url: "https://me.test/pricing", keywords: ["k"] }, { url: "https://me.test/new", keywords: [] }] } });
  assert.deepEqual(g.money.map((m) => [m.url, m.inProfile, m.linkers]), [["https://me.test/pricing", true, 1], ["https://me.test/new", true, 0]]);
});

test("layout: three columns left to right, no overlapping nodes in a column", () => {
  const backlinks = [];
  for (let i = 0; i < 40; i++) backlinks.push(bl(`https://s${i}.test/`, `https://me.test/p${i % 4}`, { metrics: { dr: (i * 37) % 100 } }));
  const placements = Array.from({ length: 12 }, (_, i) => ({ from_url: `https://t2-${i}.test/`, to_url: `https://s${i * 3}.test/` }));
  const g = buildGraph({ backlinks, placements, profile: { money_pages: [{ url: "https://me.test/goal", keywords: [] }] } });
  const { pos, height } = layout(g, { width: 1200 });
  const all = [...g.money, ...g.tier1, ...g.tier2];
  assert.equal(pos.size, all.length);
  for (const col of [g.money, g.tier1, g.tier2]) {
    const ps = col.map((n) => pos.get(n.id)).sort((a, b) => a.y - b.y);
    for (let i = 1; i < ps.length; i++) assert.ok(ps[i].y - ps[i - 1].y >= ps[i].r + ps[i - 1].r, "nodes overlap");
    for (const p of ps) assert.ok(p.y + p.r <= height);
  }
  assert.ok(pos.get(g.tier2[0].id).x < pos.get(g.tier1[0].id).x && pos.get(g.tier1[0].id).x < pos.get(g.money[0].id).x);
  assert.ok(radius({ tier: 1, score: 100 }) > radius({ tier: 1, score: 10 }));
});
