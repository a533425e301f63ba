import test from 'node:test';
import assert from 'node:assert/strict';
import { contactRows, findSummary, hasAddress, warningLines } from '../lib/contacts.js';

test('rows put addresses first and link only to http(s) pages and mailto', () => {
  const rows = contactRows({
    emails: [{ address: 'ed@site.test', found: 'mailto: link' }],
    pages: [{ url: 'https://site.test/write-for-us', kind: 'write_for_us' }, { url: 'javascript:alert(1)', kind: 'contact' }],
    authors: [{ name: 'Ann Lee', url: 'https://site.test/author/ann' }],
    social: [{ url: 'https://twitter.com/annlee', network: 'x', of: 'author' }],
  });
  assert.deepEqual(rows.map((r) => [r.label, r.href]), [
    ['E-mail', 'mailto:ed@site.test'], ['Write for us', 'https://site.test/write-for-us'], ['Contact page', null],
    ['Author', 'https://site.test/author/ann'], ['X (Twitter) (author)', 'https://twitter.com/annlee']]);
});

test('nothing, or rubbish, gives no rows', () => {
  assert.deepEqual(contactRows(null), []);
  assert.deepEqual(contactRows({ emails: 'x', pages: [null, 3] }), []);
  assert.equal(hasAddress({ emails: [] }), false);
  assert.equal(hasAddress({ emails: [{ address: 'a@b.test' }] }), true);
});

test('long lists are cut with a pointer to the dashboard', () => {
  const rows = contactRows({ social: Array.from({ length: 20 }, (_, i) => ({ url: `https://github.com/u${i}`, network: 'github' })) });
  assert.equal(rows.length, 13);
  assert.match(rows.at(-1).text, /^and 8 more/);
});

test('warnings and the Find contacts summary', () => {
  assert.deepEqual(warningLines([{ message: 'site.test was already pitched by alice' }, {}]), ['site.test was already pitched by alice']);
  assert.deepEqual(warningLines(undefined), []);
  assert.equal(findSummary({ contacts: { emails: [{ address: 'a@b.test' }] }, fetched: [{ url: 'x', status: 200 }] }).ok, true);
  assert.match(findSummary({ contacts: {}, fetched: [{ url: 'x', skipped: 'robots.txt disallows it' }] }).text, /robots\.txt/);
});
