import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DRAFT_CHARS, TARGET_WORDS, WARNING_TITLES, checkDraft, draftBody, draftSummary, sortedLinks, targetWords, warningTitle } from '../lib/draft-report.js';

const report = (extra = {}) => ({ links: [], own_links: 0, limit: 2, warnings: [], suggestions: [], ...extra });
const link = (target, i = 0) => ({ href: `https://${target}.test/${i}`, text: 'a', rel: [], follow: true, target });

test('every CONTRACT warning code and link target has words', () => {
  for (const code of ['too_many_own_links', 'nofollow_link', 'competitor_link', 'tier3_link', 'competing_tier1',
    'footprint', 'repeated_anchor', 'relative_link']) assert.ok(WARNING_TITLES[code], code);
  for (const t of ['me', 'tier1', 'competitor', 'owned', 'internal', 'other']) assert.ok(TARGET_WORDS[t], t);
  assert.equal(warningTitle('some_new_code'), 'some new code');
  assert.equal(targetWords('me'), 'your site');
});

test('summary: over the limit is bad and says by how much; warnings alone are a warning', () => {
  const over = draftSummary(report({ own_links: 3, limit: 2, links: [link('me'), link('me'), link('me')] }));
  assert.equal(over.tone, 'bad');
  assert.match(over.headline, /1 over the host's limit of 2/);
  assert.match(over.detail, /^3 links in the draft, 0 warnings$/);
  const warn = draftSummary(report({ own_links: 1, warnings: [{ code: 'footprint', message: 'm' }] }));
  assert.equal(warn.tone, 'warn');
  assert.equal(warn.headline, '1 of 2 allowed links to your site');
  assert.equal(draftSummary(report({ limit: 1 })).headline, '0 of 1 allowed link to your site');
  assert.equal(draftSummary(report()).tone, 'good');
  assert.equal(draftSummary(undefined).tone, 'good');
});

test('links are listed most important first, stable within a target', () => {
  const links = [link('other', 1), link('me', 2), link('internal', 3), link('tier1', 4), link('me', 5), link('competitor', 6)];
  assert.deepEqual(sortedLinks(report({ links })).map((l) => l.href.split('/').pop()), ['2', '5', '4', '6', '1', '3']);
});

test('request body: exactly one form, host only when http(s), capped size', () => {
  assert.deepEqual(draftBody({ html: '<a href="/x">x</a>', hostUrl: 'https://host.test/p' }), { html: '<a href="/x">x</a>', host_url: 'https://host.test/p' });
  assert.deepEqual(draftBody({ html: '', text: 'see https://x.test', hostUrl: 'chrome://newtab' }), { text: 'see https://x.test' });
  assert.equal(draftBody({ html: '  ', text: '\n' }), null);
  assert.equal(draftBody(), null);
  assert.equal(draftBody({ text: 'x'.repeat(MAX_DRAFT_CHARS + 10) }).text.length, MAX_DRAFT_CHARS);
});

test('checkDraft posts to /api/drafts/check and refuses what is not a DraftReport', async () => {
  const calls = [];
  const client = { request: async (method, path, opts) => { calls.push([method, path, opts.body]); return { data: report({ own_links: 1 }) }; } };
  const got = await checkDraft(client, { text: 'x' });
  assert.equal(got.own_links, 1);
  assert.deepEqual(calls, [['POST', '/api/drafts/check', { text: 'x' }]]);
  const bad = { request: async () => ({ data: { links: 'no' } }) };
  await assert.rejects(checkDraft(bad, { text: 'x' }), (err) => err.kind === 'bad-response');
});
