/**
 * Backlinks table: every stored tier-1 link, filtered and sorted in the browser.
 *
 * The whole list is fetched once per visit (it is what the store holds, a few
 * thousand rows at most) and filtering happens locally so typing in the domain
 * box is instant; only the first MAX_ROWS matching rows are drawn, with a note.
 */

import { api, choices } from "../api.js";
import { clear, day, extLink, h, hostOf, num, shortUrl } from "../dom.js";
import { badge, empty, header, loading, table } from "./common.js";

const MAX_ROWS = 500;

const SORTS = {
  dr: (b) => (b.metrics && typeof b.metrics.dr === "number" ? b.metrics.dr : -1),
  first_seen: (b) => String(b.first_seen || ""),
};

/** Re-drawn when the tab comes back into view: the extension may have added data meanwhile. */
export const refreshOnReturn = true;

export async function render(root) {
  const status = h("select", { id: "bl-status", "aria-label": "Status" },
    h("option", { value: "" }, "Live and lost"),
    (await choices()).backlink_status.map((c) => h("option", { value: c.value }, c.label)));
  const follow = h("select", { id: "bl-follow", "aria-label": "Follow" },
    h("option", { value: "" }, "Follow and nofollow"), h("option", { value: "follow" }, "Follow"), h("option", { value: "nofollow" }, "Nofollow"));
  const domain = h("input", { id: "bl-domain", type: "search", placeholder: "Filter by domain", "aria-label": "Domain filter" });
  const body = h("div");
  root.append(header("Backlinks", "The pages that link to your site, from your imports and from browsing."),
    h("div", { class: "filters" }, status, follow, domain), body);

  body.append(loading());
  const all = await api.get("/api/backlinks");
  const rows = Array.isArray(all) ? all : [];
  const sort = { key: "dr", dir: -1 };

  function sortHeader(label, key) {
    const th = h("th", { class: "sortable", "data-sort": key, tabindex: "0", role: "button" }, label, h("span", { class: "arrow" }));
    const go = () => {
      sort.dir = sort.key === key ? -sort.dir : -1;
      sort.key = key;
      draw();
    };
    th.addEventListener("click", go);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    return th;
  }
  const drTh = sortHeader("DR", "dr");
  const firstTh = sortHeader("First seen", "first_seen");

  function draw() {
    clear(body);
    if (!rows.length) {
      body.append(empty("No backlinks stored yet. Import an export from Ahrefs, Semrush, Moz, Majestic or Search Console in the Import tab."));
      return;
    }
    const needle = domain.value.trim().toLowerCase().replace(/^www\./, "");
    const shown = rows.filter((b) =>
      (!status.value || b.status === status.value) &&
      (!follow.value || (follow.value === "follow") === (b.follow !== false)) &&
      (!needle || hostOf(b.source_url).includes(needle)));
    const key = SORTS[sort.key];
    shown.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
    for (const th of [drTh, firstTh]) {
      th.classList.toggle("sorted", th.dataset.sort === sort.key);
      th.querySelector(".arrow").textContent = th.dataset.sort === sort.key ? (sort.dir < 0 ? " ▼" : " ▲") : "";
    }
    const [wrap, tbody] = table(["Source page", "Target", "Anchor", "Link", "Status", drTh, "UR", "Traffic", firstTh, "Last seen"], "backlinks-table");
    for (const b of shown.slice(0, MAX_ROWS)) {
      const m = b.metrics || {};
      tbody.append(h("tr", { class: ["bl-row", b.status === "lost" && "lost"] },
        h("td", { class: "url-cell" }, extLink(b.source_url, shortUrl(b.source_url, 60))),
        h("td", { class: "url-cell" }, extLink(b.target_url, shortUrl(b.target_url, 40))),
        h("td", { class: "anchor" }, b.anchor || h("span", { class: "muted" }, "(no text)")),
        h("td", {}, b.follow === false ? badge((b.rel && b.rel.length ? b.rel.join(" ") : "nofollow"), "muted") : badge("follow", "ok")),
        h("td", {}, b.status === "lost" ? badge("lost", "lost") : badge("live", "ok")),
        h("td", { class: "num" }, num(m.dr)),
        h("td", { class: "num" }, num(m.ur, 1)),
        h("td", { class: "num" }, num(m.traffic)),
        h("td", { class: "date" }, day(b.first_seen)),
        h("td", { class: "date" }, day(b.last_seen))));
    }
    const note = shown.length > MAX_ROWS ? ` (showing the first ${MAX_ROWS}; narrow the filter to see the rest)` : "";
    body.append(h("p", { class: "muted count-line", id: "bl-count" }, `${shown.length} of ${rows.length} backlinks${note}`), wrap);
  }

  for (const el of [status, follow]) el.addEventListener("change", draw);
  domain.addEventListener("input", draw);
  draw();
}
