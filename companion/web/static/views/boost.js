/**
 * Boost list: tier-1 pages worth a tier-2 link, best first, with the reasons the
 * companion gave, and a one-click save to the candidates board.
 */

import { api, errorText, isStoreProblem } from "../api.js";
import { clear, extLink, h, hostOf, notice, num, shortUrl } from "../dom.js";
import { badge, col, empty, header, loading, reason, scoreBar, table } from "./common.js";

/** An authority value with the tool's metric under it ("65" / "Semrush Page ascore"): every tool, not only Ahrefs. */
function authCell(level) {
  if (!level) return h("td", { class: "num muted" }, "–");
  return h("td", { class: "num", title: level.metric }, num(level.value, 1), h("div", { class: "sub" }, level.metric));
}

/** The reasons as one wrapped line under the row: the table keeps its width, nothing is cut. */
function whyRow(item, span) {
  return h("tr", { class: item.spam ? "why-row spam" : "why-row" },
    h("td", { colspan: String(span), class: "reasons" }, h("div", { class: "why" },
      h("span", { class: "why-label" }, "Why"), h("ul", {}, (item.reasons || []).map(reason)))));
}

/** Re-drawn when the tab comes back into view: the extension may have added data meanwhile. */
export const refreshOnReturn = true;

/**
 * Live links to a page of yours answering 4xx (GET /api/broken-targets), listed
 * apart above the boost list: one redirect wins each back, cheaper than any tier-2 link.
 */
async function brokenTargets(section) {
  const items = await api.get("/api/broken-targets");
  clear(section);
  if (!Array.isArray(items) || !items.length) return;
  section.append(h("h2", {}, `Broken targets (${items.length})`),
    h("p", { class: "muted" }, "These pages link to a page of yours that answers an error: redirect it to a live page and the link counts again."));
  const [wrap, tbody] = table([col("Code", "w-code"), col("Linking page", "w-url"), col("Links to", "w-url"),
    col("DR", "w-dr"), col("Anchor", "w-anchor"), col("What to do", "w-todo")], "broken-table fixed");
  for (const item of items) {
    const m = item.metrics || {};
    tbody.append(h("tr", { class: "broken-row" },
      h("td", { class: "num" }, badge(String(item.http_code), "lost")),
      h("td", { class: "url-cell" }, extLink(item.source_url, shortUrl(item.source_url, 64)),
        item.follow ? null : h("div", { class: "sub" }, "nofollow")),
      h("td", { class: "url-cell" }, extLink(item.target_url, shortUrl(item.target_url, 48))),
      h("td", { class: "num" }, num(m.dr)),
      h("td", { class: "anchor" }, String(item.anchor || "")),
      h("td", { class: "reasons" }, String(item.reason))));
  }
  section.append(wrap);
}

export async function render(root) {
  const limitSel = h("select", { id: "boost-limit", "aria-label": "How many" },
    [25, 50, 100, 250, 500].map((n) => h("option", { value: String(n), selected: n === 50 }, `Top ${n}`)));
  // Spam pages (link farms, flagged pages, generated-page networks, search results) are hidden
  // unless asked for. The signals that make a page spam take enough points off to sink it below
  // hundreds of ordinary pages, so shown in score order they would never reach the top rows: the
  // toggle lists them in a section of their own under the list, best first, each badged.
  const spamBox = h("input", { type: "checkbox", id: "boost-spam" });
  const spamLabel = h("label", { for: "boost-spam", class: "toggle" }, spamBox, " Show spam pages");
  // Pages a visit or a recheck found search engines will not index (noindex, canonical elsewhere,
  // robots.txt, a soft 404) are left out the same way, and listed apart on request.
  const unindexedBox = h("input", { type: "checkbox", id: "boost-unindexed" });
  const unindexedLabel = h("label", { for: "boost-unindexed", class: "toggle" }, unindexedBox, " Show pages that will not be indexed");
  const body = h("div");
  const spamSection = h("section", { class: "spam-pages", id: "boost-spam-section" });
  const unindexedSection = h("section", { class: "spam-pages", id: "boost-unindexed-section" });
  const brokenSection = h("section", { class: "broken-targets" });
  root.append(header("Worth boosting", "Tier-1 pages that link to you, ranked by how much a tier-2 link would help.",
    spamLabel, unindexedLabel, limitSel), brokenSection, body, spamSection, unindexedSection);
  // A store-wide problem is said by the banner, and by the list below once: not a third time here.
  brokenTargets(brokenSection).catch((err) => isStoreProblem(err) || brokenSection.append(notice("error", errorText(err))));

  /** One table of boost items, each with its Save button and its reasons under the row. */
  function boostTable(items) {
    const heads = [col("Score", "w-score"), col("Tier-1 page", "w-url"), col("Links to", "w-url"), col("Page authority", "w-auth"),
      col("Site authority", "w-auth"), col("Traffic", "w-num"), col("Tier-2 links", "w-num"), col("", "w-action")];
    const [wrap, tbody] = table(heads, "boost-table fixed");
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
          save.after(notice("error", errorText(err)));
        }
      });
      tbody.append(h("tr", { class: item.spam ? "boost-row spam" : "boost-row" },
        h("td", {}, scoreBar(item.score),
          item.spam ? h("div", {}, badge("Spam page", "spam")) : null,
          item.not_indexable ? h("div", {}, badge("Not indexable", "lost")) : null),
        h("td", { class: "url-cell" }, extLink(item.url, shortUrl(item.url, 64)),
          h("div", { class: "sub" }, item.domain || hostOf(item.url))),
        h("td", { class: "url-cell" }, extLink(item.target, shortUrl(item.target, 48))),
        authCell(item.authority && item.authority.page),
        authCell(item.authority && item.authority.domain),
        h("td", { class: "num" }, num(m.traffic)),
        h("td", { class: "num" }, item.placements ? badge(String(item.placements), "tier2") : "0"),
        h("td", { class: "action" }, save)), whyRow(item, heads.length));
    }
    return wrap;
  }

  /** A section of pages left out of the list (spam, not indexable), listed alone on request. */
  async function listApart(box, section, query, title, noteId, some, none) {
    clear(section);
    if (!box.checked) return;
    section.append(loading());
    const items = await api.get(`/api/boost?limit=${encodeURIComponent(limitSel.value)}&${query}`);
    const n = Array.isArray(items) ? items.length : 0;
    clear(section).append(h("h2", {}, title), h("p", { class: "muted count-line", id: noteId }, n ? some(n) : none));
    if (n) section.append(boostTable(items));
  }

  const loadSpam = () => listApart(spamBox, spamSection, "spam=only", "Spam pages", "boost-spam-note",
    (n) => `${n} spam page${n === 1 ? "" : "s"} left out of the list above, best score first: `
      + "a tier-2 link to them passes nothing. Each says why under its row.",
    "No spam page among your tier-1 pages.");
  const loadUnindexed = () => listApart(unindexedBox, unindexedSection, "not_indexable=only",
    "Pages that will not be indexed", "boost-unindexed-note",
    (n) => `${n} tier-1 page${n === 1 ? "" : "s"} left out of the list above: search engines will not index `
      + `${n === 1 ? "it" : "them"} (the reason is first under each row), so a tier-2 link there is wasted.`,
    "No tier-1 page found not indexable (pages are checked when you visit them or run a recheck).");

  /**
   * The empty list's message: "nothing imported" only when nothing is hidden; else how many pages
   * were left out and why, with the way to show them (a toggle here, the CLI's flag, the disavow review).
   */
  async function nothingListed() {
    const hidden = await api.get("/api/boost/hidden");
    const total = hidden.not_indexable + hidden.spam + hidden.disavowed;
    if (!total) return empty("Nothing to boost yet. Import a backlink export (Import tab) and set your domains in the Profile.");
    const pages = (n) => `${n} page${n === 1 ? "" : "s"}`;
    const reasons = h("ul", { class: "hidden-reasons" });
    const showButton = (box, label) => {
      const btn = h("button", { class: "btn btn-small", type: "button" }, label);
      btn.addEventListener("click", () => { box.checked = true; box.dispatchEvent(new Event("change")); });
      return btn;
    };
    if (hidden.not_indexable) {
      reasons.append(h("li", { id: "boost-hidden-unindexed" },
        `${pages(hidden.not_indexable)} search engines will not index (noindex, canonical elsewhere, robots.txt, soft 404): `
        + "a tier-2 link there is wasted. ", showButton(unindexedBox, "Show them"),
        h("div", { class: "sub" }, "Or tick “Show pages that will not be indexed” above; the CLI: tierlink boost --show-not-indexable.")));
    }
    if (hidden.spam) {
      reasons.append(h("li", { id: "boost-hidden-spam" }, `${pages(hidden.spam)} marked spam. `, showButton(spamBox, "Show them"),
        h("div", { class: "sub" }, "Or tick “Show spam pages” above; the CLI: tierlink boost --show-spam.")));
    }
    if (hidden.disavowed) {
      reasons.append(h("li", { id: "boost-hidden-disavowed" },
        `${pages(hidden.disavowed)} you disavowed. The Link profile tab lists what is disavowed; `
        + "the CLI takes a mark off: tierlink disavow review --undo VALUE."));
    }
    return h("div", { class: "empty", id: "boost-hidden" },
      h("p", {}, `No tier-1 page to boost: all ${pages(total)} are left out of this list.`), reasons);
  }

  async function load() {
    clear(body).append(loading());
    const items = await api.get(`/api/boost?limit=${encodeURIComponent(limitSel.value)}&spam=hide`);
    clear(body);
    if (!Array.isArray(items) || !items.length) {
      body.append(await nothingListed());
    } else {
      body.append(boostTable(items));
    }
    await loadSpam();
    await loadUnindexed();
  }

  limitSel.addEventListener("change", () => load().catch((err) => body.append(notice("error", errorText(err)))));
  spamBox.addEventListener("change", () => loadSpam().catch((err) => spamSection.append(notice("error", errorText(err)))));
  unindexedBox.addEventListener("change",
    () => loadUnindexed().catch((err) => unindexedSection.append(notice("error", errorText(err)))));
  await load();
}
