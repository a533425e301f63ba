/**
 * Guest-post draft reports (docs/CONTRACT.md "DraftReport"): the words and order the
 * draft page shows them in, and the request that asks the companion for one.
 * Pure: no browser API (the companion client is passed in), so node tests cover it.
 */

import { MAX_DRAFT_BYTES } from './limits.js';

/** What each link target means to the user. */
export const TARGET_WORDS = Object.freeze({
  me: 'your site',
  tier1: 'a tier-1 page (links to you)',
  competitor: 'a competitor',
  owned: 'a site you own',
  internal: "the host's own site",
  other: 'another site',
});

/** A short title per warning code; the companion's message says the rest. */
export const WARNING_TITLES = Object.freeze({
  too_many_own_links: 'Too many links to your site',
  nofollow_link: 'Not followed',
  competitor_link: 'Links to a competitor',
  tier3_link: 'Tier-3 link',
  competing_tier1: 'Tier-1 page competes with you',
  footprint: 'Footprint',
  repeated_anchor: 'Anchor reuse',
  relative_link: 'Relative or malformed link',
});

/** The order links are listed in: what matters to the user first. */
const TARGET_ORDER = ['me', 'tier1', 'competitor', 'owned', 'other', 'internal'];

/** Reports cut drafts above this before sending (the companion refuses more than 2 MiB). */
export const MAX_DRAFT_CHARS = MAX_DRAFT_BYTES;

export function warningTitle(code) {
  return WARNING_TITLES[code] ?? String(code ?? '').replace(/_/g, ' ');
}

export function targetWords(target) {
  return TARGET_WORDS[target] ?? String(target ?? 'unknown');
}

/**
 * The headline of a report: links to my site against the host's limit, and a tone
 * ('bad' over the limit, 'warn' with warnings, 'good' otherwise).
 */
export function draftSummary(report) {
  const own = Number(report?.own_links ?? 0);
  const limit = Number(report?.limit ?? 0);
  const links = Array.isArray(report?.links) ? report.links.length : 0;
  const warnings = Array.isArray(report?.warnings) ? report.warnings.length : 0;
  const over = own > limit;
  const headline = over
    ? `${own} links to your site: ${own - limit} over the host's limit of ${limit}`
    : `${own} of ${limit} allowed link${limit === 1 ? '' : 's'} to your site`;
  const detail = `${links} link${links === 1 ? '' : 's'} in the draft, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  return { headline, detail, tone: over ? 'bad' : warnings ? 'warn' : 'good' };
}

/** The report's links, most important targets first (stable within a target). */
export function sortedLinks(report) {
  const links = Array.isArray(report?.links) ? [...report.links] : [];
  const rank = (t) => {
    const i = TARGET_ORDER.indexOf(t);
    return i < 0 ? TARGET_ORDER.length : i;
  };
  return links.map((l, i) => [l, i]).sort((a, b) => rank(a[0].target) - rank(b[0].target) || a[1] - b[1]).map(([l]) => l);
}

/** The request body for POST /api/drafts/check: exactly one of html / text. */
export function draftBody({ html, text, hostUrl } = {}) {
  const body = {};
  if (typeof html === 'string' && html.trim()) body.html = html.slice(0, MAX_DRAFT_CHARS);
  else if (typeof text === 'string' && text.trim()) body.text = text.slice(0, MAX_DRAFT_CHARS);
  else return null;
  if (typeof hostUrl === 'string' && /^https?:\/\//i.test(hostUrl)) body.host_url = hostUrl;
  return body;
}

/** Ask the companion (a CompanionClient) to check a draft; checks the answer's shape. */
export async function checkDraft(client, body) {
  const { data } = await client.request('POST', '/api/drafts/check', { body });
  if (!Array.isArray(data?.links) || !Array.isArray(data?.warnings) || typeof data?.own_links !== 'number') {
    const err = new Error('not a DraftReport');
    err.kind = 'bad-response';
    throw err;
  }
  return data;
}
