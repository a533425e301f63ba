/**
 * Candidates board: saved pages in one column per status
 * (new → contacted → placed → live, or rejected).
 *
 * Status, note and tags are edited in place and sent with PATCH as soon as they
 * change; the card moves to its new column only after the companion accepted the
 * change, so the board never shows a state the store does not hold.
 */

import { api, choices, errorText, pathOf } from "../api.js";
import { clear, extLink, h, hostOf, notice, shortUrl } from "../dom.js";
import { badge, deleteButton, empty, header, labelWords, loading, reason, splitList, tier1Pages } from "./common.js";
import { contactedChanges, contactsBox, dueColumn, marks, outreachPanel } from "./outreach.js";



export async function render(root) {
  // The statuses (board columns), kinds and ways of placing come from the companion (GET /api/choices).
  const lists = await choices();
  const STATUSES = lists.candidate_status.map((c) => c.value);
  const LABELS = Object.fromEntries(lists.candidate_status.map((c) => [c.value, c.label]));
  const VIA = lists.via.map((c) => [c.value, c.label]);
  const words = await labelWords();
  const placements = new Map(); // id → placement, for "links to …" on a placed card
  const kindSel = h("select", { id: "cand-kind", "aria-label": "Kind" },
    h("option", { value: "" }, "All kinds"), lists.candidate_kind.map((c) => h("option", { value: c.value }, c.label)));
  const body = h("div");
  root.append(header("Candidates", "Pages you saved from the extension or the boost list, by where they stand.", kindSel), body);

  const columns = new Map();
  const counts = new Map();

  /** The last status change with an author (team mode: who moved the card), if any. */
  function lastMove(c) {
    const moves = (c.history || []).filter((m) => m && m.from && m.by);
    return moves.length ? moves[moves.length - 1] : null;
  }

  /** Everyone who saved the page, first saver first (team mode: a second save is a history entry naming its saver). */
  function savers(c) {
    const names = [c.saved_by, ...(c.history || []).filter((m) => m && m.event === "saved" && m.by).map((m) => m.by)];
    return [...new Set(names.filter(Boolean))];
  }

  function card(c) {
    const status = h("select", { class: "cand-status", "aria-label": "Status" },
      STATUSES.map((st) => h("option", { value: st, selected: st === c.status }, LABELS[st])));
    const note = h("textarea", { class: "cand-note", rows: "2", placeholder: "Note", "aria-label": "Note", value: c.note || "" });
    const tags = h("input", { class: "cand-tags", type: "text", placeholder: "tags, comma separated", "aria-label": "Tags", value: (c.tags || []).join(", ") });
    const state = h("span", { class: "save-state", role: "status" });
    const del = deleteButton("cand-delete", async () => {
      await api.del(pathOf("/api/candidates", c.id));
      el.remove();
      bump(c.status, -1);
    }, (err) => {
      state.textContent = errorText(err);
      state.className = "save-state error";
    });
    const score = c.verdict && typeof c.verdict.score === "number" ? c.verdict.score : null;
    const el = h("article", { class: "card", "data-id": String(c.id) },
      h("div", { class: "card-top" },
        badge(c.kind === "tier2" ? "tier 2" : "boost", c.kind === "tier2" ? "tier2" : "tier1"),
        score !== null ? h("span", { class: "card-score", title: "Verdict score" }, String(Math.round(score))) : null),
      h("h3", { class: "card-title" }, c.title || hostOf(c.url) || shortUrl(c.url, 60)),
      h("div", { class: "card-url" }, extLink(c.url, shortUrl(c.url, 56))),
      c.saved_by ? h("div", { class: "card-by muted" }, `saved by ${savers(c).join(", ")}`,
        lastMove(c) ? ` · moved to ${LABELS[lastMove(c).to] || lastMove(c).to} by ${lastMove(c).by}` : "") : null,
      marks(c),
      c.verdict && (c.verdict.labels || []).length
        ? h("div", { class: "card-labels" }, c.verdict.labels.map((l) => badge(words(l), "neutral"))) : null,
      c.verdict && (c.verdict.reasons || []).length
        ? h("details", { class: "card-reasons" }, h("summary", {}, "Why"), h("ul", {}, c.verdict.reasons.map(reason))) : null,
      contactsBox(c),
      h("label", { class: "field-inline" }, h("span", {}, "Status"), status),
      note, tags,
      c.kind === "tier2" ? placedForm() : null,
      h("div", { class: "card-foot" }, state, del));

    /**
     * A tier-2 spot that is placed or live: say which tier-1 page the new link
     * points at, and the companion logs the placement (it then shows in the tier
     * graph and counts for footprints). Shown by CSS only in those two columns.
     */
    function placedForm() {
      const to = h("input", { class: "pl-to", type: "url", list: "tier1-pages", placeholder: "tier-1 page you linked to", "aria-label": "Tier-1 page" });
      const anchor = h("input", { class: "pl-anchor", type: "text", placeholder: "anchor", "aria-label": "Anchor" });
      const via = h("select", { class: "pl-via", "aria-label": "How" }, VIA.map(([v, label]) => h("option", { value: v }, label)));
      const go = h("button", { class: "btn btn-small", type: "submit" }, "Save");
      const msg = h("div", { class: "pl-msg" });
      const form = h("form", { class: "placed-form" }, to, anchor, h("div", { class: "pl-row" }, via, go), msg);
      const where = h("div", { class: "placed-where" });
      const box = h("details", { class: "placed-box", open: !c.placement_id },
        h("summary", {}, c.placement_id ? "Placement logged · log another" : "Log the link you placed"), form);
      showWhere(where, placements.get(c.placement_id));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        clear(msg);
        const changes = { status: c.status, to_url: to.value.trim(), via: via.value };
        if (anchor.value.trim()) changes.anchor = anchor.value.trim();
        try {
          const updated = await api.patch(pathOf("/api/candidates", c.id), changes);
          Object.assign(c, updated);
          showWhere(where, { to_url: changes.to_url, anchor: changes.anchor });
          form.reset();
          box.querySelector("summary").textContent = "Placement logged · log another";
          msg.append(notice("ok", "Placement logged."));
          for (const w of updated.warnings || []) msg.append(notice("warn", String(w.message || w.code || w)));
        } catch (err) {
          msg.append(notice("error", errorText(err)));
        }
      });
      return [where, box];
    }

    async function patch(changes) {
      state.textContent = "Saving…";
      state.className = "save-state";
      try {
        const updated = await api.patch(pathOf("/api/candidates", c.id), changes);
        Object.assign(c, updated || changes);
        state.textContent = "Saved";
        return true;
      } catch (err) {
        state.textContent = errorText(err);
        state.className = "save-state error";
        return false;
      }
    }
    status.addEventListener("change", async () => {
      const was = c.status;
      const changes = contactedChanges(c, { status: status.value }); // do not contact: asks first (outreach.js)
      if (changes && await patch(changes)) {
        move(el, was, c.status);
        const shown = el.querySelector(".card-outreach");
        const now = marks(c); // the follow-up date a move to contacted set
        if (shown) shown.replaceWith(now || ""); else if (now) el.querySelector(".card-url").after(now);
        for (const w of c.warnings || []) state.after(notice("warn", String(w.message || w.code)));
      } else status.value = was;
    });
    note.addEventListener("change", () => patch({ note: note.value }));
    tags.addEventListener("change", () => patch({ tags: splitList(tags.value) }));
    return el;
  }

  /** Where a logged placement points: the tier-1 page it links to, with its anchor. */
  function showWhere(where, p) {
    clear(where);
    if (!p || !p.to_url) return;
    where.append(h("span", { class: "muted" }, "Links to "), extLink(p.to_url, shortUrl(p.to_url, 56)),
      ...(p.anchor ? [h("span", { class: "muted" }, " with the anchor "), h("q", {}, p.anchor)] : [h("span", { class: "muted" }, " (no anchor given)")]));
  }

  function bump(statusName, delta) {
    const n = (Number(counts.get(statusName).textContent) || 0) + delta;
    counts.get(statusName).textContent = String(n);
  }

  function move(el, from, to) {
    if (from === to || !columns.has(to)) return;
    columns.get(to).prepend(el);
    bump(from, -1);
    bump(to, +1);
  }

  async function load() {
    clear(body).append(loading());
    const q = kindSel.value ? `?kind=${encodeURIComponent(kindSel.value)}` : "";
    const [list, logged, due] = await Promise.all([api.get(`/api/candidates${q}`), api.get("/api/placements").catch(() => []),
      api.get("/api/candidates?due=today").catch(() => [])]);
    placements.clear();
    for (const p of Array.isArray(logged) ? logged : []) placements.set(p.id, p);
    clear(body);
    columns.clear();
    counts.clear();
    const board = h("div", { class: "board" }, dueColumn(Array.isArray(due) ? due : []));
    // Tier-1 pages as suggestions for "the tier-1 page you linked to".
    const tier1 = h("datalist", { id: "tier1-pages" });
    body.append(tier1);
    tier1Pages().then((urls) => tier1.append(...urls.map((url) => h("option", { value: url })))).catch(() => {});
    for (const st of STATUSES) {
      const count = h("span", { class: "count" }, "0");
      const cards = h("div", { class: "cards" });
      columns.set(st, cards);
      counts.set(st, count);
      board.append(h("section", { class: ["column", `column-${st}`], "data-status": st },
        h("h2", {}, LABELS[st], count), cards));
    }
    const items = Array.isArray(list) ? list : [];
    for (const c of items) {
      const st = STATUSES.includes(c.status) ? c.status : "new";
      columns.get(st).append(card(c));
      bump(st, +1);
    }
    body.append(board);
    if (!items.length) {
      body.append(empty("No candidates yet. Save a page from the extension's popup or from the Boost tab."));
    }
  }

  kindSel.addEventListener("change", () => load().catch((err) => body.append(notice("error", errorText(err)))));
  root.append(outreachPanel(() => load()));
  await load();
}
