/**
 * The DOM helpers the extension's pages share (popup, draft report, options).
 * Every text goes in with textContent: page titles, anchors and URLs come from
 * arbitrary web pages.
 */

export const $ = (id) => document.getElementById(id);

/** An element with an optional text, class and title, and child nodes. */
export function el(tag, { text, cls, title } = {}, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  if (title) node.title = title;
  node.append(...children);
  return node;
}

export function show(id, visible) {
  $(id).classList.toggle('hidden', !visible);
}
