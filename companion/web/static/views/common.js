/** Small pieces several views share: headings, badges, score bars, empty states, paging. */

import { api, choices } from "../api.js";
import { h, num, s } from "../dom.js";

/**
 * A view's heading, and above it the "no domain set" notice when the profile names
 * no domain: without one Tierlink cannot tell a link to the user's site from any
 * other, so every view says so, with what to do. Checked on every render (the
 * Profile view or `tierlink init` may have set one meanwhile).
 */
export function header(title, subtitle, ...actions) {
  const slot = h("div", { class: "domain-notice-slot" });
  domainNotice(slot);
  return h("div", { class: "view-top" }, slot, h("div", { class: "view-head" },
    h("div", {}, h("h1", {}, title), subtitle ? h("p", { class: "muted" }, subtitle) : null),
    actions.length ? h("div", { class: "actions" }, ...actions) : null));
}

/** Opens the Profile tab the way the tabs do (a history entry, then the shell's popstate redraw). */
function toProfile(e) {
  e.preventDefault();
  history.pushState(null, "", "#profile");
  window.dispatchEvent(new PopStateEvent("popstate"));
}

async function domainNotice(slot) {
  let profile;
  try {
    profile = await api.get("/api/profile");
  } catch {
    return; // the view itself reports an unreachable companion
  }
  if (profile && Array.isArray(profile.domains) && profile.domains.length) return;
  slot.append(h("div", { class: ["notice", "notice-warn", "domain-notice"], role: "status", id: "no-domain" },
    h("strong", {}, "No domain is set. "),
    "Tierlink cannot tell which links point to your site, so boost scores and link checks are not to be trusted yet. ",
    "Add your domain in the ", h("a", { href: "#profile", onclick: toProfile }, "Profile"), " (or run ", h("code", {}, "tierlink init"), ")."));
}

/**
 * A reason line; its trailing "[weight.name +10]" is shown as the points it gave ("+10"),
 * muted, with the scoring rule's name (what the profile's weights are keyed by) as its tooltip.
 */
export function reason(text) {
  const m = /^(.*?)\s*\[([\w.]+) ([+-]\d+(?:\.\d+)?)\]$/.exec(String(text));
  return m ? h("li", {}, m[1], " ", h("span", { class: "weight", title: `scoring rule ${m[2]}` }, m[3])) : h("li", {}, String(text));
}

/** A table header cell with a class for its width (the tables use a fixed layout so they never outgrow their card). */
export function col(label, cls) {
  return h("th", { class: cls }, label);
}

/**
 * Human words for a verdict label code ("worth_boosting" → "Worth boosting with tier-2
 * links"), from the companion (GET /api/choices, list `verdict_label`): one mapping, kept
 * beside the code that writes the labels. An unknown code is tidied, never shown raw.
 */
export async function labelWords() {
  const words = new Map(((await choices()).verdict_label || []).map((c) => [c.value, c.label]));
  return (code) => words.get(code) || String(code).replace(/_/g, " ");
}

/**
 * Previous/next buttons and "1–100 of 12,345" for a list the server pages
 * (answers with {total, offset, limit, next_offset}, and total_exact: false when total is
 * only a lower bound). `go(offset)` loads a page.
 */
export function pager(page, go, id) {
  const { total = 0, offset = 0, limit = 0, next_offset: next = null } = page;
  const shown = page.count ?? 0;
  // total_exact false: the server counted only so far ("1–100 of 10,000+")
  const text = total ? `${num(offset + 1)}–${num(offset + shown)} of ${num(total)}${page.total_exact === false ? "+" : ""}` : "0 of 0";
  const prev = h("button", { class: "btn btn-small pager-prev", type: "button", disabled: offset <= 0 }, "‹ Previous");
  const nextBtn = h("button", { class: "btn btn-small pager-next", type: "button", disabled: next === null || next === undefined }, "Next ›");
  prev.addEventListener("click", () => go(Math.max(0, offset - limit)));
  nextBtn.addEventListener("click", () => go(next));
  return h("div", { class: "pager", id }, h("span", { class: "pager-text" }, text), prev, nextBtn);
}

export function badge(text, kind = "neutral") {
  return h("span", { class: ["badge", `badge-${kind}`] }, text);
}

/** A 0–100 score as a number and a bar (SVG attributes, since inline styles are blocked by the CSP). */
export function scoreBar(score) {
  const value = Math.max(0, Math.min(100, Number(score) || 0));
  const tone = value >= 60 ? "high" : value >= 35 ? "mid" : "low";
  return h("span", { class: "score" },
    h("span", { class: "score-num" }, String(Math.round(value))),
    s("svg", { class: ["score-bar", `tone-${tone}`], viewBox: "0 0 100 6", width: "64", height: "6", "aria-hidden": "true" },
      s("rect", { class: "track", x: "0", y: "0", width: "100", height: "6", rx: "3" }),
      s("rect", { class: "fill", x: "0", y: "0", width: String(value), height: "6", rx: "3" })));
}

export function empty(text, ...more) {
  return h("div", { class: "empty" }, h("p", {}, text), ...more);
}

export function loading() {
  return h("div", { class: "loading", role: "status" }, "Loading…");
}

/** A <table> with a header row; returns [table, tbody]. */
export function table(headers, cls) {
  const tbody = h("tbody");
  const tableEl = h("table", { class: ["grid", cls] },
    h("thead", {}, h("tr", {}, headers.map((t) => (t instanceof Node ? t : h("th", {}, t))))), tbody);
  return [h("div", { class: "table-wrap" }, tableEl), tbody];
}

/** Comma- or line-separated text → trimmed non-empty items, order kept, no repeats. */
export function splitList(text) {
  const out = [];
  for (const part of String(text || "").split(/[\n,]/)) {
    const item = part.trim();
    if (item && !out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * A Delete button that needs two clicks (the first arms it for 4 s): no modal
 * dialog, and no way to lose a record by one slip. `onConfirm` does the deleting;
 * what it throws is handed to `onError`.
 */
export function deleteButton(cls, onConfirm, onError) {
  const button = h("button", { class: ["btn", "btn-small", "btn-ghost", cls], type: "button" }, "Delete");
  button.addEventListener("click", async () => {
    if (!button.classList.contains("armed")) {
      button.classList.add("armed");
      button.textContent = "Confirm delete";
      setTimeout(() => { button.classList.remove("armed"); button.textContent = "Delete"; }, 4000);
      return;
    }
    try {
      await onConfirm();
    } catch (err) {
      onError(err);
    }
  });
  return button;
}

/**
 * Live tier-1 pages (the strongest first) to suggest for "the tier-1 page you linked
 * to": one page of GET /api/backlinks, never the whole list.
 */
export async function tier1Pages() {
  const page = await api.get("/api/backlinks?status=live&sort=authority&order=desc&limit=100");
  return [...new Set(((page && page.backlinks) || []).map((b) => b.source_url))];
}
