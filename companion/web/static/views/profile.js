/**
 * Profile editor: my domains, competitors, owned sites, money pages with their
 * keywords, and the guest-post link limit.
 *
 * The companion validates (one gate for CLI and API), so this form only shapes
 * the input and shows the companion's message when it refuses. Fields the form
 * does not edit (scoring weights) are sent back as they came.
 */

import { api, errorText } from "../api.js";
import { clear, h, notice } from "../dom.js";
import { header, splitList } from "./common.js";
import * as alertSettings from "./alert-settings.js";
import { recheckSettings } from "./recheck-settings.js";

/** A number as typed, or the text itself so the companion's validation names it. */
function asNumber(value) {
  const n = Number(value);
  return value.trim() === "" || !Number.isFinite(n) ? value : n;
}

export async function render(root) {
  const profile = (await api.get("/api/profile")) || {};
  const domains = h("textarea", { id: "pf-domains", rows: "3", placeholder: "example.com", value: (profile.domains || []).join("\n") });
  const competitors = h("textarea", { id: "pf-competitors", rows: "3", placeholder: "rival.test", value: (profile.competitors || []).join("\n") });
  const owned = h("textarea", { id: "pf-owned", rows: "3", placeholder: "my-other-blog.test", value: (profile.owned_sites || []).join("\n") });
  const limit = h("input", { id: "pf-limit", type: "number", min: "0", max: "100", step: "1", value: String(profile.guest_post_link_limit ?? 2) });
  const brands = h("textarea", { id: "pf-brands", rows: "2", placeholder: "La Micro by Flo", value: (profile.brand_names || []).join("\n") });
  const exactShare = h("input", { id: "pf-exact-share", type: "number", min: "0", max: "100", step: "1", value: String(profile.exact_anchor_max_share ?? 20) });
  const perWeek = h("input", { id: "pf-tier2-week", type: "number", min: "1", max: "1000", step: "1", value: String(profile.tier2_per_week ?? 3) });
  const moneyRows = h("div", { class: "money-rows", id: "pf-money" });
  const status = h("div", { class: "form-status", id: "pf-status" });
  const alerts = alertSettings.section(profile);
  const recheck = recheckSettings(profile); // the "Recheck schedule" section

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
    h("h2", {}, "Link profile"),
    h("div", { class: "form-grid three" },
      h("label", {}, h("span", {}, "Brand names"), brands, h("small", {}, "One per line, as people write it. Empty: your domains' names.")),
      h("label", {}, h("span", {}, "Exact-match anchor limit (%)"), exactShare, h("small", {}, "Warn above this share of exact-match anchors on a money page.")),
      h("label", {}, h("span", {}, "Tier-2 links per week"), perWeek, h("small", {}, "Warn when one tier-1 page would get more in a week."))),
    recheck.element,
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
      brand_names: splitList(brands.value),
      exact_anchor_max_share: asNumber(exactShare.value),
      tier2_per_week: asNumber(perWeek.value),
      ...recheck.values(),
    };
    try {
      const saved = await api.put("/api/profile", body);
      if (saved && typeof saved === "object") Object.assign(profile, saved);
      status.append(notice("ok", "Profile saved."));
    } catch (err) {
      status.append(notice("error", errorText(err)));
    }
  });
}
