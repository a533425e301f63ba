import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompanionError, codeParts, describeError, kindForStatus } from '../lib/errors.js';

test('HTTP statuses map to error kinds', () => {
  assert.equal(kindForStatus(401), 'bad-token');
  assert.equal(kindForStatus(403), 'forbidden');
  assert.equal(kindForStatus(413), 'too-large');
  assert.equal(kindForStatus(400), 'bad-request');
  assert.equal(kindForStatus(500), 'server-error');
  // team mode: the companion answers, its shared database does not; shown as the companion being off
  assert.equal(kindForStatus(503, 'database_unavailable'), 'database-unavailable');
  assert.equal(kindForStatus(503, 'busy'), 'server-error');
  assert.match(describeError({ kind: 'database-unavailable', message: 'db.team.test:5432/links' }).fix, /db\.team\.test.*try again/);
});

test('each user-facing error says what is wrong and how to fix it', () => {
  const kinds = ['unreachable', 'database-unavailable', 'not-paired', 'bad-token', 'forbidden', 'bad-companion-url', 'no-companion-permission',
    'no-page-access', 'unsupported-page', 'excluded', 'too-large', 'timeout', 'bad-request', 'server-error', 'bad-response', 'weird'];
  for (const kind of kinds) {
    const d = describeError({ kind });
    assert.ok(d.title.length > 5, kind);
    assert.ok(d.fix.length > 5, kind);
  }
  assert.match(describeError({ kind: 'unreachable' }, { companionUrl: 'http://127.0.0.1:9999' }).fix, /127\.0\.0\.1:9999.*tierlink serve/);
  assert.match(describeError({ kind: 'bad-token' }).fix, /tierlink token/);
  assert.equal(describeError({ kind: 'no-companion-permission' }).action, 'grant');
  assert.equal(describeError({ kind: 'not-paired' }).action, 'options');
  assert.match(describeError({ kind: 'server-error', message: 'disk full' }).fix, /disk full/);
});

test('a CompanionError survives messaging as plain JSON', () => {
  const e = new CompanionError('bad-token', 'missing or wrong token', { status: 401, code: 'unauthorized' });
  assert.deepEqual(JSON.parse(JSON.stringify(e)), { kind: 'bad-token', message: 'missing or wrong token', status: 401, code: 'unauthorized' });
  assert.ok(e instanceof Error);
});

test('every message shows commands as code: no stray backtick reaches the page', () => {
  const kinds = ['unreachable', 'database-unavailable', 'not-paired', 'bad-token', 'forbidden', 'bad-companion-url', 'no-companion-permission',
    'no-page-access', 'unsupported-page', 'excluded', 'too-large', 'timeout', 'bad-request', 'server-error', 'bad-response', 'weird'];
  for (const kind of kinds) {
    const d = describeError({ kind, message: 'send the token (`tierlink token` prints it)' });
    for (const text of [d.title, d.fix]) {
      for (const part of codeParts(text)) assert.ok(!part.text.includes('`'), `${kind}: ${text}`);
    }
  }
});

test('the OFF message points to starting at login', () => {
  const fix = describeError({ kind: 'unreachable' }).fix;
  const code = codeParts(fix).filter((p) => p.code).map((p) => p.text);
  assert.deepEqual(code, ['tierlink serve', 'tierlink autostart enable']);
  assert.match(fix, /at every login/);
});
