/**
 * Backlinks table: the stored tier-1 links, one page at a time, paged, sorted and
 * filtered by the companion (GET /api/backlinks?limit&offset&sort&order&status&
 * follow&domain&tool&q).
 *
 * Why on the server: the store holds up to millions of links; fetching them all to
 * filter in the browser cost hundreds of MB per visit. Each change of a filter, a
 * sort or a page asks for one page of PAGE rows; an answer that arrives after a
 * newer request is dropped, so fast typing never shows an older list.
 */

import { api, choices, errorText } from "../api.js";
import { clear, day, extLink, h, notice, num, shortUrl } from "../dom.js";
import { badge, col, empty, header, loading, pager, table } from "./common.js";

const PAGE = 100;
const TYPING_MS = 300;

/** Re-drawn when the tab comes back into view: the extension may have added data meanwhile. */
export const refreshOnReturn = true;

/**
 * The row's authority in the supplying tool's own words ("65 · Semrush Page ascore"),
 * page first, then site; "–" only when no tool gave a figure.
 */
function authority(a) {
  const lines = [];
  for (const [value, label] of [[a && a.page, a && a.page_label], [a && a.domain, a && a.domain_label]]) {
    if (value === null || value === undefined) continue;
    lines.push(h("div", { class: "auth-line" }, h("span", { class: "auth-value" }, num(value, 1)),
      h("span", { class: "sub" }, ` · ${label || (a && a.tool) || ""}`)));
  }
  return lines.length ? lines : h("span", { class: "muted" }, "–");
}

export async function render(root) {
  const lists = await choices();
  const status = h("select", { id: "bl-status", "aria-label": "Status" },
    h("option", { value: "" }, "Live and lost"), lists.backlink_status.map((c) => h("option", { value: c.value }, c.label)));
  const follow = h("select", { id: "bl-follow", "aria-label": "Follow" },
    h("option", { value: "" }, "Follow and nofollow"), h("option", { value: "true" }, "Follow"), h("option", { value: "false" }, "Nofollow"));
  // Who supplied the link: a tool's export, a visit or the recheck (GET /api/choices).
  const tool = h("select", { id: "bl-tool", "aria-label": "Source" }, h("option", { value: "" }, "Every source"),
    (lists.backlink_tool || []).map((c) => h("option", { value: c.value }, c.label)));
  const domain = h("input", { id: "bl-domain", type: "search", placeholder: "Linking domain", "aria-label": "Domain filter" });
  const q = h("input", { id: "bl-q", type: "search", placeholder: "Search URL, title, anchor", "aria-label": "Text search" });
  const body = h("div");
  root.append(header("Backlinks", "The pages that link to your site, from your imports and from browsing."),
    h("div", { class: "filters" }, status, follow, tool, domain, q), body);

  const state = { offset: 0, sort: "authority", order: "desc" };
  let seq = 0;

  /** A header (or, given tag "span", a part of one) that sorts by `key`; a second click flips the order. */
  function sortHeader(label, key, cls, tag = "th") {
    const th = h(tag, { class: ["sortable", cls], "data-sort": key, tabindex: "0", role: "button" }, label, h("span", { class: "arrow" }));
    const go = () => {
      state.order = state.sort === key && state.order === "desc" ? "asc" : "desc";
      state.sort = key;
      state.offset = 0;
      load();
    };
    th.addEventListener("click", go);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    return th;
  }

  function query() {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(state.offset), sort: state.sort, order: state.order });
    if (status.value) params.set("status", status.value);
    if (follow.value) params.set("follow", follow.value);
    if (tool.value) params.set("tool", tool.value);
    const host = domain.value.trim().toLowerCase().replace(/^www\./, "");
    if (host) params.set("domain", host);
    if (q.value.trim()) params.set("q", q.value.trim());
    return params.toString();
  }

  async function load() {
    const mine = ++seq;
    const filtered = Boolean(status.value || follow.value || tool.value || domain.value.trim() || q.value.trim());
    if (!body.querySelector("table")) clear(body).append(loading());
    body.classList.add("busy");
    let page;
    try {
      page = await api.get(`/api/backlinks?${query()}`);
    } catch (err) {
      if (mine === seq) {
        body.classList.remove("busy");
        clear(body).append(notice("error", errorText(err)));
      }
      return;
    }
    if (mine !== seq) return; // a newer request is on its way
    body.classList.remove("busy");
    clear(body);
    const rows = (page && page.backlinks) || [];
    if (!rows.length) {
      body.append(empty(filtered ? "No backlink matches these filters."
        : "No backlinks stored yet. Import an export from Ahrefs, Semrush, Moz, Majestic or Search Console in the Import tab."));
      return;
    }
    const sorters = [sortHeader("Source page", "domain", "w-source"), sortHeader("Authority", "authority", "w-authority"),
      sortHeader("first", "first_seen", null, "span"), sortHeader("last", "last_seen", null, "span")];
    const heads = [sorters[0], col("Target", "w-target"), col("Anchor", "w-anchor"), col("Link", "w-link"), sorters[1],
      col("Traffic", "w-num"), h("th", { class: "w-seen" }, "Seen ", sorters[2], " / ", sorters[3])];
    for (const th of sorters) {
      const on = th.dataset.sort === state.sort;
      th.classList.toggle("sorted", on);
      th.querySelector(".arrow").textContent = on ? (state.order === "desc" ? " ▼" : " ▲") : "";
    }
    const [wrap, tbody] = table(heads, "backlinks-table fixed");
    for (const b of rows) {
      tbody.append(h("tr", { class: ["bl-row", b.status === "lost" && "lost"] },
        h("td", { class: "url-cell" }, extLink(b.source_url, shortUrl(b.source_url, 80)),
          b.title ? h("div", { class: "sub" }, b.title) : null),
        h("td", { class: "url-cell" }, extLink(b.target_url, shortUrl(b.target_url, 60))),
        h("td", { class: "anchor" }, b.anchor || h("span", { class: "muted" }, "(no text)")),
        h("td", { class: "link-cell" }, b.status === "lost" ? badge("lost", "lost") : badge("live", "ok"), " ",
          b.follow === false ? badge((b.rel && b.rel.length ? b.rel.join(" ") : "nofollow"), "muted") : badge("follow", "ok")),
        h("td", { class: "authority" }, authority(b.authority)),
        h("td", { class: "num" }, num(b.metrics && b.metrics.traffic)),
        h("td", { class: "date seen" }, day(b.first_seen), h("div", { class: "sub" }, `→ ${day(b.last_seen)}`))));
    }
    const go = (offset) => {
      state.offset = offset;
      load();
    };
    const info = { ...page, count: rows.length };
    body.append(pager(info, go, "bl-pager"), wrap, pager(info, go, "bl-pager-bottom"));
  }

  let typing = null;
  const refilter = () => {
    state.offset = 0;
    load();
  };
  for (const el of [status, follow, tool]) el.addEventListener("change", refilter);
  for (const el of [domain, q]) {
    el.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(refilter, TYPING_MS);
    });
  }
  await load();
}
