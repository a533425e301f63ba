/**
 * Alerts: each change that cost you a link, once (a tier-1 link lost, soft-404 or
 * parked, no longer followed; a placement lost or turned nofollow; a broken target).
 *
 * Unseen alerts come first (GET /api/alerts orders them so) and are marked seen once
 * shown (POST /api/alerts/seen up to the newest shown), so the nav's count and the
 * extension's badge drop to zero; the "new" marks stay on screen until the next visit.
 * Everything shown came from web pages: text only.
 */

import { api } from "../api.js";
import { clear, extLink, h, shortUrl } from "../dom.js";
import { badge, empty, header, table } from "./common.js";

const KIND_WORDS = {
  link_lost: "Link lost",
  link_soft_404: "Link lost: soft 404",
  link_parked: "Link lost: parked",
  link_nofollow: "Now nofollow",
  placement_lost: "Placement lost",
  placement_nofollow: "Placement nofollow",
  broken_target: "Broken target",
};

let countEl = null;

function showCount(n) {
  if (!countEl) return;
  countEl.textContent = n > 0 ? String(n) : "";
  countEl.hidden = !(n > 0);
  countEl.title = n > 0 ? `${n} unseen alert${n === 1 ? "" : "s"}` : "";
}

/** The unseen count beside the tab's title; filled from GET /api/alerts each time the tabs are drawn. */
export function navBadge() {
  countEl = h("span", { class: "nav-count", id: "alerts-count", hidden: true });
  api.get("/api/alerts?unseen=true&limit=1").then((body) => showCount(body.unseen_count)).catch(() => {});
  return countEl;
}

function when(stamp) {
  return stamp ? stamp.slice(0, 16).replace("T", " ") : "";
}

export async function render(root, ctx) {
  root.append(header("Alerts", "Every change that costs you a link, once: lost tier-1 links, placements lost or " +
    "no longer followed, links to broken pages of yours. Delivery (desktop, webhook, e-mail) is set in the Profile."));
  const body = await api.get("/api/alerts?limit=500");
  if (!ctx.isCurrent()) return;
  if (!body.alerts.length) {
    root.append(empty("No alerts yet. A recheck makes one for each link you lose."));
    return;
  }
  const unseen = body.alerts.filter((a) => !a.seen).length;
  root.append(h("p", { class: "muted", id: "alerts-summary" },
    unseen ? `${unseen} new since your last look, then ${body.alerts.length - unseen} seen.` : `${body.alerts.length} alerts, all seen.`));
  const [wrap, tbody] = table(["", "Change", "Page", "Links to", "Why", "When"], "alerts-list");
  for (const a of body.alerts) {
    tbody.append(h("tr", { class: [!a.seen && "unseen", !a.open && "resolved"], "data-kind": a.kind },
      h("td", {}, a.seen ? "" : badge("new", "tier2")),
      h("td", {}, badge(KIND_WORDS[a.kind] || a.kind, a.open ? "lost" : "muted"),
        a.open ? "" : h("div", { class: "muted small" }, `recovered ${when(a.resolved_at)}`)),
      h("td", {}, extLink(a.source_url, shortUrl(a.source_url, 60))),
      h("td", {}, a.target_url ? extLink(a.target_url, shortUrl(a.target_url, 45)) : ""),
      h("td", { class: "reason" }, a.reason),
      h("td", { class: "nowrap" }, when(a.created_at))));
  }
  root.append(wrap);
  if (unseen && body.latest) {
    const marked = await api.post("/api/alerts/seen", { until: body.latest });
    showCount(marked.unseen_count);
  }
}
