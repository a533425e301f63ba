/**
 * Host exclusion: pages on these hosts are never sent to the companion.
 *
 * A pattern is a host name (`mail.google.com`, matches exactly that host) or a
 * wildcard (`*.bank.com`, matches bank.com itself and every subdomain). Case,
 * a trailing dot, a port and a pasted scheme/path are ignored, so a user may
 * paste `https://mail.google.com/mail/u/0/` and get what they meant.
 * Pure: no browser API.
 */

/** Reduce one user-written pattern to its canonical form, or '' when it is not a host pattern. */
export function normalisePattern(raw) {
  let p = String(raw ?? '').trim().toLowerCase();
  if (!p || p.startsWith('#')) return '';
  p = p.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''); // scheme
  p = p.replace(/[/?#].*$/, ''); // path, query, fragment
  p = p.replace(/^[^@]*@/, ''); // credentials
  if (p.startsWith('[')) {
    const end = p.indexOf(']');
    p = end > 0 ? p.slice(0, end + 1) : '';
  } else {
    p = p.replace(/:\d*$/, ''); // port
  }
  p = p.replace(/\.+$/, '');
  if (p === '*') return '';
  if (p.startsWith('*.')) {
    const rest = p.slice(2);
    return rest && !rest.includes('*') ? `*.${rest}` : '';
  }
  return p.includes('*') ? '' : p;
}

/** Parse the options page's textarea (one pattern per line; commas and spaces also split). */
export function parseExcludeList(text) {
  const seen = new Set();
  for (const line of String(text ?? '').split(/[\n,\s]+/)) {
    const p = normalisePattern(line);
    if (p) seen.add(p);
  }
  return [...seen];
}

/** The host of a URL, lower-case, without a trailing dot; '' when the URL does not parse. */
export function hostOf(url) {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.+$/, '');
  } catch {
    return '';
  }
}

/** True when `host` matches one canonical pattern. */
export function hostMatches(host, pattern) {
  const h = String(host).toLowerCase().replace(/\.+$/, '');
  const p = normalisePattern(pattern);
  if (!h || !p) return false;
  if (p.startsWith('*.')) {
    const base = p.slice(2);
    return h === base || h.endsWith(`.${base}`);
  }
  return h === p;
}

/** True when the page at `url` must never be sent: its host matches one of `patterns`. */
export function isExcluded(url, patterns) {
  const host = hostOf(url);
  if (!host) return false;
  return (patterns ?? []).some((p) => hostMatches(host, p));
}

/** Only http(s) pages are ever analysed (never file:, chrome:, about:, extension pages...). */
export function isAnalysableUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The address of a page a content script reports. A single-page site changes its
 * address with history.pushState, which the browser's sender URL may not follow, so
 * the script's own `location.href` is taken — but only within the sender's origin:
 * a content script can move within its page's site, never speak for another one.
 */
export function reportedPageUrl(reported, senderUrl) {
  try {
    if (reported && new URL(reported).origin === new URL(senderUrl).origin) return reported;
  } catch {
    // an unparsable address: fall back to the sender's
  }
  return senderUrl;
}
