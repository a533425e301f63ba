/**
 * Response headers of a tab's main document that the companion needs with the
 * page: `X-Robots-Tag` (noindex/nofollow sent as a header counts like the robots
 * meta tag). The background observes them with `webRequest.onHeadersReceived`
 * (observation only, never blocking) for sites the extension may access.
 * Pure: no browser API.
 */

import { MAX_HEADER_VALUE } from './limits.js';

export const PAGE_HEADERS = Object.freeze(['x-robots-tag']);
const MAX_VALUE = MAX_HEADER_VALUE;

/**
 * From webRequest's `responseHeaders` ([{name, value}]) to the `headers` of
 * POST /api/analyze ({name: [values]}), keeping only PAGE_HEADERS; null when none.
 */
export function pageHeaders(responseHeaders) {
  if (!Array.isArray(responseHeaders)) return null;
  const out = {};
  for (const header of responseHeaders) {
    const name = typeof header?.name === 'string' ? header.name.toLowerCase() : '';
    if (!PAGE_HEADERS.includes(name) || typeof header.value !== 'string') continue;
    (out[name] ??= []).push(header.value.slice(0, MAX_VALUE));
  }
  return Object.keys(out).length ? out : null;
}

const withoutHash = (url) => String(url ?? '').split('#')[0];

/**
 * The headers recorded for a tab ({url, headers}) if they belong to the page
 * being sent: the same document address, fragment aside. A page reached by
 * history.pushState keeps its document's headers only while the address is the
 * document's own; after that they are not sent (not known to apply).
 */
export function headersForPage(record, pageUrl) {
  if (!record || !record.headers || withoutHash(record.url) !== withoutHash(pageUrl)) return null;
  return record.headers;
}
