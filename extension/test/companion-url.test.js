import { test } from 'node:test';
import assert from 'node:assert/strict';
import { companionOriginPattern, dashboardUrl, isCompanionPage, validateCompanionUrl } from '../lib/companion-url.js';

test('loopback addresses are accepted and normalised to an origin', () => {
  assert.deepEqual(validateCompanionUrl('http://127.0.0.1:8765'), { ok: true, url: 'http://127.0.0.1:8765' });
  assert.deepEqual(validateCompanionUrl('http://localhost:9000/'), { ok: true, url: 'http://localhost:9000' });
  assert.deepEqual(validateCompanionUrl('127.0.0.1:8765'), { ok: true, url: 'http://127.0.0.1:8765' });
  assert.deepEqual(validateCompanionUrl(' HTTP://LOCALHOST:8765 '), { ok: true, url: 'http://localhost:8765' });
  assert.deepEqual(validateCompanionUrl('http://[::1]:8765'), { ok: true, url: 'http://[::1]:8765' });
});

test('anything that could send pages off this computer is refused, with a reason', () => {
  for (const bad of ['http://example.com:8765', 'http://192.168.1.5:8765', 'http://127.0.0.2:8765',
    'http://127.0.0.1.nip.io:8765', 'http://localhost.evil.test:8765', 'https://127.0.0.1:8765',
    'ftp://127.0.0.1', 'http://user:pw@127.0.0.1:8765', 'http://127.0.0.1:8765/api', 'http://127.0.0.1:8765/?x=1',
    '', '   ', 'http://']) {
    const v = validateCompanionUrl(bad);
    assert.equal(v.ok, false, bad);
    assert.ok(v.error.length > 10, bad);
  }
});

test('the host permission pattern and the dashboard address', () => {
  assert.equal(companionOriginPattern('http://127.0.0.1:8765'), 'http://127.0.0.1/*');
  assert.equal(companionOriginPattern('http://localhost:1'), 'http://localhost/*');
  assert.equal(dashboardUrl('http://127.0.0.1:8765', 'ab-c_d'), 'http://127.0.0.1:8765/#token=ab-c_d');
  assert.equal(dashboardUrl('http://127.0.0.1:8765/', 'a b'), 'http://127.0.0.1:8765/#token=a%20b');
  assert.equal(dashboardUrl('http://127.0.0.1:8765', ''), 'http://127.0.0.1:8765/');
});

test("the companion's own pages (the dashboard) are never analysed", () => {
  assert.ok(isCompanionPage('http://127.0.0.1:8765/#token=abc', 'http://127.0.0.1:8765'));
  assert.ok(isCompanionPage('http://localhost:8765/candidates', 'http://127.0.0.1:8765'));
  assert.ok(!isCompanionPage('http://127.0.0.1:8000/post.html', 'http://127.0.0.1:8765'));
  assert.ok(!isCompanionPage('https://example.com:8765/', 'http://127.0.0.1:8765'));
  assert.ok(!isCompanionPage('not a url', 'http://127.0.0.1:8765'));
  assert.ok(!isCompanionPage('http://127.0.0.1:8765/', 'http://example.com:8765'));
});
