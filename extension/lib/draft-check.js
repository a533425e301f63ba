/**
 * Draft checks in the background context: "Check as a draft" from the popup and
 * "Check selection as a guest-post draft" from the context menu.
 *
 * Both read the draft from the page, send it to the companion's
 * POST /api/drafts/check (from the background only, like every request), keep
 * the DraftReport in session storage and open draft.html?id=… to show it. A
 * report page can be reloaded while the browser runs; the last few are kept.
 * Excluded hosts are respected: their pages and selections are never sent.
 */

import { ext, sessionArea } from './browser.js';
import { loadSettings } from './settings.js';
import { isAnalysableUrl, isExcluded } from './hosts.js';
import { CompanionError } from './errors.js';
import { checkDraft, draftBody } from './draft-report.js';
import { collectPageAsDraft, collectSelection } from './draft-functions.js';

export const MENU_ID = 'tierlink-check-selection';
const KEEP = 5;
const INDEX_KEY = 'drafts';

async function saveReport(entry) {
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const index = (await sessionArea.get(INDEX_KEY))[INDEX_KEY] ?? [];
  const keep = [...index, id].slice(-KEEP);
  const drop = index.filter((old) => !keep.includes(old)).map((old) => `draft:${old}`);
  await sessionArea.set({ [`draft:${id}`]: { ...entry, at: Date.now() }, [INDEX_KEY]: keep });
  if (drop.length) await sessionArea.remove(drop);
  return id;
}

async function openReport(entry, openerTabId) {
  const id = await saveReport(entry);
  const url = ext.runtime.getURL(`draft.html?id=${encodeURIComponent(id)}`);
  const opts = { url };
  if (Number.isInteger(openerTabId)) opts.openerTabId = openerTabId;
  await ext.tabs.create(opts).catch(() => ext.tabs.create({ url }));
  return id;
}

/** Run one check; an error is kept in the entry so the report page can explain it. */
async function runCheck({ companionClient, errorJSON }, source, read) {
  const entry = { source };
  try {
    const settings = await loadSettings(ext.storage.local);
    if (!isAnalysableUrl(source.url)) throw new CompanionError('unsupported-page', source.url);
    if (isExcluded(source.url, settings.exclude)) throw new CompanionError('excluded', source.url);
    const body = draftBody(await read());
    if (!body) throw new CompanionError('empty-draft', 'nothing selected');
    const client = await companionClient(settings);
    entry.report = await checkDraft(client, body);
    entry.sent = Object.keys(body).find((k) => k !== 'host_url');
  } catch (err) {
    entry.error = err instanceof CompanionError ? err.toJSON() : errorJSON(err);
    if (err?.kind && !(err instanceof CompanionError)) entry.error.kind = err.kind;
  }
  return entry;
}

async function injected(tabId, frameId, func) {
  try {
    const target = Number.isInteger(frameId) && frameId > 0 ? { tabId, frameIds: [frameId] } : { tabId };
    const [result] = await ext.scripting.executeScript({ target, func });
    return result?.result ?? null;
  } catch (err) {
    throw new CompanionError('no-page-access', String(err?.message ?? err));
  }
}

function createMenu() {
  const menus = ext.contextMenus ?? ext.menus;
  if (!menus) return;
  menus.removeAll(() => {
    menus.create({ id: MENU_ID, title: 'Check selection as a guest-post draft', contexts: ['selection'] }, () => {
      void ext.runtime.lastError; // already there after a restart: fine
    });
  });
}

/**
 * Add the draft handlers to the background's named handler map and set up the
 * context menu. Called once, synchronously, at the background's top level
 * (event listeners must be registered before the first event is dispatched).
 */
export function registerDraftChecks(handlers, deps) {
  const { fromExtensionPage } = deps;

  /** Popup: check the tab's page as a draft (with the page's address as the host). */
  handlers['check-draft-tab'] = {
    allow: fromExtensionPage,
    async run(msg) {
      const tabId = msg.tabId;
      if (!Number.isInteger(tabId) || tabId < 0) throw new CompanionError('bad-request', 'tabId must be a tab id');
      const tab = await ext.tabs.get(tabId);
      const source = { kind: 'page', url: tab.url ?? '', title: tab.title ?? '' };
      const entry = await runCheck(deps, source, async () => {
        const page = await injected(tabId, 0, collectPageAsDraft);
        return { html: page?.html, hostUrl: page?.url ?? tab.url };
      });
      return { id: await openReport(entry, tabId) };
    },
  };

  /** Report page: a stored report by id. */
  handlers['get-draft-report'] = {
    allow: fromExtensionPage,
    async run(msg) {
      const key = `draft:${String(msg.id ?? '')}`;
      const entry = (await sessionArea.get(key))[key];
      if (!entry) throw new CompanionError('not-found', 'this report is gone (reports last while the browser runs)');
      return entry;
    },
  };

  const menus = ext.contextMenus ?? ext.menus;
  if (!menus) return;
  ext.runtime.onInstalled.addListener(createMenu);
  ext.runtime.onStartup?.addListener(createMenu);
  menus.onClicked.addListener((info, tab) => {
    if (info.menuItemId !== MENU_ID || !tab?.id) return;
    const source = { kind: 'selection', url: info.pageUrl ?? tab.url ?? '', title: tab.title ?? '' };
    runCheck(deps, source, async () => {
      const got = await injected(tab.id, info.frameId, collectSelection).catch(() => null);
      if (got?.html) return { html: got.html };
      return { text: got?.text || info.selectionText || '' };
    }).then((entry) => openReport(entry, tab.id)).catch(() => {});
  });
}
