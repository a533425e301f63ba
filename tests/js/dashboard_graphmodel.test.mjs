// Layout of the dashboard's tier graph (companion/web/static/graphmodel.js), run with
// `node --experimental-detect-module --test` (tests/test_dashboard_graph.py does). The graph
// itself is built on the server (companion/verdicts/graph.py, tested in Python).
import { test } from "node:test";
import assert from "node:assert/strict";
import { layout, radius, split } from "../../companion/web/static/graphmodel.js";

// GET /api/graph's shape: money pages, tier-1 pages (boost order), tier-2 pages.
function graphData() {
  const nodes = [{ id: "m:me.test/goal", key: "me.test/goal", tier: 0, url: "https://me.test/goal", keywords: [], inProfile: true, linkers: 0 }];
  for (let i = 0; i < 4; i++) nodes.push({ id: `m:me.test/p${i}`, key: `me.test/p${i}`, tier: 0, url: `https://me.test/p${i}`, keywords: [], inProfile: false, linkers: 10 });
  const edges = [];
  for (let i = 0; i < 40; i++) {
    const target = `me.test/p${i % 4}`;
    nodes.push({ id: `t1:s${i}.test/`, key: `s${i}.test/`, tier: 1, url: `https://s${i}.test/`, rank: i + 1, score: 100 - i * 2,
      links: [{ target: `https://${target}`, targetKey: target, lost: false, follow: i % 3 !== 0, anchor: "a" }], lost: false });
    edges.push({ from: `t1:s${i}.test/`, to: `m:${target}`, lost: false, follow: i % 3 !== 0, kind: "t1" });
  }
  for (let i = 0; i < 12; i++) {
    nodes.push({ id: `t2:t2-${i}.test/`, key: `t2-${i}.test/`, tier: 2, url: `https://t2-${i}.test/`, targets: [`t1:s${i * 3}.test/`], placements: 1 });
    edges.push({ from: `t2:t2-${i}.test/`, to: `t1:s${i * 3}.test/`, lost: false, follow: true, kind: "t2" });
  }
  return { nodes, edges, totals: { tier1: 400, tier1Shown: 40 } };
}

test("split: the server's nodes by tier, tier-1 in the boost list's order", () => {
  const g = split(graphData());
  assert.equal(g.money.length, 5);
  assert.equal(g.tier1.length, 40);
  assert.equal(g.tier2.length, 12);
  assert.deepEqual(g.tier1.slice(0, 3).map((n) => n.rank), [1, 2, 3]);
  assert.equal(g.totals.tier1, 400);
  assert.deepEqual(split(null), { money: [], tier1: [], tier2: [], edges: [], totals: {} });
});

test("layout: three columns left to right, no overlapping nodes in a column", () => {
  const g = split(graphData());
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
