/**
 * Safe DOM building for the dashboard.
 *
 * Every string the dashboard shows (page titles, anchors, notes, URLs) comes from
 * arbitrary web pages or export files, so it is attacker-controlled. This module is
 * the only place elements are made: text always goes in as text nodes, never as
 * markup, and a link only gets an href when it is an http(s) URL. Nothing here
 * touches innerHTML.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/** The URL as a string when it is http(s), else null (javascript:, data:, junk). */
export function safeHref(url) {
  if (typeof url !== "string" || !url) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
}

function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else if (name === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "value" && "value" in el) el.value = value;
    else if (name === "checked" || name === "selected" || name === "disabled") el[name] = Boolean(value);
    else if (name === "href") {
      // Links only ever point at http(s) pages; anything else becomes no link.
      const href = safeHref(value);
      if (href) el.setAttribute("href", href);
    } else if (name === "innerHTML" || name === "outerHTML") {
      throw new Error("dom.js: markup from data is not allowed");
    } else if (name === "style" || name.startsWith("on")) {
      // The CSP blocks inline styles and handler attributes: use classes and listeners.
      throw new Error(`dom.js: '${name}' attribute is not allowed`);
    } else el.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** h("div", {class: "x"}, "text", otherNode): an HTML element; strings become text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements (the tier graph). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/**
 * A link to an outside page: opens in a new tab without handing that page a
 * window.opener or a Referer. A non-http(s) URL is shown as plain text.
 */
export function extLink(url, text, attrs = {}) {
  const label = text === undefined || text === null || text === "" ? url : text;
  const href = safeHref(url);
  if (!href) return h("span", { class: ["nolink", attrs.class], title: String(url ?? "") }, breakable(String(label ?? "")));
  return h("a", { ...attrs, href, target: "_blank", rel: "noopener noreferrer", title: href }, breakable(String(label ?? "")));
}

/**
 * Text with line-break opportunities after "/", "?" and "&", so a long URL wraps
 * at a path boundary in a narrow column instead of mid-word. Text nodes and
 * <wbr> only.
 */
export function breakable(text) {
  const parts = String(text).split(/(?<=[/?&])/);
  const out = [];
  parts.forEach((part, i) => {
    if (i) out.push(document.createElement("wbr"));
    out.push(document.createTextNode(part));
  });
  return out;
}

/** Removes every child of el. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** "https://www.blog.test/a/b?c" → "blog.test/a/b?c", for compact labels. */
export function shortUrl(url, max = 70) {
  let text = String(url ?? "");
  try {
    const u = new URL(text);
    let rest = (u.pathname === "/" ? "" : u.pathname) + u.search;
    try {
      rest = decodeURI(rest); // "/%C3%A9quipe" reads as "/équipe"; shown as text only
    } catch {
      /* malformed escapes: keep them */
    }
    text = u.host.replace(/^www\./, "") + rest;
  } catch {
    /* keep the raw text */
  }
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** The host of a URL without www., or "" when it does not parse. */
export function hostOf(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, "").toLowerCase();
  } catch {
    return "";
  }
}

/** A number for a table cell: integers grouped, missing values as an en dash. */
export function num(value, digits = 0) {
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return "–";
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** An ISO date or datetime as YYYY-MM-DD; unknown input unchanged. */
export function day(value) {
  if (!value) return "–";
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(String(value));
  return m ? m[1] : String(value);
}

/** A small status line that views use for "Saved", errors and progress. */
export function notice(kind, ...children) {
  return h("div", { class: ["notice", `notice-${kind}`], role: kind === "error" ? "alert" : "status" }, ...children);
}
