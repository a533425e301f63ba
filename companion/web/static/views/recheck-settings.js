/**
 * The profile form's "Recheck schedule" section: how often `tierlink serve` rechecks
 * (recheck_every_days; empty: never on its own), and the scheduled run's politeness
 * (recheck_delay seconds between two requests to a site, recheck_concurrency sites at
 * once; empty: the defaults). The companion validates; values go as typed, so its
 * message names a bad one.
 */

import { h } from "../dom.js";

function numberOrTyped(input) {
  const text = input.value.trim();
  if (text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

export function recheckSettings(profile) {
  const field = (id, value, attrs) => h("input", { id, type: "number", value: value == null ? "" : String(value), ...attrs });
  const every = field("pf-recheck-every", profile.recheck_every_days, { min: "0.01", max: "365", step: "any", placeholder: "off" });
  const delay = field("pf-recheck-delay", profile.recheck_delay, { min: "0", max: "3600", step: "any", placeholder: "2" });
  const concurrency = field("pf-recheck-concurrency", profile.recheck_concurrency, { min: "1", max: "64", step: "1", placeholder: "8" });
  const element = h("section", { class: "recheck-settings", id: "pf-recheck" },
    h("h2", {}, "Recheck schedule"),
    h("p", { class: "muted" }, "While the companion runs, it rechecks your tier-1 pages and placements on its own. " +
      "The time of the last run is kept, so a restart does not start the count again."),
    h("div", { class: "form-grid three" },
      h("label", {}, h("span", {}, "Every (days)"), every, h("small", {}, "Empty: only when you start one.")),
      h("label", {}, h("span", {}, "Delay (seconds)"), delay, h("small", {}, "Between two requests to one site.")),
      h("label", {}, h("span", {}, "Sites at once"), concurrency, h("small", {}, "Sites checked in parallel."))));
  return {
    element,
    values: () => ({ recheck_every_days: numberOrTyped(every), recheck_delay: numberOrTyped(delay),
      recheck_concurrency: numberOrTyped(concurrency) }),
  };
}
