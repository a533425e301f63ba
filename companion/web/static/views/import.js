/**
 * Import: upload backlink exports (chosen or dropped onto the view) and show
 * what the companion made of them, skipped rows included (a skipped row is data
 * the user expected to see).
 *
 * A big export takes minutes, so the user sees each stage: the upload (the
 * browser's XMLHttpRequest upload events), then the companion reading and
 * storing the rows (GET /api/import, polled while the POST is in flight), then
 * the summary. A file above the companion's limit is refused before a byte is
 * sent, naming the limit, the file's size and `tierlink import`, which has none.
 */

import { api, choices, errorText, upload } from "../api.js";
import { clear, h, notice, num } from "../dom.js";
import { header, table } from "./common.js";

const POLL_MS = 400;

/** 1536 -> "1.5 KiB": the companion's units (binary), so both sides quote the same figures. */
export function humanSize(n) {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = Number(n) || 0;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return i === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[i]}`;
}

function quoteArg(name) {
  return /^[\w.@%+=:,/-]+$/.test(name) ? name : `"${name.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** The message for files above the limit: the limit, each size, and the command with no limit. */
export function tooLarge(files, limit) {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const sizes = files.map((f) => `${f.name} (${humanSize(f.size)})`).join(", ");
  return h("div", { class: "notice notice-error", id: "import-too-large" },
    h("p", {}, `Too large for the dashboard: ${sizes}${files.length > 1 ? ` — ${humanSize(total)} in all` : ""}; the companion takes at most ${humanSize(limit)} per import.`),
    h("p", {}, "Import from a terminal instead; the command has no size limit:"),
    h("pre", { class: "command" }, `tierlink import ${files.map((f) => quoteArg(f.name)).join(" ")}`),
    h("p", { class: "muted" }, "(Or restart the companion with a higher limit: tierlink serve --max-import-size 8G.)"));
}

export async function render(root) {
  let chosen = [];
  const file = h("input", { id: "import-file", name: "file", type: "file", multiple: true, accept: ".csv,.tsv,.txt,text/csv" });
  const format = h("select", { id: "import-format", name: "format" }, (await choices()).import_format.map((c) => h("option", { value: c.value }, c.label)));
  const submit = h("button", { class: "btn btn-primary", type: "submit", id: "import-submit" }, "Import");
  const list = h("ul", { class: "file-list", id: "import-files" });
  const drop = h("label", { class: "drop-zone", id: "import-drop" },
    h("span", { class: "drop-title" }, "Drop export files here"),
    h("span", { class: "muted" }, "or choose them: "), file, list);
  const stage = h("div", { class: "progress-stage", id: "import-stage" });
  const bar = h("progress", { id: "import-progress", max: "100" });
  const detail = h("div", { class: "muted", id: "import-detail" });
  const box = h("div", { class: "progress-box hidden", id: "import-progress-box" }, stage, bar, detail);
  const result = h("div", { id: "import-result" });
  const form = h("form", { class: "form-card", id: "import-form" },
    drop,
    h("div", { class: "form-grid" }, h("label", {}, h("span", {}, "Format"), format)),
    h("p", { class: "muted" }, "Exports from Ahrefs, Semrush, Moz, Majestic, Search Console and Bing are read as they come (any encoding, comma or tab separated). Importing the same file twice merges its rows into the links already stored instead of doubling them. Several files are imported together: one that cannot be read changes nothing."),
    h("div", { class: "form-actions" }, submit));
  root.append(header("Import backlinks", "Add the pages that link to you from an SEO tool's export."), form, box, result);

  const choose = (files) => {
    chosen = Array.from(files || []);
    clear(list);
    for (const f of chosen) list.append(h("li", {}, h("span", { class: "filename" }, f.name), ` ${humanSize(f.size)}`));
  };
  file.addEventListener("change", () => choose(file.files));
  // Dropping anywhere on the view counts; without preventDefault the browser would open the file instead.
  root.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("dragging");
  });
  root.addEventListener("dragleave", (e) => {
    if (e.target === root || !root.contains(e.relatedTarget)) drop.classList.remove("dragging");
  });
  root.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("dragging");
    if (e.dataTransfer && e.dataTransfer.files.length) choose(e.dataTransfer.files);
  });

  const show = (text, value, max, more = "") => {
    box.classList.remove("hidden");
    stage.textContent = text;
    if (value === null) bar.removeAttribute("value"); // indeterminate: storing has no count
    else {
      bar.max = max || 1;
      bar.value = Math.min(value, max || 1);
    }
    detail.textContent = more;
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(result);
    if (!chosen.length) {
      result.append(notice("error", "Choose or drop an export file first."));
      return;
    }
    submit.disabled = true;
    submit.textContent = "Importing…";
    let polling = null;
    try {
      const status = await api.get("/api/import");
      if (status.state === "running") {
        result.append(notice("warn", "Another import is running; wait for it to finish, then import again."));
        return;
      }
      const total = chosen.reduce((sum, f) => sum + f.size, 0);
      if (status.max_bytes && total > status.max_bytes) {
        result.append(tooLarge(chosen, status.max_bytes));
        return;
      }
      const data = new FormData();
      for (const f of chosen) data.append("file", f, f.name);
      if (format.value !== "auto") data.append("format", format.value);
      const names = chosen.map((f) => f.name).join(", ");
      show(`Uploading ${names}`, 0, total, `0 of ${humanSize(total)}`);
      const poll = async () => {
        try {
          const s = await api.get("/api/import");
          if (s.state !== "running" || !polling) return;
          if (s.phase === "reading") {
            show(`Reading ${names}`, s.bytes, s.total_bytes, `${num(s.rows)} rows read — ${humanSize(s.bytes)} of ${humanSize(s.total_bytes)}`);
          } else if (s.phase === "storing") {
            show(`Storing ${num(s.rows)} rows`, null, 0, "Merging them with the backlinks already stored…");
          }
        } catch {
          // A missed poll is harmless: the next one, or the import's answer, follows.
        }
      };
      const summary = await upload("/api/import", data, {
        onProgress: (sent, size) => show(`Uploading ${names}`, sent, size || total, `${humanSize(sent)} of ${humanSize(size || total)}`),
        onSent: () => {
          show(`Reading ${names}`, 0, total, "The companion is reading the rows…");
          polling = setInterval(poll, POLL_MS);
        },
      });
      show("Imported", 1, 1, "");
      result.append(renderSummaries(summary, chosen.map((f) => f.name)));
    } catch (err) {
      box.classList.add("hidden");
      result.append(notice("error", errorText(err)));
    } finally {
      if (polling) clearInterval(polling);
      polling = null;
      submit.disabled = false;
      submit.textContent = "Import";
    }
  });
}

/** One summary per file (the companion answers a list for several files). */
export function renderSummaries(answer, names) {
  const summaries = Array.isArray(answer) ? answer : [answer];
  const out = h("div", { id: "import-summary" });
  summaries.forEach((s, i) => out.append(renderSummary(s, names[i] ?? "")));
  return out;
}

function stat(label, value, id) {
  return h("div", { class: "stat", "data-stat": id }, h("div", { class: "stat-value" }, value), h("div", { class: "stat-label" }, label));
}

export function renderSummary(s, name) {
  const skipped = Array.isArray(s.skipped) ? s.skipped : [];
  // The count, not the list's length: past 1000 rows the list's last entry stands for the rest.
  const skippedRows = Number.isInteger(s.skipped_rows) ? s.skipped_rows : skipped.length;
  const out = h("div", { class: "summary" },
    h("h2", {}, "Imported ", h("span", { class: "filename" }, name), ` as ${s.format || "?"}`),
    h("div", { class: "stats" },
      stat("rows read", num(s.rows_read), "rows_read"), stat("added", num(s.added), "added"), stat("updated", num(s.updated), "updated"),
      stat("merged", num(s.merged ?? 0), "merged"), stat("skipped", num(skippedRows), "skipped"),
      stat("backlinks stored", num(s.backlinks_total), "backlinks_total")),
    h("p", { class: "muted", id: "import-sum" },
      `${num(s.rows_read)} rows read = ${num(s.added)} added + ${num(s.updated)} updated + ${num(s.merged ?? 0)} merged (links already read or stored) + ${num(skippedRows)} skipped.`));
  if (s.truncated) {
    out.append(notice("warn", `${num(s.truncated)} rows kept with their anchor or title cut to the companion's length limit for them.`));
  }
  if (s.notice) out.append(notice("warn", s.notice));
  if (skipped.length) {
    const [wrap, tbody] = table(["Line", "Why it was skipped"], "skipped-table");
    for (const row of skipped) tbody.append(h("tr", {}, h("td", { class: "num" }, row.line ? String(row.line) : "…"), h("td", {}, String(row.reason ?? ""))));
    out.append(h("h3", {}, "Skipped rows"), wrap);
  } else {
    out.append(h("p", { class: "muted" }, "No rows were skipped."));
  }
  return out;
}
