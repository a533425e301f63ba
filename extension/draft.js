/**
 * The draft report page (draft.html?id=…): shows a DraftReport the background
 * stored after "Check as a draft" or "Check selection as a guest-post draft".
 * It asks the background for the report; every text goes in with textContent.
 */

import { ext } from './lib/browser.js';
import { $, el, setMessage, show } from './lib/dom.js';
import { describeError } from './lib/errors.js';
import { draftSummary, sortedLinks, targetWords, warningTitle } from './lib/draft-report.js';

const TONES = { me: 'good', tier1: 'info', competitor: 'bad', owned: 'warn' };

function problem(error) {
  let d;
  if (error?.kind === 'empty-draft') {
    d = { title: 'Nothing to check', fix: 'Select the draft text (with its links) first, then use the menu item again.' };
  } else if (error?.kind === 'not-found') {
    d = { title: 'This report is gone', fix: 'Reports last while the browser runs. Check the draft again.' };
  } else if (error?.kind === 'bad-request' || error?.kind === 'too-large') {
    d = { title: 'The companion could not check this draft', fix: error.message || error.kind };
  } else {
    d = describeError(error ?? { kind: 'unknown' });
  }
  $('problem-title').textContent = d.title;
  setMessage($('problem-fix'), d.fix);
  show('problem', true);
}

function render(entry) {
  const { report, source } = entry;
  const s = draftSummary(report);
  $('summary').className = `card summary ${s.tone}`;
  $('headline').textContent = s.headline;
  $('detail').textContent = s.detail;
  const what = source?.kind === 'selection' ? 'Selection on' : 'Page';
  $('source').textContent = source?.url ? `${what} ${source.url}` : '';
  $('source').title = source?.url ?? '';
  show('summary', true);

  const warnings = (report.warnings ?? []).map((w) => el('li', {},
    el('div', { cls: 'row' }, el('span', { cls: `chip ${w.code === 'too_many_own_links' ? 'bad' : 'warn'}`, text: warningTitle(w.code) }),
      el('span', { text: w.message ?? '' })),
    w.href ? el('span', { cls: 'href mono', text: w.href }) : ''));
  $('warnings-list').replaceChildren(...warnings);
  show('warnings', warnings.length > 0);

  const links = sortedLinks(report).map((l) => el('li', {},
    el('div', { cls: 'row' },
      el('span', { cls: `chip ${TONES[l.target] ?? ''}`, text: targetWords(l.target) }),
      el('span', { cls: `chip ${l.follow === false ? 'warn' : ''}`, text: l.follow === false ? (l.rel ?? []).join(' ') || 'nofollow' : 'followed' }),
      el('span', { cls: 'anchor', text: l.text ? `“${l.text}”` : '(no anchor text)' })),
    el('span', { cls: 'href mono', text: l.href ?? '' })));
  $('links-list').replaceChildren(...links);
  show('links', links.length > 0);

  const ideas = (report.suggestions ?? []).map((x) => el('li', {},
    el('div', { cls: 'row' }, el('span', { cls: 'anchor', text: x.anchor ? `“${x.anchor}”` : '(any anchor)' }),
      el('span', { cls: 'href mono', text: x.tier1_url ?? '' })),
    x.why ? el('span', { cls: 'muted small', text: x.why }) : ''));
  $('suggestions-list').replaceChildren(...ideas);
  show('suggestions', ideas.length > 0);
}

async function main() {
  const id = new URLSearchParams(location.search).get('id') ?? '';
  let answer;
  try {
    answer = await ext.runtime.sendMessage({ type: 'get-draft-report', id });
  } catch (err) {
    answer = { ok: false, error: { kind: 'unknown', message: String(err?.message ?? err) } };
  }
  show('loading', false);
  if (!answer?.ok) return problem(answer?.error);
  if (answer.result.error) return problem(answer.result.error);
  render(answer.result);
}

main();
