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
  const comment = '<!-- <script>old()</script> <a href="/c"> --><script>now()</script><a href="/d">d</a>';
  assert.equal(withoutScriptText(comment), '<script></script><a href="/d">d</a>'); // the comment goes, whole
  const quoted = '<p data-x="&quot;<a &quot;">t</p><script>s()</script>';
  assert.equal(withoutScriptText(quoted), '<p data-x="&quot;<a &quot;">t</p><script></script>');
});

test('a page without scripts or styles is unchanged, and a tag merely starting with "script" is no script', () => {
  const html = '<head><title>T</title></head><body><p>a &lt;script&gt; b</p><scripted-el>x</scripted-el><stylebox>y</stylebox></body>';
  assert.equal(withoutScriptText(html), html);
});

test('whitespace between two tags keeps its first character; whitespace in text and attributes stays', () => {
  const html = '<ul>\n    <li>a  b</li>\n\n  <li title="x   y">c</li>   </ul>\t\t<p>\u00a0\u00a0</p>';
  assert.equal(withoutScriptText(html), '<ul>\n<li>a  b</li>\n<li title="x   y">c</li> </ul>\t<p>\u00a0\u00a0</p>');
});

test('an <svg> without text or link loses its drawing; one with text, a link or an inner <svg> keeps it', () => {
  const icon = '<svg class="i" viewBox="0 0 9 9"><g>\n<path d="M0 0h9v9z"></path></g></svg>';
  assert.equal(withoutScriptText(`<p>${icon}x</p>`), '<p><svg class="i" viewBox="0 0 9 9"></svg>x</p>');
  for (const kept of ['<svg><title>Logo</title><path d="M1"></path></svg>', '<svg><text x="1">Hi</text></svg>',
    '<svg><a href="/s"><path d="M2"></path></a></svg>', '<svg><svg><path d="M3"></path></svg><path d="M4"></path></svg>',
    '<svg><style>.x{}</style></svg>']) {
    assert.equal(withoutScriptText(`<p>${kept}</p>`), `<p>${kept}</p>`);
  }
  const inLink = `<a href="/l">${icon}</a><h3>${icon}</h3>`; // a link's or heading's content stays whole
  assert.equal(withoutScriptText(inLink), inLink);
});
