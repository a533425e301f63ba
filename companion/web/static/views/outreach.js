/**
 * Outreach on the candidates board (companion/workflow/outreach.py): each card's marks (the
 * do-not-contact entry with its reason, the same site pitched lately with who and when, the
 * follow-up date), the confirm a do-not-contact move to "contacted" needs, the Due column,
 * and the panel that keeps the do-not-contact list and the outreach settings.
 */

import { api, errorText, pathOf } from "../api.js";
import { clear, extLink, h, hostOf, notice, shortUrl } from "../dom.js";
import { badge } from "./common.js";

const day = (stamp) => String(stamp || "").slice(0, 10);

/** A card's outreach lines: do not contact, pitched lately, follow-up / due. */
export function marks(c) {
  const out = [];
  if (c.dnc) {
    out.push(h("div", { class: "card-dnc", title: c.dnc.by ? `listed by ${c.dnc.by} on ${day(c.dnc.at)}` : "" },
      badge("do not contact", "lost"), ` ${c.dnc.value}${c.dnc.reason ? ` — ${c.dnc.reason}` : ""}`));
  }
  const pitched = c.pitched || [];
  if (pitched.length) {
    const last = pitched[0];
    out.push(h("div", { class: "card-pitched" }, `${c.domain} pitched by ${last.by || "someone"} on ${day(last.at)}`,
      pitched.length > 1 ? ` (+${pitched.length - 1})` : ""));
  }
  if (c.follow_up && c.status === "contacted") {
    out.push(h("div", { class: ["card-follow", c.due ? "due" : null] },
      c.due ? `Follow-up due (${c.follow_up})` : `Follow up on ${c.follow_up}`,
      c.pitched_by ? h("span", { class: "muted" }, ` · pitched by ${c.pitched_by}`) : null));
  }
  return out.length ? h("div", { class: "card-outreach" }, out) : null;
}

/** One text per contact route, addresses first (as the CSV's `contacts` column). */
function contactLines(contacts) {
  const c = contacts || {};
  return [...(c.emails || []).map((e) => [e.address, `mailto:${e.address}`, e.found]),
    ...(c.pages || []).map((p) => [`${p.kind.replace(/_/g, " ")}: ${shortUrl(p.url, 40)}`, p.url, p.found]),
    ...(c.authors || []).map((a) => [`author: ${a.name}`, a.url, a.found]),
    ...(c.social || []).map((x) => [`${x.network}${x.of === "author" ? " (author)" : ""}: ${shortUrl(x.url, 36)}`, x.url, x.found])];
}

/**
 * A card's contacts (read from the page when it was saved, or by Find contacts), folded, with a
 * Find contacts button: the companion fetches the site's contact page (robots.txt obeyed).
 */
export function contactsBox(c) {
  const list = h("ul", { class: "card-contacts-list" });
  const msg = h("div", { class: "pl-msg" });
  const summary = h("summary", {});
  const find = h("button", { class: "btn btn-small", type: "button" }, "Find contacts");
  function fill(contacts) {
    const lines = contactLines(contacts);
    summary.textContent = lines.length ? `Contacts (${lines.length})` : "Contacts: none found yet";
    clear(list).append(...lines.map(([text, href, found]) => h("li", { title: found ? `found: ${found}` : "" },
      href && /^(https?:|mailto:)/i.test(href) ? extLink(href, text) : text)));
  }
  find.addEventListener("click", async () => {
    find.disabled = true;
    clear(msg);
    try {
      const found = await api.post(pathOf("/api/candidates", c.id, "find-contacts"), {});
      c.contacts = found.contacts;
      fill(found.contacts);
      const why = (found.fetched || []).map((f) => f.error || f.skipped).filter(Boolean);
      const got = ((found.contacts || {}).emails || []).length;
      msg.append(notice(got ? "ok" : "warn", got ? "Found on the site's contact page." : `No address found${why.length ? `: ${why[0]}` : "."}`));
    } catch (err) {
      msg.append(notice("error", errorText(err)));
    } finally {
      find.disabled = false;
    }
  });
  fill(c.contacts);
  return h("details", { class: "card-contacts" }, summary, list, find, msg);
}

/**
 * The changes a move to "contacted" sends: a candidate on the do-not-contact list needs the
 * user's explicit yes (sent as override_dnc, kept in its history); null when they say no.
 */
export function contactedChanges(c, changes, ask = (text) => window.confirm(text)) {
  if (changes.status !== "contacted" || !c.dnc || c.status === "contacted") return changes;
  const why = c.dnc.reason ? ` (${c.dnc.reason})` : "";
  return ask(`${c.dnc.value} is on the do-not-contact list${why}. Mark it contacted anyway? The history keeps the override.`)
    ? { ...changes, override_dnc: true } : null;
}

/** The Due column: contacted candidates whose follow-up is today or earlier (GET /api/candidates?due=today). */
export function dueColumn(items) {
  const list = h("div", { class: "cards due-list" }, items.length
    ? items.map((c) => h("div", { class: "due-item", "data-id": String(c.id) },
      h("div", { class: "due-date" }, c.follow_up),
      h("div", { class: "due-title" }, c.title || hostOf(c.url)),
      h("div", { class: "card-url" }, extLink(c.url, shortUrl(c.url, 40))),
      c.pitched_by ? h("div", { class: "muted" }, `pitched by ${c.pitched_by} on ${day(c.last_contacted)}`) : null))
    : h("p", { class: "muted" }, "Nothing due today."));
  return h("section", { class: ["column", "column-due"], "data-status": "due" },
    h("h2", {}, "Due", h("span", { class: "count" }, String(items.length))), list);
}

/** The do-not-contact list and the outreach settings, in a panel under the board. */
export function outreachPanel(onChange) {
  const list = h("ul", { class: "dnc-list" });
  const value = h("input", { id: "dnc-value", type: "text", placeholder: "site.com, *.site.com or name@site.com", "aria-label": "Domain or address" });
  const why = h("input", { id: "dnc-reason", type: "text", placeholder: "reason", "aria-label": "Reason" });
  const msg = h("div", { class: "dnc-msg" });
  const form = h("form", { class: "dnc-form" }, value, why, h("button", { class: "btn btn-small", type: "submit" }, "Add"));
  const windowIn = h("input", { id: "pitch-window", type: "number", min: "1", max: "3650", "aria-label": "Pitch window (days)" });
  const followIn = h("input", { id: "follow-up-days", type: "number", min: "0", max: "365", "aria-label": "Follow up after (days)" });
  const settings = h("form", { class: "outreach-settings" },
    h("label", {}, "A site counts as pitched for ", windowIn, " days"),
    h("label", {}, "Follow up after ", followIn, " days"),
    h("button", { class: "btn btn-small", type: "submit" }, "Save"));

  async function refresh() {
    const [entries, s] = await Promise.all([api.get("/api/dnc"), api.get("/api/outreach/settings")]);
    windowIn.value = String(s.pitch_window_days);
    followIn.value = String(s.follow_up_days);
    clear(list);
    if (!entries.length) list.append(h("li", { class: "muted" }, "Nobody is on the list."));
    for (const e of entries) {
      const remove = h("button", { class: "btn btn-small btn-ghost", type: "button" }, "Remove");
      remove.addEventListener("click", () => act(() => api.del(pathOf("/api/dnc", e.id)), `Removed ${e.value}.`));
      list.append(h("li", { "data-value": e.value }, h("strong", {}, e.value),
        e.reason ? h("span", {}, ` — ${e.reason}`) : null,
        h("span", { class: "muted" }, ` · ${e.added_by || "someone"}, ${day(e.added_at)} `), remove));
    }
  }

  async function act(fn, done) {
    clear(msg);
    try {
      await fn();
      msg.append(notice("ok", done));
      await refresh();
      await onChange();
    } catch (err) {
      msg.append(notice("error", errorText(err)));
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = { value: value.value.trim() };
    if (why.value.trim()) body.reason = why.value.trim();
    act(async () => { await api.post("/api/dnc", body); form.reset(); }, `${body.value} is on the do-not-contact list.`);
  });
  settings.addEventListener("submit", (e) => {
    e.preventDefault();
    act(() => api.put("/api/outreach/settings", { pitch_window_days: Number(windowIn.value), follow_up_days: Number(followIn.value) }),
      "Outreach settings saved.");
  });
  refresh().catch((err) => msg.append(notice("error", errorText(err))));
  return h("details", { class: "panel outreach-panel", id: "outreach-panel" },
    h("summary", {}, "Do-not-contact list and outreach settings"),
    h("p", { class: "muted" }, "A listed domain, *.wildcard or address marks its candidates; moving one to Contacted then asks first. Shared by the whole team in team mode."),
    form, msg, list, settings);
}
