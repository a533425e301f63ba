/**
 * Checks in the browser: the pages the companion's recheck could not judge (the site
 * refused its crawler, or builds its links with JavaScript) are checked here, where
 * the user's own browser sees them as a visitor does.
 *
 * - The queue (GET /api/browser-checks) is read every POLL_MINUTES (chrome.alarms) and
 *   its URLs kept in session storage, so a visit of a queued page is sent with
 *   `origin: 'browser_check'` (even with automatic analysis off: the user asked for
 *   these pages to be checked).
 * - "Check N pages now" (popup; the dashboard asks through the companion, seen here as
 *   `requested_at` newer than the last run) opens each queued page in a background tab,
 *   one at a time with PAUSE_MS between two, waits for it to load and settle, sends its
 *   live DOM, and closes the tab whatever happened.
 * - The last run's log (`browserChecks:last` in session storage: each page's tab id,
 *   whether the tab was active, closed, the outcome) is what the popup says, and the
 *   tests' hook.
 *
 * Only excluded hosts are never opened; a page the extension may not read (no host
 * permission) is noted as such and skipped.
 */

import { ext, sessionArea } from './browser.js';
import { isAnalysableUrl, isExcluded } from './hosts.js';

export const ALARM = 'tierlink-browser-checks';
export const POLL_MINUTES = 1;
export const PAUSE_MS = 2000; // between two pages of a run: polite to the sites, and to the user's machine
export const SETTLE_MS = 800; // after the load: scripts that build the page
export const LOAD_TIMEOUT_MS = 30000;
const QUEUE_KEY = 'browserChecks:queue';
const LAST_KEY = 'browserChecks:last';
const HANDLED_KEY = 'browserChecksHandledAt'; // storage.local: the dashboard request last acted on

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** A URL as the queue compares it: no fragment. */
export function queueKey(url) {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return String(url);
  }
}

/** Resolves when the tab has loaded (or after LOAD_TIMEOUT_MS), then SETTLE_MS more. */
function loaded(tabId, timeoutMs = LOAD_TIMEOUT_MS) {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      ext.tabs.onUpdated.removeListener(listener);
      clearTimeout(timer);
      setTimeout(resolve, SETTLE_MS);
    };
    const listener = (id, change) => { if (id === tabId && change.status === 'complete') finish(); };
    const timer = setTimeout(finish, timeoutMs);
    ext.tabs.onUpdated.addListener(listener);
    ext.tabs.get(tabId).then((tab) => { if (tab.status === 'complete') finish(); }).catch(finish);
  });
}

/**
 * @param {{companionClient: () => Promise<object>, currentSettings: () => Promise<object>,
 *          collectPage: Function, pauseMs?: number}} deps
 */
export function createBrowserChecks({ companionClient, currentSettings, collectPage, pauseMs = PAUSE_MS }) {
  const opened = new Set(); // tabs this module opened: their content script's own analysis is skipped
  let running = null;
  // The queue's URLs in memory, so a visit waits for no storage read (refilled from session
  // storage when a stopped worker starts again, and at every poll).
  let queued = new Set();
  sessionArea.get(QUEUE_KEY).then((got) => { queued = new Set(got[QUEUE_KEY]?.urls ?? []); }).catch(() => {});

  async function client() {
    return companionClient(await currentSettings());
  }

  /** Read the queue, remember its URLs; start a run the dashboard asked for. */
  async function poll() {
    const c = await client();
    const { data } = await c.request('GET', '/api/browser-checks');
    const urls = data.pages.map((p) => queueKey(p.url));
    queued = new Set(urls);
    await sessionArea.set({ [QUEUE_KEY]: { at: Date.now(), total: data.total, urls } });
    const handled = (await ext.storage.local.get(HANDLED_KEY))[HANDLED_KEY] ?? null;
    if (data.requested_at && data.requested_at !== handled && data.total) {
      await ext.storage.local.set({ [HANDLED_KEY]: data.requested_at });
      run().catch(() => {});
    }
    return data;
  }

  const isQueued = (url) => queued.has(queueKey(url));

  async function checkOne(c, settings, url) {
    const entry = { url, at: Date.now() };
    if (!isAnalysableUrl(url) || isExcluded(url, settings.exclude)) return { ...entry, skipped: 'excluded' };
    const tab = await ext.tabs.create({ url, active: false });
    opened.add(tab.id);
    Object.assign(entry, { tabId: tab.id, active: tab.active });
    try {
      await loaded(tab.id);
      const [result] = await ext.scripting.executeScript({ target: { tabId: tab.id }, func: collectPage });
      const page = result?.result;
      if (!page?.html) throw new Error('the page answered nothing');
      const analysis = await c.analyze(url, page.html, null, 'browser_check');
      entry.outcome = analysis.browser_check?.outcome ?? null;
    } catch (err) {
      entry.error = String(err?.message ?? err);
    } finally {
      await ext.tabs.remove(tab.id).catch(() => {});
      opened.delete(tab.id);
      entry.closed = true;
    }
    return entry;
  }

  /** Check every queued page now, one at a time. A second call while one runs joins it. */
  function run() {
    running ??= (async () => {
      const settings = await currentSettings();
      const c = await companionClient(settings);
      const { data } = await c.request('GET', '/api/browser-checks');
      const log = { started: Date.now(), total: data.pages.length, pages: [], finished: null };
      await sessionArea.set({ [LAST_KEY]: log });
      for (const [i, page] of data.pages.entries()) {
        if (i) await sleep(pauseMs);
        log.pages.push(await checkOne(c, settings, page.url));
        await sessionArea.set({ [LAST_KEY]: log });
      }
      log.finished = Date.now();
      await sessionArea.set({ [LAST_KEY]: log });
      await poll().catch(() => {});
      return log;
    })().finally(() => { running = null; });
    return running;
  }

  /** For the popup: how many pages wait, and the last run. */
  async function status() {
    let total = null;
    try {
      total = (await poll()).total;
    } catch {
      total = (await sessionArea.get(QUEUE_KEY))[QUEUE_KEY]?.total ?? null;
    }
    const last = (await sessionArea.get(LAST_KEY))[LAST_KEY] ?? null;
    return { total, running: running !== null, last };
  }

  return { poll, run, status, isQueued, owns: (tabId) => opened.has(tabId) };
}

/** The alarm that reads the queue, and the message handlers, on the background's handler map. */
export function registerBrowserChecks(handlers, deps) {
  const checks = createBrowserChecks(deps);
  ext.alarms?.create(ALARM, { periodInMinutes: POLL_MINUTES, delayInMinutes: 0.1 });
  ext.alarms?.onAlarm.addListener((alarm) => {
    if (alarm.name === ALARM) checks.poll().catch(() => {});
  });
  handlers['browser-checks-status'] = { allow: deps.fromExtensionPage, run: () => checks.status() };
  handlers['browser-checks-run'] = {
    allow: deps.fromExtensionPage,
    async run() {
      checks.run().catch(() => {});
      return { started: true };
    },
  };
  return checks;
}
