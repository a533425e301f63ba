// The main frame's response headers that go with a page: X-Robots-Tag only, and only for its own document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headersForPage, pageHeaders } from '../lib/headers.js';

test('keeps X-Robots-Tag (any case, repeated), drops every other header', () => {
  const got = pageHeaders([
    { name: 'Content-Type', value: 'text/html' },
    { name: 'X-Robots-Tag', value: 'noindex' },
    { name: 'x-robots-tag', value: 'googlebot: nofollow' },
    { name: 'Set-Cookie', value: 'secret=1' },
  ]);
  assert.deepEqual(got, { 'x-robots-tag': ['noindex', 'googlebot: nofollow'] });
});

test('nothing worth sending is null; odd input is ignored', () => {
  assert.equal(pageHeaders([{ name: 'Server', value: 'nginx' }]), null);
  assert.equal(pageHeaders(undefined), null);
  assert.equal(pageHeaders([{ name: 'X-Robots-Tag' }, null, { value: 'x' }]), null);
  assert.equal(pageHeaders([{ name: 'X-Robots-Tag', value: 'n'.repeat(10000) }])['x-robots-tag'][0].length, 8192);
});

test('headers go with their own document only', () => {
  const record = { url: 'https://blog.test/post', headers: { 'x-robots-tag': ['nofollow'] } };
  assert.deepEqual(headersForPage(record, 'https://blog.test/post#comments'), record.headers);
  assert.equal(headersForPage(record, 'https://blog.test/other'), null);
  assert.equal(headersForPage(null, 'https://blog.test/post'), null);
});
