/**
 * Import: upload a backlink export and show what the companion made of it,
 * skipped rows included (a skipped row is data the user expected to see).
 */

import { api, ApiError } from "../api.js";
import { clear, h, notice, num } from "../dom.js";
import { header, table } from "./common.js";

const FORMATS = [
  ["auto", "Detect automatically"], ["ahrefs", "Ahrefs"], ["semrush", "Semrush"], ["moz", "Moz"],
  ["majestic", "Majestic"], ["gsc", "Google Search Console"], ["bing", "Bing Webmaster Tools"], ["csv", "Plain CSV"],
];

export async function render(root) {
  const file = h("input", { id: "import-file", name: "file", type: "file", accept: ".csv,.tsv,.txt,text/csv", required: true });
  const format = h("select", { id: "import-format", name: "format" }, FORMATS.map(([v, label]) => h("option", { value: v }, label)));
  const submit = h("button", { class: "btn btn-primary", type: "submit", id: "import-submit" }, "Import");
  const result = h("div", { id: "import-result" });
  const form = h("form", { class: "form-card", id: "import-form" },
    h("div", { class: "form-grid" },
      h("label", {}, h("span", {}, "Export file"), file),
      h("label", {}, h("span", {}, "Format"), format)),
    h("p", { class: "muted" }, "Exports from Ahrefs, Semrush, Moz, Majestic, Search Console and Bing are read as they come (any encoding, comma or tab separated). Importing the same file twice updates rows instead of doubling them."),
    h("div", { class: "form-actions" }, submit));
  root.append(header("Import backlinks", "Add the pages that link to you from an SEO tool's export."), form, result);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(result);
    if (!file.files.length) {
      result.append(notice("error", "Choose an export file first."));
      return;
    }
    const data = new FormData();
    data.append("file", file.files[0]);
    if (format.value !== "auto") data.append("format", format.value);
    submit.disabled = true;
    submit.textContent = "Importing…";
    try {
      const summary = await api.post("/api/import", data);
      result.append(renderSummary(summary, file.files[0].name));
    } catch (err) {
      result.append(notice("error", err instanceof ApiError ? err.message : String(err)));
    } finally {
      submit.disabled = false;
      submit.textContent = "Import";
    }
  });
}

function stat(label, value, id) {
  return h("div", { class: "stat", "data-stat": id }, h("div", { class: "stat-value" }, value), h("div", { class: "stat-label" }, label));
}

export function renderSummary(s, name) {
  const skipped = Array.isArray(s.skipped) ? s.skipped : [];
  const out = h("div", { class: "summary", id: "import-summary" },
    h("h2", {}, "Imported ", h("span", { class: "filename" }, name), ` as ${s.format || "?"}`),
    h("div", { class: "stats" },
      stat("rows read", num(s.rows_read), "rows_read"), stat("added", num(s.added), "added"), stat("updated", num(s.updated), "updated"),
      stat("skipped", num(skipped.length), "skipped"), stat("backlinks stored", num(s.backlinks_total), "backlinks_total")));
  if (skipped.length) {
    const [wrap, tbody] = table(["Line", "Why it was skipped"], "skipped-table");
    for (const row of skipped) tbody.append(h("tr", {}, h("td", { class: "num" }, String(row.line ?? "?")), h("td", {}, String(row.reason ?? ""))));
    out.append(h("h3", {}, "Skipped rows"), wrap);
  } else {
    out.append(h("p", { class: "muted" }, "No rows were skipped."));
  }
  return out;
}
