import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../lib/page-copy.js'; // a classic script: it leaves its function on the global

const { withoutScriptText } = globalThis.tierlinkPageCopy;

test('script and style text goes; the elements and their attributes stay', () => {
  const html = '<head><script src="/a.js"></script><script>var x = "<b>";</script>'
    + '<style media="print">p { color: red }</style></head><body><p>Hello</p><script type="module">go()</script></body>';
  assert.equal(withoutScriptText(html),
    '<head><script src="/a.js"></script><script></script><style media="print"></style></head>'
    + '<body><p>Hello</p><script type="module"></script></body>');
});

test('JSON-LD keeps its text (the contacts read it)', () => {
  const ld = '<script type="application/LD+JSON">{"@type": "Person", "email": "a@b.test"}</script>';
  assert.equal(withoutScriptText(`<body>${ld}<script>x()</script></body>`), `<body>${ld}<script></script></body>`);
});

test('inside a link or a heading, script and style text stays (it is their text); after them it goes', () => {
  const link = '<a href="/x"><svg><style>.i{fill:red}</style></svg>Next</a>';
  const heading = '<h2 class="t">Title<script>document.write(1)</script></h2>';
  const html = `<body>${link}<style>.a{}</style>${heading}<script>later()</script></body>`;
  assert.equal(withoutScriptText(html), `<body>${link}<style></style>${heading}<script></script></body>`);
  const nested = '<a href="/o"><span><a href="/i">in</a></span><script>kept()</script></a><script>gone()</script>';
  assert.equal(withoutScriptText(nested), '<a href="/o"><span><a href="/i">in</a></span><script>kept()</script></a><script></script>');
});

test('a "<script" inside an attribute value or a comment is not a script', () => {
  // Browsers before 2025 did not escape < in attribute values.
  const attr = '<div title="<script>"><p>text</p></div><a href="/y">y</a><script>end()</script>';
  assert.equal(withoutScriptText(attr), '<div title="<script>"><p>text</p></div><a href="/y">y</a><script></script>');
  const comment = '<!-- <script>old()</script> <a href="/c"> --><script>now()</script>';
  assert.equal(withoutScriptText(comment), '<!-- <script>old()</script> <a href="/c"> --><script></script>');
  const quoted = '<p data-x="&quot;<a &quot;">t</p><script>s()</script>';
  assert.equal(withoutScriptText(quoted), '<p data-x="&quot;<a &quot;">t</p><script></script>');
});

test('a page without scripts or styles is unchanged, and a tag merely starting with "script" is no script', () => {
  const html = '<head><title>T</title></head><body><p>a &lt;script&gt; b</p><scripted-el>x</scripted-el><stylebox>y</stylebox></body>';
  assert.equal(withoutScriptText(html), html);
});
