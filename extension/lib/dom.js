/**
 * The DOM helpers the extension's pages share (popup, draft report, options).
 * Every text goes in with textContent: page titles, anchors and URLs come from
 * arbitrary web pages.
 */

import { codeParts } from './errors.js';

export const $ = (id) => document.getElementById(id);

/** A message of ours (errors.js) into a node: commands between backticks become <code>. */
export function setMessage(node, message) {
  node.replaceChildren(...codeParts(message).map((p) => (p.code ? el('code', { text: p.text }) : document.createTextNode(p.text))));
}

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
