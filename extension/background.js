/**
 * Tierlink background (Chrome's service worker, Firefox's background script).
 *
 * The only context that talks to the companion (docs/SECURITY.md item 10). Each tab's
 * verdict lives in storage.session (keyed by tab id), so a stopped and restarted
 * worker carries on where it was. What the globals hold is only a cache of what
 * storage or the browser already says (settings, the companion permission, the
 * last page headers of a tab) or of work in flight (which page of a tab is the
 * newest): a restarted worker reads them again. Messages go through one named
 * handler map; anything else is rejected.
 *
 * On the page's clock (issue 25, docs/BENCHMARKS.md "The extension"): nothing
 * awaited stands between a page's message and the fetch once the caches are warm;
 * the badge is set before the verdict is stored; the body goes as a Blob.
 */

import { ext, sessionArea } from './lib/browser.js';
import { SETTING_KEYS, loadSettings } from './lib/settings.js';
import { isAnalysableUrl, isExcluded, reportedPageUrl } from './lib/hosts.js';
import { companionOriginPattern, dashboardUrl, isCompanionPage, validateCompanionUrl } from './lib/companion-url.js';
import { CompanionClient } from './lib/companion.js';
import { CompanionError } from './lib/errors.js';
import { badgeForState, healthSummary, highlightPlan } from './lib/verdict.js';
import { collectPage, highlightLinks } from './lib/page-functions.js';
import { registerDraftChecks } from './lib/draft-check.js';
import { registerGuestPosts } from './lib/guest-posts.js';
import { registerBrowserChecks } from './lib/browser-checks.js';
import { headersForPage, pageHeaders } from './lib/headers.js';
import { MAX_NOTE, MAX_TAGS, MAX_TITLE } from './lib/limits.js';
import { ALARM, NOTIFICATION_ID, pollAlerts, raised, scheduleAlerts } from './lib/alerts.js';

const tabKey = (tabId) => `tab:${tabId}`;

/** The settings, read once and kept until storage.onChanged says they changed (below). */
let settingsRead = null;
function currentSettings() {
  settingsRead ??= loadSettings(ext.storage.local).catch((err) => {
    settingsRead = null;
    throw err;
  });
  return settingsRead;
}

/** Whether the companion's origin may be reached: asked once per origin, forgotten when permissions change. */
const allowedOrigins = new Map();
function mayReach(pattern) {
  if (!allowedOrigins.has(pattern)) allowedOrigins.set(pattern, ext.permissions.contains({ origins: [pattern] }));
  return allowedOrigins.get(pattern);
}

/** The newest page sent for each tab (its verdict wins over an older one still in flight). */
const newestPage = new Map();
/**
 * The main document's headers per tab, as last observed. In memory only: the event
 * comes while the page loads, and the page's copy follows within the same worker's
 * life (a storage read for each page cost the badge a round trip).
 */
const seenHeaders = new Map();

async function readTabState(tabId) {
  const key = tabKey(tabId);
  const got = await sessionArea.get(key);
  return got[key] ?? null;
}

/** The badge first (what the user sees), then the stored state (what the popup reads). */
async function writeTabState(tabId, state) {
  const shown = showBadge(tabId, state);
  await sessionArea.set({ [tabKey(tabId)]: state });
  await shown;
}

async function showBadge(tabId, state) {
  const badge = badgeForState(state);
  const why = state?.error?.kind === 'excluded' ? 'excluded site, not sent' : badge.title;
  // All at once, the text first: none of them waits for another.
  await Promise.all([
    ext.action.setBadgeText({ tabId, text: badge.text }),
    ext.action.setBadgeBackgroundColor({ tabId, color: badge.color }),
    ext.action.setBadgeTextColor?.({ tabId, color: '#ffffff' }),
    ext.action.setTitle({ tabId, title: `Tierlink — ${why}` }),
  ]).catch(() => {}); // the tab was closed meanwhile
}

const errorJSON = (err) => (err instanceof CompanionError ? err.toJSON() : { kind: 'unknown', message: String(err?.message ?? err) });

/** A client for the configured companion, after checking we may reach it. */
async function companionClient(settings) {
  const client = new CompanionClient(settings); // throws bad-companion-url
  const allowed = await mayReach(companionOriginPattern(client.base));
  if (!allowed) throw new CompanionError('no-companion-permission', 'host permission for the companion is missing');
  return client;
}

/** Why a page is never sent ('unsupported-page', 'excluded'), or null when it may be. */
function notSent(url, settings) {
  if (!isAnalysableUrl(url) || isCompanionPage(url, settings.companionUrl)) return 'unsupported-page';
  if (isExcluded(url, settings.exclude)) return 'excluded';
  return null;
}

/**
 * Analyse one page of a tab and record the verdict. Never sends an excluded
 * host or a non-http(s) page. Returns the stored state.
 */
async function analysePage(tabId, page, { contacts = false, origin = null } = {}) {
  const settings = await currentSettings();
  const base = { url: page.url, title: page.title ?? '', at: Date.now() };
  let state;
  const why = notSent(page.url, settings);
  if (why) {
    state = { ...base, error: { kind: why } };
  } else {
    const nonce = {};
    newestPage.set(tabId, nonce);
    try {
      const client = await companionClient(settings);
      const seen = seenHeaders.get(tabId);
      // Health rides along (no token, cheap): a degraded companion and a profile
      // without domains are said on the badge and in the popup, not left to guess.
      const [analysis, health] = await Promise.allSettled([
        client.analyze(page.url, page.html, headersForPage(seen, page.url), { contacts, origin }), client.health()]);
      const known = health.status === 'fulfilled' ? { health: healthSummary(health.value) } : {};
      state = analysis.status === 'fulfilled'
        ? { ...base, analysis: analysis.value, ...known }
        : { ...base, error: errorJSON(analysis.reason), ...known };
    } catch (err) {
      state = { ...base, error: errorJSON(err) };
    }
    // A newer page of this tab was sent meanwhile: its verdict wins.
    if (newestPage.get(tabId) !== nonce) return state;
    newestPage.delete(tabId);
  }
  await writeTabState(tabId, state);
  return state;
}

/** The live DOM of a tab: from its content script, else injected (activeTab, pages open before install). */
async function readTab(tabId) {
  try {
    const page = await ext.tabs.sendMessage(tabId, { type: 'collect-page' }, { frameId: 0 });
    if (page?.html) return page;
  } catch {
    // no content script in that tab
  }
  try {
    const [result] = await ext.scripting.executeScript({ target: { tabId }, func: collectPage });
    if (result?.result?.html) return result.result;
  } catch (err) {
    const tab = await ext.tabs.get(tabId).catch(() => null);
    if (tab?.url && !isAnalysableUrl(tab.url)) throw new CompanionError('unsupported-page', tab.url);
    throw new CompanionError('no-page-access', String(err?.message ?? err));
  }
  throw new CompanionError('no-page-access', 'the page answered nothing');
}

async function stateWithExtras(tabId, state) {
  const settings = await currentSettings();
  return {
    tabId,
    state,
    companionUrl: settings.companionUrl,
    paired: Boolean(settings.token),
    dashboard: dashboardUrl(validateCompanionUrl(settings.companionUrl).url ?? settings.companionUrl, settings.token),
  };
}

const fromExtensionPage = (sender) => sender.id === ext.runtime.id && typeof sender.url === 'string'
  && sender.url.startsWith(ext.runtime.getURL(''));
const fromContentScript = (sender) => sender.id === ext.runtime.id && sender.tab?.id !== undefined
  && (sender.frameId ?? 0) === 0 && isAnalysableUrl(sender.url ?? sender.tab.url);

function requireInt(value, name) {
  if (!Number.isInteger(value) || value < 0) throw new CompanionError('bad-request', `${name} must be a tab id`);
  return value;
}

/**
 * A content script's page as the worker sees it: the settings, its address (as the
 * sender reports it), its browser check (browserCheckOf) and why it is not analysed on
 * its own (a tab the browser checks opened, or autoAnalyze off), else `skipped` null.
 */
async function visitOf(msg, sender) {
  const settings = await currentSettings();
  const url = reportedPageUrl(msg.url, sender.url || sender.tab.url);
  const check = browserCheckOf(sender.tab.id, url);
  let skipped = null;
  if (check === 'own-tab') skipped = 'checked by the browser checks';
  else if (!settings.autoAnalyze && !check) skipped = 'autoAnalyze is off';
  return { settings, url, check, skipped };
}

/** Named message handlers: `{type}` → async (msg, sender) → result. */
const handlers = {
  /**
   * Content script, before it copies the DOM: is this page to be sent, and whole? Only
   * when autoAnalyze is on and the page may go; an excluded or unsupported page gets its
   * badge and state here, so its DOM is never copied. A browser check gets the whole page
   * (the companion keeps it as the check's receipt); a visit, the copy without script
   * and style text (lib/page-copy.js).
   */
  'page-wanted': {
    allow: fromContentScript,
    async run(msg, sender) {
      const { settings, url, check, skipped } = await visitOf(msg, sender);
      if (skipped) return { send: false };
      const why = notSent(url, settings);
      if (!why) return { send: true, whole: check !== null };
      const title = typeof msg.title === 'string' ? msg.title.slice(0, MAX_TITLE) : '';
      await writeTabState(sender.tab.id, { url, title, at: Date.now(), error: { kind: why } });
      return { send: false };
    },
  },

  /** Content script: a page finished loading. Analysed when autoAnalyze is on. */
  'page-loaded': {
    allow: fromContentScript,
    async run(msg, sender) {
      const { url, check, skipped } = await visitOf(msg, sender);
      if (skipped) return { skipped };
      if (typeof msg.html !== 'string') throw new CompanionError('bad-request', 'html missing');
      const state = await analysePage(sender.tab.id, { url, html: msg.html, title: msg.title }, { origin: check });
      return { badge: badgeForState(state).text };
    },
  },

  /** Popup: the stored verdict of a tab, without analysing. */
  'get-tab-state': {
    allow: fromExtensionPage,
    async run(msg) {
      const tabId = requireInt(msg.tabId, 'tabId');
      return stateWithExtras(tabId, await readTabState(tabId));
    },
  },

  /** Popup opened: read the tab's live DOM again and analyse it. */
  'analyze-tab': {
    allow: fromExtensionPage,
    async run(msg) {
      const tabId = requireInt(msg.tabId, 'tabId');
      let state;
      try {
        const page = await readTab(tabId);
        state = await analysePage(tabId, page, { contacts: true }); // the popup may save: read the site's contacts too
      } catch (err) {
        const tab = await ext.tabs.get(tabId).catch(() => null);
        state = { url: tab?.url ?? '', title: tab?.title ?? '', at: Date.now(), error: errorJSON(err) };
        await writeTabState(tabId, state);
      }
      return stateWithExtras(tabId, state);
    },
  },

  /** Popup: save the tab's page as a boost or tier-2 candidate. */
  'save-candidate': {
    allow: fromExtensionPage,
    async run(msg) {
      const settings = await currentSettings();
      const { url, kind } = msg;
      if (!['boost', 'tier2'].includes(kind)) throw new CompanionError('bad-request', 'kind must be boost or tier2');
      if (!isAnalysableUrl(url)) throw new CompanionError('unsupported-page', String(url));
      if (isExcluded(url, settings.exclude)) throw new CompanionError('excluded', url);
      const client = await companionClient(settings);
      const title = typeof msg.title === 'string' ? msg.title.slice(0, MAX_TITLE) : '';
      const note = typeof msg.note === 'string' ? msg.note.slice(0, MAX_NOTE) : '';
      const tags = Array.isArray(msg.tags) ? msg.tags.filter((t) => typeof t === 'string').slice(0, MAX_TAGS) : [];
      return client.saveCandidate({ url, kind, title, note, tags });
    },
  },

  /** Popup: Find contacts for a saved candidate (the companion fetches the site's contact page). */
  'find-contacts': {
    allow: fromExtensionPage,
    async run(msg) {
      if (typeof msg.id !== 'string' || !/^[0-9a-f]{1,64}$/.test(msg.id)) throw new CompanionError('bad-request', 'id must be a candidate id');
      const client = await companionClient(await currentSettings());
      return client.findContacts(msg.id);
    },
  },

  /** Options: test an address and token (possibly not saved yet). */
  'test-connection': {
    allow: fromExtensionPage,
    async run(msg) {
      const client = await companionClient({ companionUrl: msg.companionUrl, token: String(msg.token ?? '').trim() });
      return client.testConnection();
    },
  },

  /** Popup: outline the tab's links to me / my tier-1 pages / nofollow (toggle). */
  'highlight': {
    allow: fromExtensionPage,
    async run(msg) {
      const tabId = requireInt(msg.tabId, 'tabId');
      const state = await readTabState(tabId);
      if (!state?.analysis) throw new CompanionError('bad-request', 'analyse the page first');
      try {
        const [result] = await ext.scripting.executeScript({
          target: { tabId }, func: highlightLinks, args: [highlightPlan(state.analysis)],
        });
        return result?.result ?? { shown: false, count: 0 };
      } catch (err) {
        throw new CompanionError('no-page-access', String(err?.message ?? err));
      }
    },
  },
};

// Guest-post draft checks: popup "Check as a draft", context menu on a selection (lib/draft-check.js).
registerDraftChecks(handlers, { companionClient, errorJSON, fromExtensionPage });
// My guest posts: the popup's "This is my guest post" (lib/guest-posts.js).
registerGuestPosts(handlers, { companionClient, currentSettings, fromExtensionPage });

// Checks in the browser of the pages the recheck could not judge (lib/browser-checks.js).
const browserChecks = registerBrowserChecks(handlers, { companionClient, currentSettings, collectPage, fromExtensionPage });

/** 'browser_check' for a visit of a queued page, 'own-tab' for a tab the checks opened, else null. */
function browserCheckOf(tabId, url) {
  if (browserChecks.owns(tabId)) return 'own-tab';
  return browserChecks.isQueued(url) ? 'browser_check' : null;
}

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const handler = Object.hasOwn(handlers, msg?.type) ? handlers[msg.type] : null;
  if (!handler) {
    sendResponse({ ok: false, error: { kind: 'unknown-message', message: `unknown message ${JSON.stringify(msg?.type)}` } });
    return false;
  }
  if (!handler.allow(sender)) {
    sendResponse({ ok: false, error: { kind: 'forbidden-sender', message: `${msg.type} is not accepted from this sender` } });
    return false;
  }
  handler.run(msg, sender).then(
    (result) => sendResponse({ ok: true, result }),
    (err) => sendResponse({ ok: false, error: errorJSON(err) }),
  );
  return true;
});

ext.tabs.onRemoved.addListener((tabId) => {
  newestPage.delete(tabId);
  seenHeaders.delete(tabId);
  sessionArea.remove(tabKey(tabId)).catch(() => {});
});

// The main document's response headers (X-Robots-Tag), observed only, for sites the
// extension may access; sent with the page so a header's nofollow/noindex counts.
// Registered for the sites the extension may access only (the manifest's loopback
// hosts, plus any the user granted): a listener on every http(s) address costs each
// page load ~10 ms in Chromium even where it never fires (docs/BENCHMARKS.md).
function onPageHeaders(details) {
  if (details.type !== 'main_frame' || details.tabId < 0) return;
  seenHeaders.set(details.tabId, { url: details.url, headers: pageHeaders(details.responseHeaders) });
}

function watchHeaders(origins) {
  const urls = [...new Set(origins)].filter((o) => /^(https?|\*):\/\//.test(o));
  ext.webRequest?.onHeadersReceived.removeListener(onPageHeaders);
  if (urls.length) ext.webRequest?.onHeadersReceived.addListener(onPageHeaders, { urls, types: ['main_frame'] }, ['responseHeaders']);
}

const manifestHosts = ext.runtime.getManifest().host_permissions ?? [];
watchHeaders(manifestHosts); // at once, so a restarted worker hears the loopback hosts' pages
const rewatch = () => {
  allowedOrigins.clear();
  ext.permissions.getAll().then((p) => watchHeaders([...manifestHosts, ...(p.origins ?? [])])).catch(() => {});
};
rewatch();
ext.permissions.onAdded?.addListener(rewatch);
ext.permissions.onRemoved?.addListener(rewatch);

// A top-level navigation starts: the old verdict no longer applies.
ext.tabs.onUpdated.addListener((tabId, change) => {
  if (change.status === 'loading' && change.url) {
    sessionArea.remove(tabKey(tabId)).then(() => showBadge(tabId, null)).catch(() => {});
  }
});

// Settings changed (new token, address, exclusions): verdicts made under the old ones are stale.
ext.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local') return;
  if (SETTING_KEYS.some((k) => k in changes)) settingsRead = null;
  if (!['companionUrl', 'token', 'exclude'].some((k) => k in changes)) return;
  sessionArea.get(null).then(async (all) => {
    for (const key of Object.keys(all)) {
      if (!key.startsWith('tab:')) continue;
      const state = all[key];
      if (state?.error && state.error.kind !== 'unsupported-page') {
        await sessionArea.remove(key);
        await showBadge(Number(key.slice(4)), null);
      }
    }
  }).catch(() => {});
});

// -- Alerts: a look every minute (lib/alerts.js); a click on the notification opens the dashboard.
async function pollAlertsNow() {
  const settings = await currentSettings();
  if (!settings.token) return { error: 'not paired' };
  return pollAlerts(ext, await companionClient(settings));
}
ext.alarms?.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) pollAlertsNow().catch(() => {});
});
ext.notifications?.onClicked.addListener(async (id) => {
  if (id !== NOTIFICATION_ID) return;
  const settings = await currentSettings();
  const url = validateCompanionUrl(settings.companionUrl).url ?? settings.companionUrl;
  ext.tabs.create({ url: dashboardUrl(url, settings.token) }).catch(() => {}); // its nav counts the unseen alerts
});
scheduleAlerts(ext).catch(() => {});
// The test hook (tests/test_alert_delivery.py): what was raised, and a look now instead of in a minute.
globalThis.tierlinkAlerts = { raised, poll: pollAlertsNow };
