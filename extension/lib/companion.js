/**
 * The companion's HTTP API (docs/CONTRACT.md), as used by the background context.
 * Uses only `fetch`: no browser extension API, so it is tested in node against
 * a real local HTTP server. Every failure is a CompanionError with a `kind`.
 */

import { CompanionError, kindForStatus } from './errors.js';
import { validateCompanionUrl } from './companion-url.js';
import { MAX_TAG, MAX_TAGS } from './limits.js';

const DEFAULT_TIMEOUT_MS = 30000;

export class CompanionClient {
  /**
   * @param {{companionUrl: string, token?: string, fetch?: typeof fetch, timeoutMs?: number}} opts
   */
  constructor({ companionUrl, token = '', fetch: fetchImpl = globalThis.fetch, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    const v = validateCompanionUrl(companionUrl);
    if (!v.ok) throw new CompanionError('bad-companion-url', v.error);
    this.base = v.url;
    this.token = token;
    // Called unbound: a browser's fetch throws "Illegal invocation" when `this` is not the global.
    this.fetch = (...args) => fetchImpl.call(globalThis, ...args);
    this.timeoutMs = timeoutMs;
  }

  async request(method, path, { body, auth = true } = {}) {
    if (auth && !this.token) throw new CompanionError('not-paired', 'no token set');
    const headers = { Accept: 'application/json' };
    if (auth) headers.Authorization = `Bearer ${this.token}`;
    // The body goes as a Blob, not a string: Chromium's fetch from the worker took
    // ~27 µs per KB of a string body (126 ms for the largest corpus page, loaded machine)
    // and 42 ms as a Blob; gzip (CompressionStream) cost more than it saved on loopback
    // (65 ms to pack, 41 ms to send). docs/BENCHMARKS.md, "The extension".
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res;
    try {
      res = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : new Blob([JSON.stringify(body)], { type: 'application/json' }),
        signal: controller.signal,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
    } catch (err) {
      if (controller.signal.aborted) throw new CompanionError('timeout', `no answer within ${this.timeoutMs / 1000} s`);
      throw new CompanionError('unreachable', String(err?.message ?? err));
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const e = data?.error;
      throw new CompanionError(kindForStatus(res.status, e?.code ?? ''), e?.message ?? `HTTP ${res.status}`, {
        status: res.status,
        code: e?.code ?? '',
      });
    }
    if (data === null || typeof data !== 'object') {
      throw new CompanionError('bad-response', `not JSON (HTTP ${res.status})`, { status: res.status });
    }
    return { status: res.status, data };
  }

  /**
   * GET /api/health (no token): {status: 'ok'|'degraded', version, problem?, domains_set}.
   * `degraded` is an answer, not a failure: the companion runs and says what is wrong
   * (`problem.message`), which the badge and the popup then show.
   */
  async health() {
    const { data } = await this.request('GET', '/api/health', { auth: false });
    if (data.status !== 'ok' && data.status !== 'degraded') throw new CompanionError('bad-response', 'not a Tierlink health answer');
    return data;
  }

  /**
   * POST /api/analyze: the Analysis of a page's live DOM (+ its response headers where known).
   * `contacts`: also read the site's contact routes (the popup's analysis: the user may save).
   * `origin` 'browser_check': a page the companion's recheck could not judge (lib/browser-checks.js).
   */
  async analyze(url, html, headers = null, { contacts = false, origin = null } = {}) {
    const body = headers ? { url, html, headers } : { url, html };
    if (contacts) body.contacts = true;
    if (origin) body.origin = origin;
    const { data } = await this.request('POST', '/api/analyze', { body });
    if (!Array.isArray(data.labels) || !Array.isArray(data.links)) throw new CompanionError('bad-response', 'not an Analysis');
    return data;
  }

  /**
   * POST /api/candidates. `created` is true for 201 (new), false for 200
   * (the same URL and kind was already saved, and is now updated).
   */
  async saveCandidate({ url, kind, title, note, tags }) {
    const body = { url, kind };
    if (title) body.title = title;
    if (note) body.note = note;
    if (tags && tags.length) body.tags = tags;
    const { status, data } = await this.request('POST', '/api/candidates', { body });
    return { created: status === 201, candidate: data };
  }

  /** POST /api/candidates/<id>/find-contacts: the site's contact page, fetched politely by the companion. */
  async findContacts(id) {
    const { data } = await this.request('POST', `/api/candidates/${encodeURIComponent(id)}/find-contacts`, { body: {} });
    return data;
  }

  /**
   * Pairing check, as the options page's "Test connection" button does:
   * reachable? the Tierlink companion? the token accepted?
   * @returns {{version: string, health: object}} or throws a CompanionError saying what is wrong.
   */
  async testConnection() {
    const health = await this.health();
    if (!this.token) throw new CompanionError('not-paired', 'no token set');
    await this.request('GET', '/api/profile');
    return { version: String(health.version ?? ''), health };
  }
}

/** Split "seo, outreach  guest-post" into tags. */
export function parseTags(text) {
  return [...new Set(String(text ?? '').split(/[,\n]+/).map((t) => t.trim().slice(0, MAX_TAG)).filter(Boolean))].slice(0, MAX_TAGS);
}
