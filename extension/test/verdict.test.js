import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BADGES, NO_DOMAIN, badgeFor, badgeForState, changeWords, healthProblem, healthSummary, highlightPlan, labelWords, noDomainSet,
  reasonParts, relWords, verdictFor,
} from '../lib/verdict.js';
import { codeParts } from '../lib/errors.js';

const analysis = (labels, extra = {}) => ({
  url: 'https://blog.test/post', canonical: 'https://blog.test/post', title: 'Post', lang: 'en',
  robots: { noindex: false, nofollow: false }, indexable: true, links: [], counts: { links: 0, internal: 0, external: 0, external_follow: 0 },
  labels, boost: null, tier2: null, changes: [], notes: [], ...extra,
});
const link = (target, extra = {}) => ({ href: `https://${target}.test/x`, text: 'anchor', rel: [], follow: true, position: 'content', internal: false, target, ...extra });

test('badge per the contract: T1, LOST, T2, empty', () => {
  assert.equal(badgeFor(analysis(['tier1'])).text, 'T1');
  assert.equal(badgeFor(analysis(['tier1', 'worth_boosting', 'tier2_opportunity'])).text, 'T1');
  assert.equal(badgeFor(analysis(['link_lost'])).text, 'LOST');
  assert.equal(badgeFor(analysis(['link_lost', 'tier2_opportunity'])).text, 'LOST');
  assert.equal(badgeFor(analysis(['placement_lost'])).text, 'LOST');
  assert.equal(badgeFor(analysis(['tier1', 'placement_lost'])).text, 'LOST');
  assert.equal(badgeFor(analysis(['tier2_opportunity'])).text, 'T2');
  assert.equal(badgeFor(analysis(['tier2_existing'])).text, 'T2');
  assert.equal(badgeFor(analysis(['competitor_linker'])).text, '');
  assert.equal(badgeFor(analysis([])).text, '');
  assert.equal(badgeFor(null).text, '');
  assert.equal(badgeFor({ labels: 'tier1' }).text, '');
});

test('every badge has its own colour', () => {
  const colours = Object.values(BADGES).map((b) => b.color);
  assert.equal(new Set(colours).size, colours.length);
  for (const c of colours) assert.match(c, /^#[0-9a-f]{6}$/);
});

test('a stored tab state: OFF when the companion cannot be used, empty for excluded pages', () => {
  for (const kind of ['unreachable', 'database-unavailable', 'not-paired', 'bad-token', 'forbidden', 'bad-companion-url', 'no-companion-permission']) {
    assert.equal(badgeForState({ error: { kind } }).text, 'OFF', kind);
  }
  for (const kind of ['excluded', 'unsupported-page', 'too-large', 'no-page-access']) {
    assert.equal(badgeForState({ error: { kind } }).text, '', kind);
  }
  assert.equal(badgeForState({ analysis: analysis(['tier1']) }).text, 'T1');
  assert.equal(badgeForState(null).text, '');
});

test("verdict wording: the companion's reasons first, ours only when it gave none", () => {
  const a = analysis(['tier1', 'worth_boosting'], {
    links: [link('me'), link('me', { rel: ['nofollow'], follow: false })],
    boost: { score: 64, reasons: ['DR 54 site', 'link in the content'] },
    notes: ['page was cut at 10 MB'],
  });
  const v = verdictFor(a);
  assert.equal(v.tone, 'good');
  assert.match(v.headline, /Links to you 2×/);
  assert.deepEqual(v.labels, ['Links to your site', 'Worth boosting with tier-2 links']);
  assert.deepEqual(v.reasons, ['DR 54 site', 'link in the content', 'page was cut at 10 MB']);
  assert.deepEqual(v.scores, [{ kind: 'boost', label: 'Boost score 64/100', score: 64 }]);

  const bare = verdictFor(analysis(['tier1'], { links: [link('me'), link('me', { rel: ['ugc'], follow: false })] }));
  assert.deepEqual(bare.reasons, ['1 of 2 links are followed (the rest are nofollow, ugc or sponsored).']);
  assert.deepEqual(bare.scores, []);
  assert.equal(verdictFor(analysis(['tier1'], { links: [link('me')] })).headline, 'Links to you (tier 1)');
  assert.equal(verdictFor(analysis(['link_lost'])).tone, 'bad');
  const t2 = verdictFor(analysis(['tier2_opportunity'], { tier2: { score: 50, reasons: ['on topic'], suggestions: [] } }));
  assert.deepEqual(t2.reasons, ['on topic']);
  assert.equal(t2.scores[0].label, 'Tier-2 score 50/100');
  assert.match(verdictFor(analysis([], { robots: { noindex: true, nofollow: false }, indexable: false })).reasons[0], /noindex/);
  assert.match(verdictFor(analysis([], { indexable: false, indexability: { state: 'not_indexable',
    reasons: ['its canonical points to another page (https://blog.test/x)'], codes: ['canonical_elsewhere'] } })).reasons[0],
  /canonical points to another page/);
  assert.match(verdictFor(analysis([], { indexable: false })).reasons[0], /not indexable/);
  assert.equal(verdictFor(analysis([])).headline, 'Nothing of note on this page');
  assert.equal(verdictFor(null).headline, 'Not analysed yet');
  assert.equal(labelWords('something_new'), 'Something new'); // a label newer than the popup: words, never the code
  assert.match(labelWords('broken_target'), /redirect/);
  // a broken target is still a tier-1 page: T1 badge, the companion's reason (redirect …) first
  const broken = verdictFor(analysis(['tier1', 'broken_target'], { boost: { score: 40, reasons: ['redirect https://me.test/old to a live page to recover this link'] } }));
  assert.equal(broken.reasons[0], 'redirect https://me.test/old to a live page to recover this link');
  assert.equal(badgeFor(analysis(['tier1', 'broken_target'])).text, 'T1');
});

test('rel, changes and highlight plan', () => {
  assert.equal(relWords(link('me')), 'follow');
  assert.equal(relWords(link('me', { rel: ['nofollow', 'noopener', 'ugc'], follow: false })), 'nofollow, ugc');
  assert.equal(relWords(link('me', { follow: false })), 'nofollow (robots)');
  assert.match(changeWords({ kind: 'lost', target: 'https://me.test/', was: 'anchor', now: null }), /^Lost/);
  assert.equal(changeWords({ kind: 'rel_changed', target: 'https://me.test/', was: [], now: ['nofollow'] }),
    'Rel changed on the link to https://me.test/: follow → nofollow.');
  const plan = highlightPlan(analysis([], {
    links: [link('me'), link('tier1', { follow: false, rel: ['ugc'] }), link('other', { rel: ['sponsored'], follow: false }),
      link('other'), link('internal', { internal: true })],
  }));
  assert.deepEqual(plan.map((p) => p.kind), ['me', 'tier1-nofollow', 'nofollow']);
});

test('every change kind the companion reports reads as words', () => {
  const target = 'https://acme.test/p';
  assert.match(changeWords({ kind: 'lost', target, was: 'a', now: null }), /^Lost: /);
  assert.match(changeWords({ kind: 'restored', target, was: 'lost', now: 'live' }), /^Back again: /);
  assert.match(changeWords({ kind: 'new', target, was: null, now: 'x' }), /^New link/);
  assert.match(changeWords({ kind: 'something_later', target }), /^Something later: /);
});

test('a degraded companion reads "!" with its message, never a green T1', () => {
  const degraded = { status: 'degraded', problem: { code: 'database_unavailable', message: 'cannot reach the database at db.test:5432' }, domains_set: true };
  const badge = badgeForState({ analysis: analysis(['tier1']), health: degraded });
  assert.equal(badge.text, '!');
  assert.equal(badge.color, BADGES.PROBLEM.color);
  assert.match(badge.title, /cannot reach the database at db\.test:5432/);
  assert.equal(badgeForState({ analysis: analysis(['tier1']), health: { status: 'ok', domains_set: true } }).text, 'T1');
  assert.equal(badgeForState({ error: { kind: 'unreachable' }, health: degraded }).text, 'OFF');
  // the companion failed (a damaged store): its own word on why, not an empty badge
  assert.equal(badgeForState({ error: { kind: 'server-error' }, health: degraded }).text, '!');
  assert.equal(badgeForState({ error: { kind: 'server-error' } }).text, '');
  assert.equal(healthProblem({ status: 'degraded' }), 'it did not say which');
  assert.equal(healthProblem({ status: 'ok' }), null);
  assert.equal(healthProblem(null), null);
});

test('only the health fields the popup uses are kept, typed', () => {
  assert.deepEqual(healthSummary({ status: 'degraded', version: '1', store: 'postgresql', problem: { code: 'store_damaged', message: 'x'.repeat(2000) }, domains_set: false }),
    { status: 'degraded', problem: { code: 'store_damaged', message: 'x'.repeat(1000) }, domains_set: false });
  assert.deepEqual(healthSummary({ status: 'ok', version: '1' }), { status: 'ok' });
  assert.equal(healthSummary(null), null);
});

test('no domain set: said plainly, with what to run, instead of "nothing of note"', () => {
  assert.equal(noDomainSet({ status: 'ok', domains_set: false }), true);
  assert.equal(noDomainSet({ status: 'ok', domains_set: true }), false);
  assert.equal(noDomainSet({ status: 'ok' }), false); // an older companion that does not say
  const v = verdictFor(analysis([]), { domainsSet: false });
  assert.notEqual(v.headline, 'Nothing of note on this page');
  assert.match(v.headline, /no domain is set/);
  assert.match(NO_DOMAIN.fix, /`tierlink init --domain example\.com`/);
  assert.equal(verdictFor(analysis(['tier2_opportunity']), { domainsSet: false }).headline, 'A tier-2 spot');
  const badge = badgeForState({ analysis: analysis([]), health: { status: 'ok', domains_set: false } });
  assert.equal(badge.text, '');
  assert.match(badge.title, /No domain of yours is set: run tierlink init --domain/);
});

test("a reason's signal code is split off: words and points only", () => {
  assert.deepEqual(reasonParts('the link to me is followed [boost.followed +15]'), { text: 'the link to me is followed', points: '+15', signal: 'boost.followed' });
  assert.deepEqual(reasonParts('few links [tier2.few_outbound -5]'), { text: 'few links', points: '-5', signal: 'tier2.few_outbound' });
  assert.deepEqual(reasonParts('a plain reason'), { text: 'a plain reason', points: '', signal: '' });
});

test('no word the popup can show is a raw label code', () => {
  const codes = ['tier1', 'worth_boosting', 'link_lost', 'link_changed', 'tier2_existing', 'tier2_opportunity', 'competitor_linker',
    'owned_site', 'tier3', 'placement_lost', 'broken_target', 'a_future_label'];
  for (const code of codes) {
    const words = labelWords(code);
    assert.doesNotMatch(words, /_/, code);
    assert.notEqual(words, code, code);
  }
  const v = verdictFor(analysis(codes, { boost: { score: 50, reasons: ['followed [boost.followed +15]'] } }));
  for (const text of [v.headline, ...v.labels]) assert.doesNotMatch(text, /\b[a-z0-9]+_[a-z0-9_]+\b/, text);
});

test('code in a message is marked as code, the backticks dropped', () => {
  assert.deepEqual(codeParts('Start it with `tierlink serve`, then retry.'), [
    { text: 'Start it with ', code: false }, { text: 'tierlink serve', code: true }, { text: ', then retry.', code: false }]);
  assert.deepEqual(codeParts('an odd ` backtick'), [{ text: 'an odd ` backtick', code: false }]);
  assert.deepEqual(codeParts(''), []);
});
