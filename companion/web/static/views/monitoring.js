/**
 * Monitoring pieces of the Recheck and Placements views: the schedule's report (last
 * run, next run, outcomes by kind), the browser queue with its "Check N pages now"
 * button, and a placement's receipts with a word diff of the text around the link.
 *
 * Everything shown came from web pages or the companion: text only (h() never parses HTML).
 */

import { api, errorText } from "../api.js";
import { clear, extLink, h, notice, shortUrl } from "../dom.js";
import { badge, table } from "./common.js";

const OUTCOMES = ["ok", "lost", "soft_404", "parked", "blocked", "unreachable", "needs_browser"];
const OUTCOME_WORDS = {
  ok: "OK", lost: "Lost", soft_404: "Soft 404", parked: "Parked", blocked: "Blocked",
  unreachable: "Unreachable", needs_browser: "Needs a browser",
};
const OUTCOME_TONES = { ok: "ok", lost: "lost", soft_404: "lost", parked: "lost", blocked: "tier2", needs_browser: "tier2" };

export function outcomeBadge(outcome) {
  return badge(OUTCOME_WORDS[outcome] || String(outcome), OUTCOME_TONES[outcome] || "neutral");
}

const WHY = { cli: "from the command line", requested: "started from the dashboard or the API" };
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const when = (stamp) => (stamp ? new Date(stamp).toLocaleString() : "never");

/** GET `path`, or null with the companion's message shown in `into`. */
async function fetched(into, path) {
  try {
    return await api.get(path);
  } catch (err) {
    into.append(notice("error", errorText(err)));
    return null;
  }
}

/** The schedule's report: GET /api/recheck/schedule. */
export async function scheduleCard() {
  const card = h("div", { class: "form-card recheck-schedule", id: "recheck-schedule" });
  const r = await fetched(card, "/api/recheck/schedule");
  if (!r) return card;
  const last = r.last_report;
  const every = r.every_days
    ? `Every ${r.every_days} day${r.every_days === 1 ? "" : "s"} (delay ${r.delay} s, ${r.concurrency} sites at once)`
    : "Not scheduled: set “Every (days)” under Recheck schedule in the Profile";
  card.append(h("div", { class: "schedule-facts" },
    h("div", {}, h("span", { class: "muted" }, "Schedule "), h("strong", { id: "schedule-every" }, every)),
    h("div", {}, h("span", { class: "muted" }, "Last run "), h("strong", { id: "schedule-last" }, when(r.last_run)),
      last && last.why ? h("span", { class: "muted" }, ` (${WHY[last.why] || last.why})`) : null),
    h("div", {}, h("span", { class: "muted" }, "Next run "),
      h("strong", { id: "schedule-next" }, r.running ? "running now" : r.next_run ? when(r.next_run) : "–"))));
  if (last && last.outcomes) {
    const [wrap, tbody] = table(["", ...OUTCOMES.map((o) => OUTCOME_WORDS[o])], "schedule-outcomes");
    for (const kind of ["backlink", "placement"]) {
      const counts = last.outcomes[kind] || {};
      tbody.append(h("tr", {}, h("th", {}, kind === "backlink" ? "Backlinks" : "Placements"),
        ...OUTCOMES.map((o) => h("td", { class: counts[o] ? "count" : "count muted", "data-outcome": o }, String(counts[o] || 0)))));
    }
    card.append(h("p", { class: "muted" }, `Last run: ${plural(last.checked, "page")} judged, ${plural(last.changes, "change")}, ` +
      `${plural(last.errors, "error")}, ${last.skipped} skipped. Outcomes by kind:`), wrap);
  }
  return card;
}

/** The pages waiting for the browser, and the button that asks the extension to check them. */
export async function browserQueueCard() {
  const card = h("div", { class: "form-card browser-queue", id: "browser-queue" });
  const q = await fetched(card, "/api/browser-checks");
  if (!q) return card;
  if (!q.total) {
    card.append(h("p", { class: "muted" }, "No page waits for a check in your browser."));
    return card;
  }
  const status = h("div", { class: "form-status", id: "browser-queue-status" });
  const run = h("button", { class: "btn btn-primary", type: "button", id: "browser-queue-run" },
    `Check ${q.total} page${q.total === 1 ? "" : "s"} now`);
  run.addEventListener("click", async () => {
    clear(status);
    try {
      await api.post("/api/browser-checks/request", {});
      status.append(notice("ok", "Asked the extension: it opens each page in a background tab, one at a time, " +
        "within a minute (Chrome must be open with the Tierlink extension)."));
    } catch (err) {
      status.append(notice("error", errorText(err)));
    }
  });
  const [wrap, tbody] = table(["Outcome", "Page", "Why"], "browser-queue-pages");
  for (const p of q.pages.slice(0, 20)) {
    tbody.append(h("tr", {}, h("td", {}, outcomeBadge(p.outcome)),
      h("td", { class: "url-cell" }, extLink(p.url, shortUrl(p.url, 60))), h("td", { class: "muted" }, p.reason || "")));
  }
  card.append(h("div", { class: "form-actions" },
    h("p", {}, h("strong", {}, `${q.total} page${q.total === 1 ? "" : "s"} `),
      "could not be judged by the recheck (refused or built by script) and are never counted as lost. " +
      "Your browser can check them."), run, status), wrap);
  if (q.total > 20) card.append(h("p", { class: "muted" }, `… and ${q.total - 20} more.`));
  return card;
}

// --- receipts ------------------------------------------------------------------------

/** Word diff (LCS over words): [{op: "same"|"del"|"add", text}]. Bounded: long texts are compared as they are. */
export function wordDiff(a, b) {
  const x = String(a || "").split(/\s+/).filter(Boolean);
  const y = String(b || "").split(/\s+/).filter(Boolean);
  const n = x.length;
  const m = y.length;
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  const out = [];
  const push = (op, word) => {
    const top = out[out.length - 1];
    if (top && top.op === op) top.text += ` ${word}`;
    else out.push({ op, text: word });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { push("same", x[i]); i++; j++; }
    else if (dp[i + 1][j] >= dp[i][j + 1]) push("del", x[i++]);
    else push("add", y[j++]);
  }
  while (i < n) push("del", x[i++]);
  while (j < m) push("add", y[j++]);
  return out;
}

function diffView(parts) {
  const out = h("p", { class: "word-diff" });
  for (const p of parts) {
    out.append(p.op === "same" ? `${p.text} ` : h(p.op === "add" ? "ins" : "del", {}, p.text), p.op === "same" ? "" : " ");
  }
  return out;
}

function receiptLine(r) {
  const link = r.found ? `“${r.anchor}”${r.rel && r.rel.length ? ` rel=${r.rel.join(" ")}` : " followed"}` : "link not found";
  return `${when(r.at)} · ${r.status == null ? "browser" : `HTTP ${r.status}`} · ${link}`;
}

/** A placement's receipts: the latest in full, and a word diff between any two chosen. */
export async function receiptsPanel(placementId) {
  const panel = h("div", { class: "receipts", id: `receipts-${placementId}` });
  const data = await fetched(panel, `/api/placements/${encodeURIComponent(placementId)}/receipts`);
  if (!data) return panel;
  const rs = data.receipts;
  if (!rs.length) {
    panel.append(h("p", { class: "muted" }, "No receipt yet: one is kept when a recheck first finds the link live."));
    return panel;
  }
  const latest = rs[0];
  panel.append(h("div", { class: "receipt-latest" },
    h("div", {}, h("strong", {}, "Latest receipt: "), receiptLine(latest)),
    h("div", { class: "muted" }, "Fetched ", extLink(latest.url, shortUrl(latest.url, 60)),
      latest.final_url !== latest.url ? [" → ", extLink(latest.final_url, shortUrl(latest.final_url, 60))] : "",
      ` · SHA-256 ${latest.sha256.slice(0, 16)}…`),
    latest.context ? h("blockquote", { class: "receipt-context" }, latest.context) : null));
  if (rs.length > 1) {
    const pick = (id, selected) => h("select", { id, class: "receipt-pick" },
      ...rs.map((r, i) => h("option", { value: String(i), selected: i === selected }, receiptLine(r))));
    const older = pick(`receipt-a-${placementId}`, rs.length - 1);
    const newer = pick(`receipt-b-${placementId}`, 0);
    const out = h("div", { class: "receipt-diff" });
    const show = () => {
      clear(out);
      out.append(diffView(wordDiff(rs[Number(older.value)].context, rs[Number(newer.value)].context)));
    };
    older.addEventListener("change", show);
    newer.addEventListener("change", show);
    show();
    panel.append(h("div", { class: "receipt-compare" }, h("span", { class: "muted" }, "Compare the text around the link: "),
      older, h("span", { class: "muted" }, " with "), newer), out);
  }
  panel.append(h("p", { class: "muted" }, `${rs.length} receipt${rs.length === 1 ? "" : "s"} kept (` +
    "tierlink placements receipts ID, or the receipts CSV export)."));
  return panel;
}

/** A "Receipts" button for a table row: shows the placement's receipts in a row below it, or hides them. */
export function receiptsToggle(placementId, columns) {
  const button = h("button", { class: "btn btn-small receipts-toggle", type: "button", "aria-expanded": "false" },
    "Receipts");
  let detail = null;
  button.addEventListener("click", async () => {
    if (detail) {
      detail.remove();
      detail = null;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    const cell = h("td", { colspan: String(columns) });
    detail = h("tr", { class: "receipts-row" }, cell);
    button.closest("tr").after(detail);
    button.setAttribute("aria-expanded", "true");
    cell.append(await receiptsPanel(placementId));
  });
  return button;
}
