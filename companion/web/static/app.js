/**
 * Dashboard shell: pairing, tabs, and which view is shown.
 *
 * Each view is a module exporting `render(root, ctx)`; a view fetches fresh data
 * every time it is opened, so what is on screen is what the store holds (the
 * extension and the CLI write to the same store while the dashboard is open).
 * The current tab lives in the fragment (#boost) so reloading keeps it; the
 * pairing token also arrives in the fragment and is taken out first.
 */

import { api, ApiError, errorText, forgetToken, setStoreProblemHandler, setUnauthorizedHandler, STORE_PROBLEMS, takeToken } from "./api.js";
import { clear, h, notice } from "./dom.js";
import * as graph from "./views/graph.js";
import * as boost from "./views/boost.js";
import * as candidates from "./views/candidates.js";
import * as backlinks from "./views/backlinks.js";
import * as placements from "./views/placements.js";
import * as importView from "./views/import.js";
import * as recheck from "./views/recheck.js";
import * as profile from "./views/profile.js";
import * as alerts from "./views/alerts.js";
import * as linkprofile from "./views/linkprofile.js";
import * as guestPosts from "./views/guestposts.js";

const VIEWS = [
  { id: "graph", title: "Tier graph", mod: graph },
  { id: "boost", title: "Boost", mod: boost },
  { id: "candidates", title: "Candidates", mod: candidates },
  { id: "backlinks", title: "Backlinks", mod: backlinks },
  { id: "placements", title: "Placements", mod: placements },
  { id: "guest-posts", title: "Guest posts", mod: guestPosts },
  { id: "recheck", title: "Recheck", mod: recheck },
  { id: "alerts", title: "Alerts", mod: alerts },
  { id: "import", title: "Import", mod: importView },
  { id: "linkprofile", title: "Link profile", mod: linkprofile },
  { id: "profile", title: "Profile", mod: profile },
];

const $ = (id) => document.getElementById(id);
let renderSeq = 0;

/** Replaces the page with the pairing instructions. */
function showPairing(reason) {
  forgetToken();
  clear($("tabs"));
  clear($("conn"));
  clear($("banner"));
  clear($("view")).append(
    h("section", { class: "pairing", id: "pairing" },
      h("h1", {}, reason === "wrong" ? "This dashboard link is no longer valid" : "Open the dashboard from the address Tierlink printed"),
      h("p", {}, reason === "wrong"
        ? "The companion did not accept the token (it may have been rotated)."
        : "The dashboard needs the token that pairs it with your companion, and none came with this address."),
      h("p", {}, "Open the address that ", h("code", {}, "tierlink serve"), " printed when it started, the one that ends in ",
        h("code", {}, "#token=…"), ". To see it again, run ", h("code", {}, "tierlink token"), " and open ",
        h("code", {}, `${location.origin}/#token=<token>`), "."),
      h("p", { class: "muted" }, "The token stays in this tab only and is never sent as a cookie.")));
}

function currentId() {
  const id = location.hash.replace(/^#/, "");
  return VIEWS.some((v) => v.id === id) ? id : VIEWS[0].id;
}

function renderTabs(active) {
  const nav = clear($("tabs"));
  for (const v of VIEWS) {
    nav.append(h("a", {
      class: ["tab", v.id === active && "active"], "data-view": v.id,
      "aria-current": v.id === active ? "page" : undefined,
      // A plain fragment link: works with middle-click, keeps the back button.
      onclick: (e) => { e.preventDefault(); history.pushState(null, "", `#${v.id}`); show(); },
    }, v.title, v.mod.navBadge ? v.mod.navBadge() : ""));
    nav.lastChild.setAttribute("href", `#${v.id}`);
  }
}

async function show() {
  const id = currentId();
  const seq = ++renderSeq;
  renderTabs(id);
  const view = VIEWS.find((v) => v.id === id);
  const root = clear($("view"));
  root.dataset.view = id;
  document.title = `${view.title} · Tierlink`;
  const section = h("section", { class: "view", id: `view-${id}` });
  root.append(section);
  try {
    await view.mod.render(section, { isCurrent: () => seq === renderSeq, navigate });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // pairing screen is up
    if (seq !== renderSeq) return;
    // The error replaces what was waiting for the answer: no "Loading…" left under it.
    for (const waiting of section.querySelectorAll(".loading")) waiting.remove();
    // A store-wide problem (the team database unreachable) is given in full by the banner above: the
    // view says only that it could not load, so one screen never shows the same long message twice.
    section.append(notice("error", err instanceof ApiError ? errorText(err) : `Something went wrong: ${err.message}`));
    console.error(err);
    refreshStatus(); // a failed view often means the store is down: say so in the header at once
  }
}

const STATUS_EVERY_MS = 15000;
let statusTimer = null;

/**
 * The status dot and its words: what /api/health says now. Green only when the companion
 * answers and its store works; a `degraded` answer shows the problem (dot, words, and the
 * full message in a banner). Asked again every 15 s and whenever a view fails.
 */
async function refreshStatus() {
  let dot = "ok";
  let words;
  let problem = null;
  try {
    const health = await api.get("/api/health");
    problem = health && health.status === "degraded" ? health.problem || { code: "", message: "" } : null;
    words = problem ? STORE_PROBLEMS[problem.code] || "Companion has a problem"
      : `Companion ${health && health.version ? `v${health.version}` : "running"}`;
    if (problem) dot = "bad";
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // pairing screen is up
    dot = "bad";
    words = "Companion unreachable";
  }
  const conn = clear($("conn"));
  conn.append(h("span", { class: ["dot", dot] }), words);
  conn.title = problem ? problem.message : "";
  const old = document.getElementById("health-problem");
  if (old) old.remove();
  if (problem && problem.message) {
    $("banner").append(h("div", { id: "health-problem" }, notice("error", problem.message)));
  }
}

function navigate(id) {
  history.pushState(null, "", `#${id}`);
  show();
}

async function start() {
  const token = takeToken();
  if (!token) {
    showPairing("missing");
    return;
  }
  setUnauthorizedHandler(() => showPairing("wrong"));
  setStoreProblemHandler(() => refreshStatus()); // the banner says it now, not on the next 15 s tick
  clear($("conn"));
  await refreshStatus();
  if (statusTimer === null) statusTimer = setInterval(refreshStatus, STATUS_EVERY_MS);
  await show();
}

// Back/forward between tabs, and the case where the printed address is pasted
// into a tab already showing the pairing message: a fragment-only change does not
// reload the page, so the token must be picked up here.
window.addEventListener("popstate", () => {
  if (/(^#|&)token=/.test(location.hash)) start();
  else if (sessionStorage.getItem("tierlink.token")) show();
});

// Coming back to this tab after browsing: redraw the read-only views so pages the
// extension analysed or saved meanwhile show up. Views with forms are left alone,
// they may hold unsaved input.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !sessionStorage.getItem("tierlink.token")) return;
  const view = VIEWS.find((v) => v.id === currentId());
  if (view && view.mod.refreshOnReturn) show();
});

start();
