/**
 * Profile editor: my domains, competitors, owned sites, money pages with their
 * keywords, and the guest-post link limit.
 *
 * The companion validates (one gate for CLI and API), so this form only shapes
 * the input and shows the companion's message when it refuses. Fields the form
 * does not edit (scoring weights) are sent back as they came.
 */

import { api, ApiError } from "../api.js";
import { clear, h, notice } from "../dom.js";
import { header, splitList } from "./common.js";
import * as alertSettings from "./alert-settings.js";

export async function render(root) {
  const profile = (await api.get("/api/profile")) || {};
  const domains = h("textarea", { id: "pf-domains", rows: "3", placeholder: "example.com", value: (profile.domains || []).join("\n") });
  const competitors = h("textarea", { id: "pf-competitors", rows: "3", placeholder: "rival.test", value: (profile.competitors || []).join("\n") });
  const owned = h("textarea", { id: "pf-owned", rows: "3", placeholder: "my-other-blog.test", value: (profile.owned_sites || []).join("\n") });
  const limit = h("input", { id: "pf-limit", type: "number", min: "0", max: "100", step: "1", value: String(profile.guest_post_link_limit ?? 2) });
  const moneyRows = h("div", { class: "money-rows", id: "pf-money" });
  const status = h("div", { class: "form-status", id: "pf-status" });
  const alerts = alertSettings.section(profile);

  function moneyRow(page = { url: "", keywords: [] }) {
    const url = h("input", { class: "mp-url", type: "url", placeholder: "https://example.com/pricing", value: page.url || "", "aria-label": "Money page URL" });
    const kw = h("input", { class: "mp-keywords", type: "text", placeholder: "keywords, comma separated", value: (page.keywords || []).join(", "), "aria-label": "Keywords" });
    const remove = h("button", { class: "btn btn-small btn-ghost", type: "button", title: "Remove this money page" }, "Remove");
    const row = h("div", { class: "money-row" }, url, kw, remove);
    remove.addEventListener("click", () => row.remove());
    return row;
  }
  for (const page of profile.money_pages || []) moneyRows.append(moneyRow(page));
  const add = h("button", { class: "btn btn-small", type: "button", id: "pf-add-money" }, "Add money page");
  add.addEventListener("click", () => moneyRows.append(moneyRow()));

  const form = h("form", { class: "form-card profile-form", id: "profile-form", novalidate: true },
    h("div", { class: "form-grid three" },
      h("label", {}, h("span", {}, "My domains"), domains, h("small", {}, "One per line. Subdomains are included.")),
      h("label", {}, h("span", {}, "Competitors"), competitors, h("small", {}, "Domains that rank for your keywords.")),
      h("label", {}, h("span", {}, "Sites I own"), owned, h("small", {}, "Linking from them is fine, occasionally."))),
    h("h2", {}, "Money pages"),
    h("p", { class: "muted" }, "The pages you want to rank, with the keywords each one targets. Tier-1 pages that compete for these keywords are not recommended for boosting."),
    moneyRows, add,
    h("div", { class: "form-grid narrow" },
      h("label", {}, h("span", {}, "Guest-post link limit"), limit, h("small", {}, "How many links to your own site a host allows in one guest post."))),
    alerts.element,
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-primary", type: "submit", id: "pf-save" }, "Save profile"), status));
  root.append(header("Profile", "Whose site this is, what it wants to rank, and who it competes with."), form);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(status);
    const n = Number(limit.value);
    const body = {
      ...profile,
      domains: splitList(domains.value),
      competitors: splitList(competitors.value),
      owned_sites: splitList(owned.value),
      money_pages: [...moneyRows.querySelectorAll(".money-row")]
        .map((row) => ({ url: row.querySelector(".mp-url").value.trim(), keywords: splitList(row.querySelector(".mp-keywords").value) }))
        .filter((p) => p.url || p.keywords.length),
      // Sent as typed so the companion's validation names a bad value.
      guest_post_link_limit: limit.value.trim() === "" || !Number.isFinite(n) ? limit.value : n,
      alerts: alerts.collect(),
    };
    try {
      const saved = await api.put("/api/profile", body);
      if (saved && typeof saved === "object") Object.assign(profile, saved);
      status.append(notice("ok", "Profile saved."));
    } catch (err) {
      status.append(notice("error", err instanceof ApiError ? err.message : String(err)));
    }
  });
}
