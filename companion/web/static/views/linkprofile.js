/**
 * Link profile: the anchor mix per money page, the link velocity, the disavow review.
 *
 * Link builders read these as charts (Ahrefs, LinkResearchTools), so each is drawn with
 * uPlot (vendored, pinned: ../vendor/uplot/VERSION.md) on a canvas, in the Okabe–Ito
 * colours that stay apart for the common colour-blindnesses, with dashes telling tier-2
 * from tier-1. Under each chart the same numbers as a table (what a screen reader reads:
 * the canvas is hidden from it) with a CSV download. The disavow list is a table of its own:
 * keep or drop each proposal, export the file, import one.
 */

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { api, errorText } from "../api.js";
import { clear, h, notice } from "../dom.js";
import { header } from "./common.js";

// Okabe & Ito (2008), "Color Universal Design"; grey for "other".
const CLASS_COLOURS = {
  brand: "#0072B2", exact: "#D55E00", partial: "#E69F00", url: "#56B4E9",
  generic: "#009E73", image: "#CC79A7", other: "#7F7F7F",
};
const LINES = [
  { tier: "tier1", what: "new", label: "Tier-1 new", colour: "#0072B2", dash: null },
  { tier: "tier1", what: "lost", label: "Tier-1 lost", colour: "#D55E00", dash: null },
  { tier: "tier2", what: "new", label: "Tier-2 new", colour: "#009E73", dash: [6, 4] },
  { tier: "tier2", what: "lost", label: "Tier-2 lost", colour: "#CC79A7", dash: [6, 4] },
];
const STYLES = ["/static/vendor/uplot/uPlot.min.css", "/static/linkprofile.css"];

function ensureStyles() {
  for (const href of STYLES) {
    if (!document.querySelector(`link[data-lp="${href}"]`)) {
      document.head.append(h("link", { rel: "stylesheet", "data-lp": href, href: location.origin + href }));
    }
  }
}

/** A CSV of `rows` under `columns`, downloaded as `name` (quotes doubled, every cell quoted). */
function downloadCsv(name, columns, rows) {
  const cell = (v) => `"${String(v ?? "").replace(/"/g, '""')}"`;
  const text = [columns, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
  download(name, new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" }));
}

function download(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The short name of a money page for an axis: host and path, cut to fit under a bar. */
function pageLabel(url) {
  try {
    const u = new URL(url);
    const text = u.hostname.replace(/^www\./, "") + u.pathname;
    return text.length > 26 ? text.slice(0, 25) + "…" : text;
  } catch {
    return String(url);
  }
}

function dataTable(id, caption, columns, rows) {
  return h("div", { class: "table-wrap lp-table" },
    h("table", { class: "grid", id },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v) => h("td", {}, String(v))))))));
}

function tableBlock(id, caption, columns, rows, csvName) {
  const csv = h("button", { class: "btn btn-small", type: "button", id: `${id}-csv` }, "Download CSV");
  csv.addEventListener("click", () => downloadCsv(csvName, columns, rows));
  return h("details", { class: "lp-details", open: true },
    h("summary", {}, "The numbers as a table"), csv, dataTable(id, caption, columns, rows));
}

// --- anchor mix: stacked bars, one per page, for tier-1 and tier-2 ---------------------------

/** Stacked bars in uPlot: series k holds the running total of classes 0..k, drawn largest first,
 * so each class shows as its own band; the legend shows each class's own share. */
function mixChart(el, mix, tier, width) {
  const bars = [{ label: "Whole site", row: mix.site[tier] }, ...mix.pages.map((p) => ({ label: pageLabel(p.url), row: p[tier] }))];
  const xs = bars.map((_, i) => i);
  const own = mix.classes.map((c) => bars.map((b) => b.row.shares[c]));
  const running = own.map((_, k) => bars.map((_, i) => own.slice(0, k + 1).reduce((s, v) => s + v[i], 0)));
  const order = mix.classes.map((_, k) => k).reverse();
  const barPath = uPlot.paths.bars({ size: [0.6, 80] });
  const opts = {
    width, height: 260, title: tier === "tier1" ? "Tier-1 links (links to my pages)" : "Tier-2 links (my placements)",
    scales: { x: { time: false, range: [-0.5, bars.length - 0.5] }, y: { range: [0, 100] } },
    axes: [
      { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && bars[t] ? bars[t].label : "")), splits: () => xs, grid: { show: false } },
      { label: "% of links", values: (u, ticks) => ticks.map((t) => `${t}%`) },
    ],
    legend: { live: true },
    cursor: { points: { show: false } },
    series: [
      { label: "Page", value: (u, v) => (v == null || !bars[v] ? "" : `${bars[v].label} (${bars[v].row.total} links)`) },
      ...order.map((k) => ({
        label: mix.classes[k], fill: CLASS_COLOURS[mix.classes[k]], stroke: CLASS_COLOURS[mix.classes[k]], width: 0,
        paths: barPath, points: { show: false },
        value: (u, v, si, i) => (i == null ? "" : `${own[k][i]}%`),
      })),
    ],
  };
  return new uPlot(opts, [xs, ...order.map((k) => running[k])], el);
}

function renderMix(section, mix, width) {
  const warn = h("div", { class: "lp-warnings" }, mix.warnings.map((w) => notice("warn", w.message)));
  const charts = h("div", { class: "lp-charts" });
  const t1 = h("div", { class: "lp-chart", id: "lp-mix-tier1", role: "img", "aria-hidden": "true" });
  const t2 = h("div", { class: "lp-chart", id: "lp-mix-tier2", role: "img", "aria-hidden": "true" });
  charts.append(t1, t2);
  const columns = ["Page", "Tier", ...mix.classes.map((c) => `${c} %`), "Links"];
  const rows = [];
  for (const [label, block] of [["Whole site", mix.site], ...mix.pages.map((p) => [p.url, p])]) {
    for (const tier of ["tier1", "tier2"]) {
      rows.push([label, tier, ...mix.classes.map((c) => block[tier].shares[c]), block[tier].total]);
    }
  }
  section.append(
    h("h2", {}, "Anchor mix"),
    h("p", { class: "muted" }, `Share of each anchor class per money page. Exact-match above ${mix.exact_threshold}% of a page's tier-1 links is flagged (Profile → Link profile).`),
    warn, charts,
    ...(mix.pages.length ? [] : [notice("info", "No money page in the profile yet: only the whole site is shown. Add money pages and their keywords in the Profile.")]),
    tableBlock("lp-mix-table", "Anchor classes per page and tier (% of links)", columns, rows, "anchor-mix.csv"));
  const half = Math.max(320, Math.floor((width - 24) / 2));
  mixChart(t1, mix, "tier1", half);
  mixChart(t2, mix, "tier2", half);
}

// --- velocity: weekly lines, new vs lost, tier-1 solid, tier-2 dashed --------------------------

function renderVelocity(section, vel, width) {
  const weeks = vel.site.weeks;
  const xs = weeks.map((w) => Date.parse(`${w.week}T00:00:00Z`) / 1000);
  const chart = h("div", { class: "lp-chart", id: "lp-velocity", role: "img", "aria-hidden": "true" });
  const trend = vel.site.trend;
  const trendRows = [];
  for (const line of LINES) {
    trendRows.push([line.label, ...vel.windows.map((n) => trend[line.tier][`${n}w`][line.what])]);
  }
  const trendTable = dataTable("lp-trend", `Links new and lost over the last ${vel.windows.join(", ")} weeks (to ${vel.as_of})`,
    ["", ...vel.windows.map((n) => `${n} weeks`)], trendRows);
  const columns = ["Week", ...LINES.map((l) => l.label)];
  const rows = weeks.filter((w) => LINES.some((l) => w[l.tier][l.what])).map((w) => [w.week, ...LINES.map((l) => w[l.tier][l.what])]);
  section.append(h("h2", {}, "Link velocity"),
    h("p", { class: "muted" }, "New and lost links per week (Monday to Sunday), for the whole site."),
    chart, trendTable,
    tableBlock("lp-velocity-table", "New and lost links per week (weeks with none left out)", columns, rows, "link-velocity.csv"));
  new uPlot({
    width, height: 260, title: "New vs lost links per week",
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
    axes: [{}, { label: "links" }],
    series: [{ label: "Week", value: (u, v) => (v == null ? "" : new Date(v * 1000).toISOString().slice(0, 10)) },
      ...LINES.map((l) => ({ label: l.label, stroke: l.colour, width: 2, dash: l.dash || undefined, points: { show: false } }))],
  }, [xs, ...LINES.map((l) => weeks.map((w) => w[l.tier][l.what]))], chart);
}

// --- disavow review ------------------------------------------------------------------------

function renderDisavow(section, data, rerender) {
  const status = h("div", { class: "form-status", id: "lp-disavow-status" });
  const say = (kind, text) => { clear(status).append(notice(kind, text)); };
  const exportBtn = h("button", { class: "btn btn-primary", type: "button", id: "lp-disavow-export" }, "Export disavow file");
  exportBtn.addEventListener("click", async () => {
    try {
      const out = await api.post("/api/disavow/export", {});
      download("disavow.txt", new Blob([out.text], { type: "text/plain;charset=utf-8" }));
      say("ok", `${out.domains} domain(s) and ${out.urls} URL(s) written; they are now marked disavowed.`);
      rerender();
    } catch (err) {
      say("error", errorText(err));
    }
  });
  const file = h("input", { type: "file", accept: ".txt,text/plain", id: "lp-disavow-file", "aria-label": "Disavow file to import" });
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    try {
      const out = await api.post("/api/disavow/import", { text: await f.text() });
      say("ok", `${out.added} new mark(s), ${out.known} already known${out.skipped_count ? `, ${out.skipped_count} line(s) skipped` : ""}.`);
      rerender();
    } catch (err) {
      say("error", errorText(err));
    }
  });

  const decide = async (p, decision) => {
    try {
      await api.post("/api/disavow/review", { kind: p.kind, value: p.value, decision });
      rerender();
    } catch (err) {
      say("error", errorText(err));
    }
  };
  const proposalRow = (p) => {
    const keep = h("button", { class: ["btn", "btn-small", p.decision === "keep" ? "btn-primary" : null], type: "button", "aria-pressed": String(p.decision === "keep") }, "Keep");
    const drop = h("button", { class: ["btn", "btn-small", p.decision === "drop" ? "btn-primary" : null], type: "button", "aria-pressed": String(p.decision === "drop") }, "Drop");
    keep.addEventListener("click", () => decide(p, "keep"));
    drop.addEventListener("click", () => decide(p, "drop"));
    return h("tr", { class: p.decision === "drop" ? "lp-dropped" : null },
      h("td", {}, p.kind === "domain" ? `domain:${p.value}` : p.value), h("td", {}, p.reason),
      h("td", {}, p.decision || "undecided"), h("td", { class: "lp-actions" }, keep, " ", drop));
  };
  const simpleTable = (id, caption, cols, rows) => h("div", { class: "table-wrap lp-table" },
    h("table", { class: "grid", id }, h("caption", {}, caption),
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows)));

  section.append(...[h("h2", {}, "Disavow"),
    h("p", { class: "muted" }, "Links the spam signals classify as spam, by domain where most of my pages there are spam. Keep or drop each, then export Google's file. Disavowed pages are left out of the boost list and suggestions."),
    h("div", { class: "lp-disavow-actions" }, exportBtn, h("label", { class: "btn btn-small" }, "Import a disavow file… ", file), status),
    data.healthy.length ? simpleTable("lp-healthy", "Disavowed but no longer classified spam: review", ["Entry", "Why"],
      data.healthy.map((e) => h("tr", {}, h("td", {}, e.value), h("td", {}, e.why)))) : null,
    simpleTable("lp-proposals", `Proposed (${data.proposals.length})`, ["Entry", "Why", "Decision", ""],
      data.proposals.length ? data.proposals.map(proposalRow) : [h("tr", {}, h("td", { colspan: "4" }, "Nothing classified spam."))]),
    simpleTable("lp-disavowed", `Disavowed (${data.disavowed.length})`, ["Entry", "Reason", "Source", "Since"],
      data.disavowed.map((e) => h("tr", {}, h("td", {}, e.kind === "domain" ? `domain:${e.value}` : e.value), h("td", {}, e.reason),
        h("td", {}, e.source), h("td", {}, (e.at || "").slice(0, 10)))))].filter(Boolean));
}

export async function render(root) {
  ensureStyles();
  const [mix, vel, dis] = await Promise.all([api.get("/api/linkprofile/anchors"), api.get("/api/linkprofile/velocity"), api.get("/api/disavow")]);
  const mixSection = h("section", { class: "lp-section", id: "lp-mix" });
  const velSection = h("section", { class: "lp-section", id: "lp-vel" });
  const disSection = h("section", { class: "lp-section", id: "lp-disavow" });
  root.append(header("Link profile", "Anchor mix, link velocity and the disavow file, from your backlinks and placements."),
    mixSection, velSection, disSection);
  const width = Math.max(600, Math.min(1280, root.clientWidth || 1200) - 8);
  renderMix(mixSection, mix, width);
  renderVelocity(velSection, vel, width);
  const rerender = async () => {
    clear(disSection);
    renderDisavow(disSection, await api.get("/api/disavow"), rerender);
  };
  renderDisavow(disSection, dis, rerender);
}
