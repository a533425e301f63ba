/**
 * Boost list: tier-1 pages worth a tier-2 link, best first, with the reasons the
 * companion gave, and a one-click save to the candidates board.
 */

import { api, ApiError } from "../api.js";
import { clear, extLink, h, hostOf, notice, num, shortUrl } from "../dom.js";
import { badge, empty, header, loading, scoreBar, table } from "./common.js";

/** A reason line; its trailing "[weight.name +10]" (the scoring rule) is set apart, muted. */
function reason(text) {
  const m = /^(.*?)\s*\[([\w.]+ [+-]\d+(?:\.\d+)?)\]$/.exec(String(text));
  return m ? h("li", {}, m[1], " ", h("span", { class: "weight" }, m[2])) : h("li", {}, String(text));
}

/** An authority value with the tool's metric under it ("65" / "Semrush Page ascore"): every tool, not only Ahrefs. */
function authCell(level) {
  if (!level) return h("td", { class: "num" }, "");
  return h("td", { class: "num", title: level.metric }, num(level.value, 1), h("div", { class: "sub" }, level.metric));
}

/** Re-drawn when the tab comes back into view: the extension may have added data meanwhile. */
export const refreshOnReturn = true;

export async function render(root) {
  const limitSel = h("select", { id: "boost-limit", "aria-label": "How many" },
    [25, 50, 100, 250].map((n) => h("option", { value: String(n), selected: n === 50 }, `Top ${n}`)));
  // Spam pages (link farms, flagged pages, generated-page networks, search results) are hidden
  // unless asked for; shown, they come after every other page, marked.
  const spamBox = h("input", { type: "checkbox", id: "boost-spam" });
  const spamLabel = h("label", { for: "boost-spam", class: "toggle" }, spamBox, " Show spam pages");
  const body = h("div");
  root.append(header("Worth boosting", "Tier-1 pages that link to you, ranked by how much a tier-2 link would help.",
    spamLabel, limitSel), body);

  async function load() {
    clear(body).append(loading());
    const spam = spamBox.checked ? "show" : "hide";
    const items = await api.get(`/api/boost?limit=${encodeURIComponent(limitSel.value)}&spam=${spam}`);
    clear(body);
    if (!Array.isArray(items) || !items.length) {
      body.append(empty("Nothing to boost yet. Import a backlink export (Import tab) and set your domains in the Profile."));
      return;
    }
    const [wrap, tbody] = table(["Score", "Tier-1 page", "Links to", "Page auth.", "Domain auth.", "Traffic", "Tier-2 links", "Why", ""], "boost-table");
    for (const item of items) {
      const m = item.metrics || {};
      const save = h("button", { class: "btn btn-small", type: "button" }, "Save");
      save.addEventListener("click", async () => {
        save.disabled = true;
        try {
          await api.post("/api/candidates", { url: item.url, kind: "boost" });
          save.textContent = "Saved";
        } catch (err) {
          save.disabled = false;
          save.after(notice("error", err instanceof ApiError ? err.message : String(err)));
        }
      });
      tbody.append(h("tr", { class: item.spam ? "boost-row spam" : "boost-row" },
        h("td", {}, scoreBar(item.score)),
        h("td", { class: "url-cell" }, extLink(item.url, shortUrl(item.url, 64)),
          h("div", { class: "sub" }, item.domain || hostOf(item.url), item.spam ? [" ", badge("spam", "lost")] : [])),
        h("td", { class: "url-cell" }, extLink(item.target, shortUrl(item.target, 48))),
        authCell(item.authority && item.authority.page),
        authCell(item.authority && item.authority.domain),
        h("td", { class: "num" }, num(m.traffic)),
        h("td", { class: "num" }, item.placements ? badge(String(item.placements), "tier2") : "0"),
        h("td", { class: "reasons" }, h("ul", {}, (item.reasons || []).map(reason))),
        h("td", {}, save)));
    }
    body.append(wrap);
  }

  limitSel.addEventListener("change", () => load().catch((err) => body.append(notice("error", err.message))));
  spamBox.addEventListener("change", () => load().catch((err) => body.append(notice("error", err.message))));
  await load();
}
