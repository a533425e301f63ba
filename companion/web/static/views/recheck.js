/**
 * Recheck: fetch the stored tier-1 pages and my placement pages now, politely,
 * and see what changed. The run happens in the companion (POST /api/recheck);
 * this view polls GET /api/recheck for the progress and then lists the changes,
 * errors and skipped pages. Everything shown came from web pages: text only.
 */

import { api, errorText } from "../api.js";
import { clear, extLink, h, notice, shortUrl } from "../dom.js";
import { badge, empty, header, table } from "./common.js";
import { browserQueueCard, scheduleCard } from "./monitoring.js";

const POLL_MS = 1000;

export async function render(root, ctx) {
  const start = h("button", { class: "btn btn-primary", id: "recheck-start", type: "button" }, "Recheck now");
  const only = h("select", { id: "recheck-only" },
    h("option", { value: "" }, "Tier-1 pages and placements"),
    h("option", { value: "tier1" }, "Only tier-1 pages"),
    h("option", { value: "placements" }, "Only my placements"));
  const allowPrivate = h("input", { type: "checkbox", id: "recheck-private" });
  const status = h("div", { class: "form-status", id: "recheck-status" });
  const progress = h("progress", { id: "recheck-progress", max: "1", value: "0", hidden: true });
  const result = h("div", { id: "recheck-result" });
  root.append(
    header("Recheck", "Fetch your tier-1 pages and the pages holding your tier-2 links, politely " +
      "(robots.txt, one request at a time per site), and record what changed."),
    h("div", { class: "form-card" },
      h("div", { class: "form-actions" }, only,
        h("label", { class: "toggle", for: "recheck-private" }, allowPrivate, " Also fetch loopback and private addresses"),
        start, status),
      progress),
    result);
  // the schedule's report and the browser queue, below the run (they read the companion's state)
  const monitoring = h("div", { class: "recheck-monitoring" });
  root.append(monitoring);
  Promise.all([scheduleCard(), browserQueueCard()]).then(([schedule, queue]) => {
    monitoring.append(h("h2", { class: "section-title" }, "Schedule"), schedule,
      h("h2", { class: "section-title" }, "Waiting for your browser"), queue);
  });

  start.addEventListener("click", async () => {
    clear(status);
    const body = only.value ? { only: only.value } : {};
    if (allowPrivate.checked) body.allow_private_hosts = true;
    try {
      show(await api.post("/api/recheck", body));
      poll();
    } catch (err) {
      status.append(notice("error", errorText(err)));
    }
  });

  function show(state) {
    start.disabled = state.state === "running";
    progress.hidden = state.state !== "running";
    progress.max = String(Math.max(1, state.total || 0));
    progress.value = String(state.done || 0);
    clear(status);
    if (state.state === "running") status.append(`Rechecking… ${state.done} of ${state.total} pages`);
    if (state.error) status.append(notice("error", `The recheck stopped: ${state.error}`));
    clear(result);
    if (state.state === "done" && state.summary) result.append(...summaryView(state.summary));
    if (state.state === "idle") result.append(empty("No recheck has run since the companion started."));
  }

  async function poll() {
    while (ctx.isCurrent()) {
      const state = await api.get("/api/recheck");
      if (!ctx.isCurrent()) return;
      show(state);
      if (state.state !== "running") return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  await poll();
}

const GAINS = new Set(["restored", "new", "placement_live"]);
const LABELS = {
  lost: "Lost", anchor_changed: "Anchor changed", restored: "Back", new: "New link",
  placement_lost: "Placement lost", placement_nofollow: "Placement nofollow", placement_live: "Placement live",
};

/** A change's kind in words; a rel change says which way it went. */
function changeLabel(c) {
  if (c.kind === "rel_changed") {
    if (c.now === "follow") return "Followed again";
    return c.was === "follow" ? "Now nofollow" : "Rel changed";
  }
  return LABELS[c.kind] || c.kind.replace(/_/g, " ");
}

function summaryView(s) {
  const n = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const out = [h("p", { class: "recheck-counts" },
    `${n(s.checked, "page")} checked, ${s.unchanged} unchanged, ${n(s.changes.length, "change")}, ` +
    `${n(s.errors.length, "error")}, ${s.skipped.length} skipped.`)];
  if (s.changes.length) {
    const [wrap, tbody] = table(["Change", "Page", "Links to", "Was", "Now", "Why"], "recheck-changes");
    for (const c of s.changes) {
      // `loss` is the companion's word (a link gone or no longer followed): red, never green
      const tone = c.loss ? "lost" : GAINS.has(c.kind) || (c.kind === "rel_changed" && c.now === "follow") ? "ok" : "neutral";
      tbody.append(h("tr", { class: ["recheck-change", c.loss && "recheck-loss"] },
        h("td", {}, badge(changeLabel(c), tone)),
        h("td", { class: "url-cell" }, extLink(c.source_url, shortUrl(c.source_url, 56))),
        h("td", { class: "url-cell" }, extLink(c.target_url, shortUrl(c.target_url, 56))),
        h("td", {}, c.was == null ? "–" : String(c.was)),
        h("td", {}, c.now == null ? "–" : String(c.now)),
        h("td", { class: "muted" }, c.reason || "")));
    }
    out.push(h("h2", { class: "section-title" }, "Changes"), wrap);
  }
  for (const [key, title, cls] of [["errors", "Errors (never counted as lost)", "recheck-errors"],
    ["skipped", "Skipped", "recheck-skipped"]]) {
    if (!s[key].length) continue;
    const [wrap, tbody] = table(["Page", "Reason"], cls);
    for (const row of s[key]) {
      tbody.append(h("tr", {}, h("td", { class: "url-cell" }, extLink(row.url, shortUrl(row.url, 70))),
        h("td", {}, row.reason)));
    }
    out.push(h("h2", { class: "section-title" }, title), wrap);
  }
  return out;
}
