import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_DRAFT_CHARS, TARGET_WORDS, WARNING_TITLES, checkDraft, draftBody, draftSummary, sortedLinks, targetWords, warningTitle } from '../lib/draft-report.js';

const report = (extra = {}) => ({ links: [], own_links: 0, limit: 2, warnings: [], suggestions: [], ...extra });
const link = (target, i = 0) => ({ href: `https://${target}.test/${i}`, text: 'a', rel: [], follow: true, target });

// The companion is the one that emits warning codes and link targets: read them from its code,
// so a code it starts to emit without words here (or words kept for a code it dropped) fails.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const companionSource = (path) => readFileSync(join(ROOT, path), 'utf8');

/** Every warning code companion/verdicts/drafts.py writes: `warn("code", ...)` and `{"code": "code", ...}`. */
function emittedWarningCodes() {
  const source = companionSource('companion/verdicts/drafts.py');
  const codes = new Set();
  for (const m of source.matchAll(/\bwarn\(\s*"([a-z0-9_]+)"/g)) codes.add(m[1]);
  for (const m of source.matchAll(/\{\s*"code":\s*"([a-z0-9_]+)"/g)) codes.add(m[1]);
  return codes;
}

/** The `target` enum of a DraftReport link in the served OpenAPI description (companion/web/openapi.py). */
function servedDraftTargets() {
  const source = companionSource('companion/web/openapi.py');
  const report = source.slice(source.indexOf('"DraftReport":'));
  const m = report.match(/"target":\s*\{"enum":\s*\[([^\]]*)\]/);
  assert.ok(m, 'no target enum in the DraftReport schema of companion/web/openapi.py');
  return new Set([...m[1].matchAll(/"([a-z0-9_]+)"/g)].map((x) => x[1]));
}

test('every warning code the companion emits has a title, and no title is for a code it never emits', () => {
  const emitted = emittedWarningCodes();
  assert.ok(emitted.size >= 5, `found only ${[...emitted]} in companion/verdicts/drafts.py: has the way it warns changed?`);
  assert.deepEqual([...emitted].filter((code) => !WARNING_TITLES[code]), [], 'codes with no words in WARNING_TITLES');
  assert.deepEqual(Object.keys(WARNING_TITLES).filter((code) => !emitted.has(code)), [], 'titles for codes never emitted');
  assert.equal(warningTitle('some_new_code'), 'some new code');
});

test('every link target the companion serves has words', () => {
  const targets = servedDraftTargets();
  assert.ok(targets.has('me') && targets.size >= 4, [...targets].join());
  assert.deepEqual([...targets].filter((t) => !TARGET_WORDS[t]), []);
  assert.deepEqual(Object.keys(TARGET_WORDS).filter((t) => !targets.has(t)), []);
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
