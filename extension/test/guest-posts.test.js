import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestPostNotice, offerMarking } from '../lib/guest-posts.js';

const post = (over = {}) => ({
  url: 'https://blog.test/my-post', title: 'My post', host: 'blog.test', needs_links: true,
  indexability: { state: 'unknown', reasons: [] }, note: 'Hello,\n...',
  suggestions: [1, 2, 3, 4].map((i) => ({ url: `https://blog.test/p${i}`, anchor: 'my post', why: `w${i}` })), ...over,
});

test('no notice on a host without guest posts, or with none needing links', () => {
  assert.equal(guestPostNotice({ labels: [] }), null);
  assert.equal(guestPostNotice({ guest_posts: { host: 'blog.test', needs_links: [] } }), null);
});

test('the notice lists the posts with at most three suggestions and the note', () => {
  const n = guestPostNotice({ guest_posts: { host: 'blog.test', needs_links: [post()] } });
  assert.equal(n.title, '1 of your guest posts on blog.test has no internal link yet');
  assert.equal(n.posts[0].suggestions.length, 3);
  assert.equal(n.posts[0].note, 'Hello,\n...');
  assert.equal(n.posts[0].state, 'indexability not checked yet');
});

test('a post that will not be indexed says why', () => {
  const n = guestPostNotice({ guest_posts: { host: 'blog.test', needs_links: [post({
    indexability: { state: 'not_indexable', reasons: ['the page is noindex: <meta name="robots" content="noindex">'] } })] } });
  assert.equal(n.posts[0].state, 'not indexable');
  assert.match(n.posts[0].why, /noindex/);
});

test('marking is offered on a page linking to me that is not marked yet', () => {
  assert.equal(offerMarking({ labels: ['tier1'] }), true);
  assert.equal(offerMarking({ labels: ['tier1', 'guest_post'] }), false);
  assert.equal(offerMarking({ labels: [] }), false);
});

test('the suggestions and note the companion gives are merged into the notice', async () => {
  const { withSuggestions } = await import('../lib/guest-posts.js');
  const n = guestPostNotice({ guest_posts: { host: 'blog.test', needs_links: [post({ suggestions: undefined, note: '' })] } });
  assert.equal(n.posts[0].suggestions.length, 0);
  const merged = withSuggestions(n, [post({ note: 'Dear editor' })]);
  assert.equal(merged.posts[0].suggestions.length, 3);
  assert.equal(merged.posts[0].note, 'Dear editor');
  assert.equal(merged.host, 'blog.test');
  assert.deepEqual(withSuggestions(n, null).posts[0].suggestions, []);
});
