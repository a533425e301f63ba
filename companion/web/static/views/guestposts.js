/**
 * Guest posts: my guest posts, the internal links seen toward each, and where to ask for one.
 *
 * A new guest post has no internal link; one from an aged page of the same site gets it
 * crawled, indexed and valued. The companion counts the pages of the post's host you read
 * (or the recheck fetched) that link to it, and for posts with none suggests up to three pages
 * of that site and a note for the editor, copied with one click (GET /api/guest-posts).
 */

import { api, errorText, pathOf } from "../api.js";
import { clear, day, extLink, h, notice, shortUrl } from "../dom.js";
import { badge, deleteButton, empty, header, loading } from "./common.js";

const STATE_WORDS = { indexable: "Indexable", not_indexable: "Not indexable", unknown: "Indexability not checked yet" };
const STATE_TONE = { indexable: "ok", not_indexable: "lost", unknown: "muted" };

/** The note copied to the clipboard; the button says it was. */
function copyButton(text) {
  const button = h("button", { class: ["btn", "btn-small", "btn-primary", "gp-copy"], type: "button" }, "Copy note for the editor");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select the note and copy it";
    }
    setTimeout(() => { button.textContent = "Copy note for the editor"; }, 2500);
  });
  return button;
}

function card(p, reload, onError) {
  const state = (p.indexability && p.indexability.state) || "unknown";
  const why = (p.indexability && p.indexability.reasons && p.indexability.reasons[0]) || "";
  const links = p.needs_links
    ? badge("No internal link seen", "lost")
    : badge(`${p.internal_links} internal link${p.internal_links === 1 ? "" : "s"} seen`, "ok");
  const err = h("span", { class: "save-state error", role: "status" });
  const remove = deleteButton("gp-remove", async () => {
    await api.del(pathOf("/api/guest-posts", p.id));
    await reload();
  }, (e) => { err.textContent = errorText(e); onError(e); });
  remove.textContent = "Remove";
  const body = h("div", { class: "gp-body" });
  if (p.needs_links) {
    if (p.suggestions && p.suggestions.length) {
      body.append(h("h3", {}, "Ask the editor for a link from"),
        h("ol", { class: "gp-suggestions" }, p.suggestions.map((s) => h("li", {},
          extLink(s.url, s.title || shortUrl(s.url, 70)), h("span", { class: "muted" }, ` · anchor “${s.anchor}”`),
          h("div", { class: "sub muted" }, s.why)))));
    } else {
      body.append(h("p", { class: "muted" }, p.indexed_pages
        ? `None of the ${p.indexed_pages} page(s) of ${p.host} seen so far matches its words: read a few related articles there.`
        : `No page of ${p.host} seen yet: read a few of its articles with the extension on, and suggestions appear here.`));
    }
    body.append(h("textarea", { class: "gp-note", readonly: true, rows: "6", "aria-label": "Note for the editor" }, p.note),
      h("div", { class: "card-foot" }, copyButton(p.note)));
  } else {
    body.append(h("p", { class: "muted" }, "Linked from: "),
      h("ul", { class: "gp-linking" }, p.linking_pages.map((u) => h("li", {}, extLink(u, shortUrl(u, 80))))));
  }
  return h("article", { class: ["card", "gp-card", p.needs_links && "gp-needs"], "data-url": p.url },
    h("div", { class: "card-top" },
      h("div", { class: "card-title" }, extLink(p.url, p.title || shortUrl(p.url, 80))),
      h("div", { class: "card-labels" }, links, badge(STATE_WORDS[state] || state, STATE_TONE[state] || "muted"))),
    h("div", { class: "card-url muted" }, `${p.host} · marked ${day(p.marked_at)} (${p.via}) · ${p.indexed_pages} page(s) of the site seen`,
      state === "not_indexable" && why ? h("div", { class: "gp-why" }, `Not indexable: ${why}`) : null),
    body,
    h("div", { class: "card-foot" }, remove, err));
}

export async function render(root) {
  const status = h("div", { class: "form-status" });
  const url = h("input", { name: "url", type: "url", required: true, placeholder: "https://… (your published guest post)" });
  const form = h("form", { class: "form-card", id: "guest-post-form", novalidate: true },
    h("h2", {}, "Mark a page as my guest post"),
    h("div", { class: "form-grid" }, h("label", {}, h("span", {}, "Guest post address"), url)),
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-primary", type: "submit" }, "This is my guest post"), status));
  const onlyNeeds = h("input", { type: "checkbox", id: "gp-needs-only", checked: true });
  const indexBox = h("input", { type: "checkbox", id: "gp-index" });
  const controls = h("div", { class: "filters gp-controls" },
    h("label", {}, onlyNeeds, " Only posts that need internal links"),
    h("label", { title: "Pages you read on the hosts of your guest posts are kept locally to find internal links and suggestions" },
      indexBox, " Keep an index of pages seen on my guest posts' sites"));
  const list = h("div", { class: "gp-list" });
  root.append(header("Guest posts", "Your guest posts, the internal links seen toward each, and which pages of the same site could link to them."),
    form, controls, list);

  const showError = (e) => clear(status).append(notice("error", errorText(e)));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(status);
    try {
      await api.post("/api/guest-posts", { url: url.value.trim(), via: "dashboard" });
      form.reset();
      status.append(notice("ok", "Marked as your guest post."));
      await load();
    } catch (err) {
      showError(err);
    }
  });
  onlyNeeds.addEventListener("change", () => load());
  indexBox.addEventListener("change", async () => {
    try {
      await api.put("/api/guest-post-index", { enabled: indexBox.checked });
    } catch (err) {
      showError(err);
    }
  });
  api.get("/api/guest-post-index").then((r) => { indexBox.checked = Boolean(r && r.enabled); }).catch(() => {});

  async function load() {
    clear(list).append(loading());
    const items = await api.get(`/api/guest-posts${onlyNeeds.checked ? "?needs_links=true" : ""}`);
    clear(list);
    const rows = Array.isArray(items) ? items : [];
    if (!rows.length) {
      list.append(empty(onlyNeeds.checked ? "Every guest post you marked has an internal link seen toward it (or none is marked yet)."
        : "No guest post marked yet: mark one above, from the popup, or with tierlink guest-posts add URL."));
      return;
    }
    const needs = rows.filter((p) => p.needs_links).length;
    list.append(h("h2", { class: "section-title" },
      `${rows.length} guest post${rows.length === 1 ? "" : "s"}${needs ? `, ${needs} with no internal link seen (oldest first)` : ""}`),
    ...rows.map((p) => card(p, load, showError)));
  }
  await load();
}
