/**
 * Placements: the tier-2 links you built, and a form to log a new one.
 *
 * The "to" field suggests your tier-1 pages (from the backlink list) because a
 * placement only counts as tier 2 when it points at a page that links to you.
 */

import { api, choices, errorText, pathOf } from "../api.js";
import { clear, day, extLink, h, notice, shortUrl } from "../dom.js";
import { badge, col, deleteButton, empty, header, loading, table, tier1Pages } from "./common.js";
import { receiptsToggle } from "./monitoring.js";


const STATUS_TONE = { live: "ok", lost: "lost", nofollow: "tier2", unchecked: "muted" };

/** unchecked / live / nofollow / lost, with when it was last checked (a recheck or a visit). */
function statusBadge(p) {
  const status = p.status || "unchecked";
  const el = badge(status, STATUS_TONE[status] || "muted");
  if (p.checked_at) el.title = `checked ${p.checked_at}`;
  return el;
}

export async function render(root) {
  const VIA = (await choices()).via.map((c) => [c.value, c.label]); // from the companion (GET /api/choices)
  const list = h("div");
  const form = h("form", { class: "form-card", id: "placement-form", novalidate: true });
  root.append(header("Placements", "Tier-2 links you built: where, to which tier-1 page, with which anchor."), form, list);

  const tier1 = h("datalist", { id: "tier1-pages" });
  const from = h("input", { name: "from_url", type: "url", required: true, placeholder: "https://…" });
  const to = h("input", { name: "to_url", type: "url", required: true, list: "tier1-pages", placeholder: "https://… (a page linking to you)" });
  const anchor = h("input", { name: "anchor", type: "text", placeholder: "anchor text" });
  const via = h("select", { name: "via" }, VIA.map(([v, label]) => h("option", { value: v }, label)));
  const status = h("div", { class: "form-status" });
  form.append(
    h("h2", {}, "Log a placement"),
    h("div", { class: "form-grid" },
      h("label", {}, h("span", {}, "Placed on (tier-2 page)"), from),
      h("label", {}, h("span", {}, "Links to (tier-1 page)"), to),
      h("label", {}, h("span", {}, "Anchor"), anchor),
      h("label", {}, h("span", {}, "How"), via)),
    tier1,
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-primary", type: "submit" }, "Add placement"), status));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(status);
    const body = { from_url: from.value.trim(), to_url: to.value.trim(), via: via.value };
    if (anchor.value.trim()) body.anchor = anchor.value.trim();
    try {
      const saved = await api.post("/api/placements", body);
      form.reset();
      status.append(notice("ok", "Placement saved."));
      // The companion's advice about this link (footprints, repeated anchors, tier 3).
      for (const w of (saved && saved.warnings) || []) status.append(notice("warn", String(w.message || w.code || w)));
      await load();
    } catch (err) {
      status.append(notice("error", errorText(err)));
    }
  });

  // Suggestions for the "to" field; a missing backlink list only costs the hints.
  tier1Pages().then((urls) => tier1.append(...urls.map((url) => h("option", { value: url })))).catch(() => {});

  async function load() {
    clear(list).append(loading());
    const items = await api.get("/api/placements");
    clear(list);
    const rows = Array.isArray(items) ? [...items] : [];
    if (!rows.length) {
      list.append(empty("No placements logged yet."));
      return;
    }
    rows.sort((a, b) => String(b.date || "").localeCompare(String(a.date || "")));
    const [wrap, tbody] = table([col("Date", "w-date"), col("Placed on (tier 2)", "w-url"), col("Links to (tier 1)", "w-url"),
      col("Anchor", "w-anchor"), col("How", "w-via"), col("Status", "w-status"), col("By", "w-by"), col("", "w-delete")],
    "placements-table fixed");
    const label = new Map(VIA);
    for (const p of rows) {
      const why = h("span", { class: "save-state error", role: "status" });
      // A placement logged by mistake would count as a footprint forever: let it go.
      const del = deleteButton("placement-delete", async () => {
        await api.del(pathOf("/api/placements", p.id));
        await load();
      }, (err) => { why.textContent = errorText(err); });
      tbody.append(h("tr", { class: "placement-row" },
        h("td", { class: "date" }, day(p.date)),
        h("td", { class: "url-cell" }, extLink(p.from_url, shortUrl(p.from_url, 56))),
        h("td", { class: "url-cell" }, extLink(p.to_url, shortUrl(p.to_url, 56))),
        h("td", { class: "anchor" }, p.anchor || h("span", { class: "muted" }, "–")),
        h("td", {}, label.get(p.via) || p.via || "–"),
        h("td", { class: "placement-status" }, statusBadge(p)),
        h("td", { class: "placed-by" }, p.placed_by || h("span", { class: "muted" }, "–")),
        h("td", {}, receiptsToggle(p.id, 8), " ", del, why)));
    }
    list.append(h("h2", { class: "section-title" }, `${rows.length} placement${rows.length === 1 ? "" : "s"}`), wrap);
  }
  await load();
}
