/**
 * Validation of the companion's address. Pages are sent only to a loopback
 * companion: `http://127.0.0.1:PORT`, `http://localhost:PORT` or `http://[::1]:PORT`.
 * Anything else (another host, https, credentials, a path) is refused, so a
 * mistyped or malicious setting can never ship page contents off the machine.
 * Pure: no browser API.
 */

export const LOOPBACK_HOSTS = Object.freeze(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Check a user-entered companion address.
 * @returns {{ok: true, url: string} | {ok: false, error: string}}
 *   `url` is the normalised origin (no trailing slash), e.g. `http://127.0.0.1:8765`.
 */
export function validateCompanionUrl(input) {
  const raw = String(input ?? '').trim();
  if (!raw) return { ok: false, error: 'Enter the companion address, e.g. http://127.0.0.1:8765.' };
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u;
  try {
    u = new URL(withScheme);
  } catch {
    return { ok: false, error: `"${raw}" is not an address. Use http://127.0.0.1:8765.` };
  }
  if (u.protocol !== 'http:') {
    return { ok: false, error: 'The companion speaks plain http on the loopback address: use http://127.0.0.1:PORT.' };
  }
  if (u.username || u.password) return { ok: false, error: 'The address must not contain a user name or password.' };
  const host = u.hostname.toLowerCase();
  if (!LOOPBACK_HOSTS.includes(host)) {
    return {
      ok: false,
      error: `Pages are only ever sent to this computer: use 127.0.0.1, localhost or [::1], not ${host}.`,
    };
  }
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash) {
    return { ok: false, error: 'Give only the address and port, without a path (e.g. http://127.0.0.1:8765).' };
  }
  return { ok: true, url: u.origin };
}

/** The host-permission match pattern that covers a (valid) companion URL. */
export function companionOriginPattern(url) {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}/*`;
}

/** The dashboard address, with the token in the fragment (never sent over the network). */
export function dashboardUrl(companionUrl, token) {
  const base = String(companionUrl).replace(/\/+$/, '');
  return token ? `${base}/#token=${encodeURIComponent(token)}` : `${base}/`;
}

/**
 * True for the companion's own pages (its dashboard, with the token in the
 * fragment): never analysed, never sent back to it.
 */
export function isCompanionPage(pageUrl, companionUrl) {
  const v = validateCompanionUrl(companionUrl);
  if (!v.ok) return false;
  try {
    const page = new URL(pageUrl);
    const port = new URL(v.url).port || '80';
    const loopback = LOOPBACK_HOSTS.includes(page.hostname.toLowerCase());
    return page.protocol === 'http:' && loopback && (page.port || '80') === port;
  } catch {
    return false;
  }
}
