/**
 * Outreach in the popup: the contacts a saved candidate carries (the site's contact
 * routes, read by the companion from the page: companion/analysis/contacts.py), the
 * warnings a save answers (the site already pitched, do not contact) and the Find
 * contacts action. Pure functions plus one renderer; page text only via textContent.
 */

import { el } from './dom.js';

const KIND_WORDS = { contact: 'Contact page', about: 'About page', write_for_us: 'Write for us', guidelines: 'Guest-post guidelines' };
const NETWORK_WORDS = { x: 'X (Twitter)', facebook: 'Facebook', linkedin: 'LinkedIn', instagram: 'Instagram', youtube: 'YouTube', pinterest: 'Pinterest', github: 'GitHub', tiktok: 'TikTok', threads: 'Threads', bluesky: 'Bluesky', medium: 'Medium', mastodon: 'Mastodon', reddit: 'Reddit' };
const MAX_ROWS = 12;

const httpOnly = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);

/** The rows to show, addresses first: [{label, text, href, found}]. Links only to http(s) pages and mailto:. */
export function contactRows(contacts) {
  const c = contacts && typeof contacts === 'object' ? contacts : {};
  const list = (name) => (Array.isArray(c[name]) ? c[name].filter((e) => e && typeof e === 'object') : []);
  const rows = [
    ...list('emails').map((e) => ({ label: 'E-mail', text: String(e.address ?? ''), href: `mailto:${e.address}`, found: e.found })),
    ...list('pages').map((p) => ({ label: KIND_WORDS[p.kind] ?? 'Page', text: String(p.url ?? ''), href: httpOnly(p.url), found: p.found })),
    ...list('authors').map((a) => ({ label: 'Author', text: String(a.name ?? ''), href: httpOnly(a.url), found: a.found })),
    ...list('social').map((s) => ({
      label: `${NETWORK_WORDS[s.network] ?? 'Profile'}${s.of === 'author' ? ' (author)' : ''}`,
      text: String(s.url ?? ''), href: httpOnly(s.url), found: s.found,
    })),
  ].filter((r) => r.text);
  return rows.slice(0, MAX_ROWS).concat(rows.length > MAX_ROWS ? [{ label: '', text: `and ${rows.length - MAX_ROWS} more on the dashboard`, href: null }] : []);
}

/** Whether the site shows an address already (else the popup offers Find contacts). */
export function hasAddress(contacts) {
  return Array.isArray(contacts?.emails) && contacts.emails.length > 0;
}

/** One line per warning, as the companion words it (who and when for an earlier pitch). */
export function warningLines(warnings) {
  return (Array.isArray(warnings) ? warnings : []).map((w) => String(w?.message ?? '')).filter(Boolean);
}

/** What Find contacts says after it ran: found or not, and why a request was skipped. */
export function findSummary(result) {
  const rows = contactRows(result?.contacts);
  const fetched = Array.isArray(result?.fetched) ? result.fetched : [];
  const why = fetched.map((f) => f?.error || f?.skipped).filter(Boolean);
  if (hasAddress(result?.contacts)) return { ok: true, text: 'Found on the site\u2019s contact page.' };
  if (why.length) return { ok: false, text: `No address found: ${why[0]}` };
  return { ok: rows.length > 0, text: fetched.length ? 'The contact page shows no address.' : 'Nothing to fetch.' };
}

/** The contacts list's items (DOM), links opening in a new tab. */
export function contactItems(contacts) {
  return contactRows(contacts).map((r) => el('li', { title: r.found ? `found: ${r.found}` : '' },
    el('span', { cls: 'contact-label', text: r.label }),
    r.href ? Object.assign(el('a', { cls: 'contact-value', text: r.text }), { href: r.href, target: '_blank', rel: 'noopener noreferrer' })
      : el('span', { cls: 'contact-value', text: r.text })));
}
