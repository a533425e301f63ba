/**
 * My guest posts in the extension: the popup's "This is my guest post" button, and its notice
 * on a host holding guest posts of mine that have no internal link yet (with the pages to ask
 * the editor about and the note to send, copied with one click).
 *
 * The companion decides everything (GET/POST /api/guest-posts, the Analysis's `guest_posts`);
 * this module only registers the background's message handler and turns the Analysis into
 * what the popup shows. Pure functions below the handler are tested under node.
 */

import { CompanionError } from './errors.js';
import { isAnalysableUrl, isExcluded } from './hosts.js';
import { MAX_TITLE } from './limits.js';

/** Background: the handler the popup's button sends (`mark-guest-post`). */
export function registerGuestPosts(handlers, deps) {
  const { companionClient, currentSettings, fromExtensionPage } = deps;
  handlers['mark-guest-post'] = {
    allow: fromExtensionPage,
    async run(msg) {
      const settings = await currentSettings();
      const { url } = msg;
      if (!isAnalysableUrl(url)) throw new CompanionError('unsupported-page', String(url));
      if (isExcluded(url, settings.exclude)) throw new CompanionError('excluded', url);
      const client = await companionClient(settings);
      const title = typeof msg.title === 'string' ? msg.title.slice(0, MAX_TITLE) : '';
      const { status, data } = await client.request('POST', '/api/guest-posts', { body: { url, title, via: 'popup' } });
      return { created: status === 201, guestPost: data };
    },
  };
  /** Popup, when it shows the notice: the suggested pages and the note, computed only then. */
  handlers['guest-post-suggestions'] = {
    allow: fromExtensionPage,
    async run(msg) {
      const host = String(msg.host ?? '');
      if (!/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host)) throw new CompanionError('bad-request', 'host must be a host name');
      const client = await companionClient(await currentSettings());
      const { data } = await client.request('GET', `/api/guest-posts?needs_links=true&host=${encodeURIComponent(host)}`);
      return data;
    },
  };
}

/** The notice with the suggestions and notes GET /api/guest-posts gave for its host. */
export function withSuggestions(notice, answer) {
  const byUrl = new Map((Array.isArray(answer) ? answer : []).map((p) => [p.url, p]));
  return {
    ...notice,
    posts: notice.posts.map((p) => {
      const found = byUrl.get(p.url);
      if (!found) return p;
      return {
        ...p,
        suggestions: (found.suggestions ?? []).slice(0, 3).map((s) => ({
          url: String(s.url ?? ''), anchor: String(s.anchor ?? ''), why: String(s.why ?? ''),
        })),
        note: String(found.note ?? p.note),
      };
    }),
  };
}

/** Whether to offer "This is my guest post": a page linking to me that is not marked yet. */
export function offerMarking(analysis) {
  const labels = analysis?.labels ?? [];
  return labels.includes('tier1') && !labels.includes('guest_post');
}

const STATE_WORDS = { indexable: 'indexable', not_indexable: 'not indexable', unknown: 'indexability not checked yet' };

/**
 * The popup's notice from the Analysis: null on a host without guest posts of mine; else
 * {title, posts: [{url, title, state, why, suggestions: [{url, anchor, why}], note}]}, the
 * posts with no internal link seen, oldest first (the companion's order).
 */
export function guestPostNotice(analysis) {
  const gp = analysis?.guest_posts;
  if (!gp || !Array.isArray(gp.needs_links) || !gp.needs_links.length) return null;
  const posts = gp.needs_links.map((p) => {
    const state = p.indexability?.state ?? 'unknown';
    return {
      url: String(p.url ?? ''),
      title: String(p.title || p.url || ''),
      state: STATE_WORDS[state] ?? state,
      why: state === 'not_indexable' ? String(p.indexability?.reasons?.[0] ?? '') : '',
      suggestions: (p.suggestions ?? []).slice(0, 3).map((s) => ({
        url: String(s.url ?? ''), anchor: String(s.anchor ?? ''), why: String(s.why ?? ''),
      })),
      note: String(p.note ?? ''),
    };
  });
  const n = posts.length;
  return {
    host: String(gp.host ?? ''),
    title: `${n} of your guest posts on ${gp.host} ${n === 1 ? 'has' : 'have'} no internal link yet`,
    posts,
  };
}
