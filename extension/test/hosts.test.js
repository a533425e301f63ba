import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostMatches, isAnalysableUrl, isExcluded, normalisePattern, parseExcludeList } from '../lib/hosts.js';

test('a wildcard covers the domain itself and every subdomain, nothing else', () => {
  assert.ok(isExcluded('https://bank.com/login', ['*.bank.com']));
  assert.ok(isExcluded('https://www.online.bank.com/x', ['*.bank.com']));
  assert.ok(!isExcluded('https://notbank.com/', ['*.bank.com']));
  assert.ok(!isExcluded('https://bank.com.evil.test/', ['*.bank.com']));
});

test('a plain host matches only that host, ignoring case, port and trailing dot', () => {
  assert.ok(isExcluded('https://MAIL.Google.com:443/mail/u/0/', ['mail.google.com']));
  assert.ok(isExcluded('https://mail.google.com./', ['mail.google.com']));
  assert.ok(!isExcluded('https://google.com/', ['mail.google.com']));
  assert.ok(!isExcluded('https://docs.google.com/', ['mail.google.com']));
});

test('pasted URLs and odd spacing become host patterns', () => {
  assert.equal(normalisePattern('https://Mail.Google.com/mail/u/0/#inbox'), 'mail.google.com');
  assert.equal(normalisePattern('  *.Bank.COM.  '), '*.bank.com');
  assert.equal(normalisePattern('intranet.local:8080'), 'intranet.local');
  assert.equal(normalisePattern('*'), '');
  assert.equal(normalisePattern('foo*.com'), '');
  assert.equal(normalisePattern('# a comment'), '');
  assert.deepEqual(parseExcludeList('*.bank.com\nmail.google.com\n\n  MAIL.google.com \nhttps://x.test/a, y.test'),
    ['*.bank.com', 'mail.google.com', 'x.test', 'y.test']);
});

test('unparseable URLs and empty lists exclude nothing', () => {
  assert.ok(!isExcluded('not a url', ['*.bank.com']));
  assert.ok(!isExcluded('https://bank.com/', []));
  assert.ok(!isExcluded('https://bank.com/', undefined));
  assert.ok(!hostMatches('', 'bank.com'));
});

test('only http(s) pages are analysable', () => {
  assert.ok(isAnalysableUrl('http://blog.test/post'));
  assert.ok(isAnalysableUrl('https://blog.test/post'));
  for (const url of ['chrome://extensions', 'about:blank', 'file:///etc/passwd', 'moz-extension://x/popup.html', 'data:text/html,x', '']) {
    assert.ok(!isAnalysableUrl(url), url);
  }
});

test('a content script may report a new address within its own origin only (single-page sites)', async () => {
  const { reportedPageUrl } = await import('../lib/hosts.js');
  assert.equal(reportedPageUrl('https://app.test/b?x=1', 'https://app.test/a'), 'https://app.test/b?x=1');
  assert.equal(reportedPageUrl('https://evil.test/b', 'https://app.test/a'), 'https://app.test/a');
  assert.equal(reportedPageUrl('http://app.test/b', 'https://app.test/a'), 'https://app.test/a');
  assert.equal(reportedPageUrl('not a url', 'https://app.test/a'), 'https://app.test/a');
  assert.equal(reportedPageUrl(undefined, 'https://app.test/a'), 'https://app.test/a');
});
