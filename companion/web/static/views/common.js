/** Small pieces several views share: headings, badges, score bars, empty states. */

import { h, s } from "../dom.js";

export function header(title, subtitle, ...actions) {
  return h("div", { class: "view-head" },
    h("div", {}, h("h1", {}, title), subtitle ? h("p", { class: "muted" }, subtitle) : null),
    actions.length ? h("div", { class: "actions" }, ...actions) : null);
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
