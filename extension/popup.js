/**
 * The popup (also opened as a tab with ?tabId=N): shows the tab's verdict and
 * saves the page as a candidate. It asks the background for everything; page
 * text is only ever put in the DOM with textContent.
 */

import { ext } from './lib/browser.js';
import { $, el, setMessage, show } from './lib/dom.js';
import {
  NO_DOMAIN, badgeForState, changeWords, healthProblem, linksTo, noDomainSet, reasonParts, relWords, verdictFor,
} from './lib/verdict.js';
import { describeError } from './lib/errors.js';
import { companionOriginPattern, validateCompanionUrl } from './lib/companion-url.js';
import { parseTags } from './lib/companion.js';
import { MAX_NOTE } from './lib/limits.js';
import { guestPostNotice, offerMarking, withSuggestions } from './lib/guest-posts.js';
import { contactItems, findSummary, hasAddress, warningLines } from './lib/contacts.js';

let current = null; // what is on screen: {tabId, state, companionUrl, dashboard}

async function ask(type, payload = {}) {
  const answer = await ext.runtime.sendMessage({ type, ...payload });
  if (!answer?.ok) {
    const err = new Error(answer?.error?.message ?? 'no answer');
    err.kind = answer?.error?.kind ?? 'unknown';
    err.details = answer?.error;
    throw err;
  }
  return answer.result;
}

async function targetTabId() {
  const param = new URLSearchParams(location.search).get('tabId');
  if (param !== null && /^\d+$/.test(param)) return Number(param);
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

function renderBadge(state) {
  const badge = badgeForState(state);
  const node = $('badge');
  node.textContent = badge.text;
  node.style.background = badge.color;
  node.title = badge.title;
  show('badge', Boolean(badge.text));
}

function renderProblem(error, companionUrl) {
  const d = describeError(error, { companionUrl });
  const neutral = ['unsupported-page', 'excluded'].includes(error.kind);
  $('problem').classList.toggle('neutral', neutral);
  $('problem-title').textContent = d.title;
  setMessage($('problem-fix'), d.fix);
  show('problem-grant', d.action === 'grant');
  show('problem-retry', d.action === 'retry');
  show('problem-options', d.action === 'options');
  show('problem', true);
}

function linkItem(link) {
  const meta = el('div', { cls: 'meta' },
    el('span', { cls: `chip ${link.follow === false ? 'warn' : 'good'}`, text: relWords(link) }),
    el('span', { cls: 'chip', text: link.position || 'unknown position' }));
  return el('li', {},
    el('span', { cls: 'anchor', text: link.text ? `“${link.text}”` : '(no anchor text)' }),
    el('span', { cls: 'href mono', text: link.href, title: link.href }),
    meta);
}

function fillList(id, items) {
  const list = $(id);
  list.replaceChildren(...items);
  return items.length > 0;
}

/** The companion's own word on itself (`/api/health`): a problem it reports, no domain set. */
function renderHealth(state) {
  const problem = healthProblem(state?.health);
  // Not twice: the problem card may already quote the same message (a 503's own).
  setMessage($('health-message'), problem ?? '');
  const said = Boolean(problem) && !$('problem').classList.contains('hidden')
    && $('problem-fix').textContent.includes($('health-message').textContent);
  show('health', Boolean(problem) && !said);
  const noDomain = noDomainSet(state?.health) && !state?.error;
  $('no-domain-title').textContent = NO_DOMAIN.title;
  setMessage($('no-domain-fix'), NO_DOMAIN.fix);
  show('no-domain', noDomain);
}

function reasonItem(reason) {
  const r = reasonParts(reason);
  return el('li', { text: r.text }, ...(r.points ? [' ', el('span', { cls: 'points', text: `${r.points} pts`, title: `weight ${r.signal}` })] : []));
}

function renderAnalysis(state) {
  const a = state.analysis;
  const v = verdictFor(a, { domainsSet: !noDomainSet(state.health) });
  $('verdict').className = `card verdict ${v.tone}`;
  $('headline').textContent = v.headline;
  $('page-title').textContent = a.title || state.title || '(untitled page)';
  $('page-url').textContent = a.url || state.url;
  $('page-url').title = a.url || state.url;
  $('labels').replaceChildren(...(a.labels ?? []).map((label, i) => {
    const tone = { tier1: 'good', link_lost: 'bad', link_changed: 'warn', broken_target: 'warn', tier2_opportunity: 'info', tier2_existing: 'info', worth_boosting: 'good' }[label] ?? '';
    return el('span', { cls: `chip ${tone}`, text: v.labels[i] });
  }), ...v.scores.map((s) => el('span', { cls: 'chip score', text: s.label })));
  $('reasons').replaceChildren(...v.reasons.map(reasonItem));
  show('verdict', true);

  show('my-links', fillList('my-links-list', linksTo(a, 'me').map(linkItem)));
  show('tier1-links', fillList('tier1-links-list', linksTo(a, 'tier1').map(linkItem)));
  show('changes', fillList('changes-list', (a.changes ?? []).map((c) => el('li', { text: changeWords(c) }))));
  const suggestions = (a.tier2?.suggestions ?? []).map((s) => el('li', {},
    el('span', { cls: 'anchor', text: s.anchor ? `“${s.anchor}”` : '(any anchor)' }),
    el('span', { cls: 'href mono', text: s.tier1_url, title: s.tier1_url }),
    s.why ? el('div', { cls: 'why', text: s.why }) : '', ...paceWarnings(s)));
  show('suggestions', fillList('suggestions-list', suggestions));
  // Pre-select the likelier kind: a tier-1 page is boosted, a tier-2 spot hosts a link.
  const tier2First = !(a.labels ?? []).includes('tier1') && Boolean(a.tier2);
  $('save-boost').className = tier2First ? '' : 'primary';
  $('save-tier2').className = tier2First ? 'primary' : '';
  show('save', true);
  show('highlight', true);
  renderGuestPosts(a);
}

// --- my guest posts (lib/guest-posts.js) -----------------------------------------------

function copyNote(button, text) {
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the note';
    }
  });
}

/** The notice on a host holding guest posts of mine with no internal link, and the mark button. */
function renderGuestPosts(a) {
  show('mark-guest-post', offerMarking(a));
  const notice = guestPostNotice(a);
  show('guest-posts', Boolean(notice));
  if (!notice) return;
  fillGuestPosts(notice);
  // The suggested pages are searched only now, not on every visit of the host.
  ask('guest-post-suggestions', { host: notice.host }).then((answer) => fillGuestPosts(withSuggestions(notice, answer)),
    () => {});
}

function fillGuestPosts(notice) {
  $('guest-posts-title').textContent = notice.title;
  $('guest-posts-list').replaceChildren(...notice.posts.map((p) => {
    const copy = el('button', { cls: 'primary', text: 'Copy note for the editor' });
    copyNote(copy, p.note);
    return el('div', { cls: 'gp-post' },
      el('div', { cls: 'page-title', text: p.title, title: p.url }),
      el('div', { cls: 'muted small', text: p.why ? `${p.state}: ${p.why}` : p.state }),
      p.suggestions.length
        ? el('ol', { cls: 'gp-suggestions' }, ...p.suggestions.map((s) => el('li', {},
          el('span', { cls: 'href mono', text: s.url, title: s.url }),
          el('div', { cls: 'why', text: `anchor “${s.anchor}” · ${s.why}` }))))
        : el('p', { cls: 'muted small', text: 'Pages of this site to ask for a link from appear as you read related articles here.' }),
      p.note ? el('div', { cls: 'row' }, copy) : '');
  }));
}

async function markGuestPost() {
  const a = current?.state?.analysis;
  const result = $('mark-result');
  if (!a) return;
  $('mark-guest-post').disabled = true;
  try {
    await ask('mark-guest-post', { url: a.url || current.state.url, title: a.title || current.state.title || '' });
    result.textContent = 'Marked as your guest post: pages you read on this site now count its internal links.';
    result.className = 'msg ok';
    show('mark-guest-post', false);
  } catch (err) {
    const d = describeError(err.details ?? { kind: err.kind, message: err.message }, { companionUrl: current.companionUrl });
    setMessage(result, `${d.title}. ${d.fix}`);
    result.className = 'msg err';
  } finally {
    $('mark-guest-post').disabled = false;
  }
}

function render(view) {
  current = view;
  const { state, companionUrl } = view;
  for (const id of ['loading', 'problem', 'verdict', 'my-links', 'tier1-links', 'changes', 'suggestions', 'save', 'highlight', 'guest-posts']) show(id, false);
  renderBadge(state);
  $('dashboard').href = view.dashboard;
  if (state?.analysis) renderAnalysis(state);
  else if (state?.error) renderProblem(state.error, companionUrl);
  else renderProblem({ kind: 'unsupported-page' }, companionUrl);
  renderHealth(state);
}

async function analyse() {
  show('loading', true);
  show('problem', false);
  $('reanalyse').disabled = true;
  try {
    render(await ask('analyze-tab', { tabId: current.tabId }));
  } catch (err) {
    render({ ...current, state: { error: { kind: err.kind, message: err.message } } });
  } finally {
    $('reanalyse').disabled = false;
  }
}

async function save(kind) {
  const result = $('save-result');
  const a = current?.state?.analysis;
  if (!a) return;
  for (const b of [$('save-boost'), $('save-tier2')]) b.disabled = true;
  try {
    const { created, candidate } = await ask('save-candidate', {
      url: a.url || current.state.url,
      kind,
      title: a.title || current.state.title || '',
      note: $('note').value.trim(),
      tags: parseTags($('tags').value),
    });
    const what = kind === 'boost' ? 'boost' : 'tier-2';
    result.textContent = created
      ? `Saved as a ${what} candidate.`
      : `Already saved as a ${what} candidate — updated it with this note and tags.`;
    result.className = `msg ${created ? 'ok' : 'info'}`;
    showOutreach(candidate);
  } catch (err) {
    const d = describeError(err.details ?? { kind: err.kind, message: err.message }, { companionUrl: current.companionUrl });
    setMessage(result, `${d.title}. ${d.fix}`);
    result.className = 'msg err';
  } finally {
    for (const b of [$('save-boost'), $('save-tier2')]) b.disabled = false;
  }
}

// --- outreach: the saved candidate's warnings and contacts (lib/contacts.js) ---------------

let savedId = null;
let savedWarnings = [];

function showOutreach(candidate) {
  savedId = typeof candidate?.id === 'string' ? candidate.id : null;
  savedWarnings = candidate?.warnings ?? [];
  const warnings = warningLines(candidate?.warnings);
  $('save-warnings').textContent = warnings.join(' ');
  show('save-warnings', warnings.length > 0);
  fillList('contacts-list', contactItems(candidate?.contacts));
  show('contacts-none', !hasAddress(candidate?.contacts));
  show('find-contacts', Boolean(savedId) && !hasAddress(candidate?.contacts));
  show('contacts', Boolean(savedId));
}

async function findContacts() {
  const button = $('find-contacts');
  const out = $('find-result');
  button.disabled = true;
  out.textContent = 'Fetching the site\u2019s contact page\u2026';
  out.className = 'msg info';
  try {
    const found = await ask('find-contacts', { id: savedId });
    showOutreach({ ...found, warnings: savedWarnings }); // what the save warned about still holds
    const said = findSummary(found);
    out.textContent = said.text;
    out.className = `msg ${said.ok ? 'ok' : 'warn'}`;
  } catch (err) {
    const d = describeError(err.details ?? { kind: err.kind, message: err.message }, { companionUrl: current.companionUrl });
    setMessage(out, `${d.title}. ${d.fix}`);
    out.className = 'msg err';
  } finally {
    button.disabled = false;
  }
}

/** Firefox lets the user revoke host permissions: ask again, from this click. */
async function grant() {
  const origins = [];
  const companion = validateCompanionUrl(current?.companionUrl);
  if (companion.ok) origins.push(companionOriginPattern(companion.url));
  const url = current?.state?.url;
  if (url && /^https?:/.test(url)) origins.push(`${new URL(url).protocol}//${new URL(url).hostname}/*`);
  try {
    const granted = await ext.permissions.request({ origins });
    if (granted) await analyse();
  } catch (err) {
    $('problem-fix').textContent = `The browser refused: ${err.message}`;
  }
}

async function highlight() {
  try {
    const { shown, count } = await ask('highlight', { tabId: current.tabId });
    $('highlight').textContent = shown ? `Hide highlights (${count})` : 'Highlight links';
  } catch (err) {
    $('highlight').textContent = 'Cannot highlight here';
    $('highlight').title = err.message;
  }
}

/** Check this page as a guest-post draft: the background opens the report in a tab. */
async function checkAsDraft() {
  const button = $('check-draft');
  button.disabled = true;
  try {
    await ask('check-draft-tab', { tabId: current.tabId });
  } catch (err) {
    button.textContent = 'Cannot check this page';
    button.title = err.message;
  } finally {
    button.disabled = false;
  }
}

/**
 * Pages the recheck could not judge (refused, built by script): "Check N pages now" has the
 * background open each in a background tab, one at a time (lib/browser-checks.js).
 */
async function browserChecks() {
  let status;
  try {
    status = await ask('browser-checks-status');
  } catch {
    return; // not paired, companion down: the verdict card says so
  }
  const n = status.total ?? 0;
  const last = status.last;
  const done = last?.finished ? last.pages.filter((p) => p.outcome).length : null;
  if (!n && done === null) return;
  const button = $('browser-checks-run');
  button.textContent = `Check ${n} page${n === 1 ? '' : 's'} now`;
  button.disabled = !n || status.running;
  $('browser-checks-text').textContent = status.running
    ? 'Checking them one at a time in background tabs…'
    : `${n} page${n === 1 ? '' : 's'} could not be checked by the recheck (the site refused it, or builds its links ` +
      `with JavaScript). Your browser can check them: each opens in a background tab, one at a time, and closes.` +
      (done !== null ? ` Last run: ${done} of ${last.total} checked.` : '');
  show('browser-checks', true);
}

async function runBrowserChecks() {
  const button = $('browser-checks-run');
  button.disabled = true;
  try {
    await ask('browser-checks-run');
    $('browser-checks-text').textContent = 'Checking them one at a time in background tabs…';
  } catch (err) {
    $('browser-checks-text').textContent = err.message;
    button.disabled = false;
  }
}

async function main() {
  $('note').maxLength = MAX_NOTE; // the companion's own cap (lib/limits.js, generated)
  $('save-boost').addEventListener('click', () => save('boost'));
  $('save-tier2').addEventListener('click', () => save('tier2'));
  $('reanalyse').addEventListener('click', analyse);
  $('problem-retry').addEventListener('click', analyse);
  $('problem-grant').addEventListener('click', grant);
  $('highlight').addEventListener('click', highlight);
  $('check-draft').addEventListener('click', checkAsDraft);
  $('mark-guest-post').addEventListener('click', markGuestPost);
  $('find-contacts').addEventListener('click', findContacts);
  $('browser-checks-run').addEventListener('click', runBrowserChecks);
  browserChecks();
  const openOptions = (event) => { event.preventDefault(); ext.runtime.openOptionsPage(); };
  $('options').addEventListener('click', openOptions);
  $('problem-options').addEventListener('click', openOptions);

  const tabId = await targetTabId();
  if (tabId === undefined) {
    render({ tabId, state: { error: { kind: 'unsupported-page' } }, dashboard: '#' });
    return;
  }
  current = { tabId, state: null, dashboard: '#' };
  try {
    // Show what is known at once, then analyse the live page again.
    const stored = await ask('get-tab-state', { tabId });
    if (stored.state?.analysis) render(stored);
    else current = stored;
  } catch {
    // nothing stored yet
  }
  await analyse();
}

main();

// The tier-2 pacing guard (issue 28): a suggested tier-1 page that would get too many tier-2
// links this week, or an anchor it already got, says so under the suggestion.
function paceWarnings(suggestion) {
  return (suggestion.warnings ?? []).map((w) => el('div', { cls: 'why warn', text: `⚠ ${w.message}` }));
}
