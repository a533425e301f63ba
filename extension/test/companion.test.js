// The companion client against a real local HTTP server that answers as the contract says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { CompanionClient, parseTags } from '../lib/companion.js';
import { CompanionError } from '../lib/errors.js';

const TOKEN = 'secret-token';
const seen = [];
const saved = new Set();
let server;
let base;
let healthBody = { status: 'ok', version: '0.1.0' };

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const send = (status, data, type = 'application/json') => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(typeof data === 'string' ? data : JSON.stringify(data));
      };
      if (req.url === '/api/health') return send(200, healthBody);
      if (req.url === '/html') return send(200, '<html>hi</html>', 'text/html');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: 'unauthorized', message: 'missing or wrong token' } });
      if (req.url === '/api/profile') return send(200, { domains: ['me.test'] });
      if (req.url === '/api/analyze') {
        const { url } = JSON.parse(body);
        if (url === 'https://big.test/') return send(413, { error: { code: 'too_large', message: 'page over 20 MB' } });
        return send(200, { url, labels: ['tier1'], links: [] });
      }
      if (req.url === '/api/candidates') {
        const { url, kind } = JSON.parse(body);
        const key = `${kind} ${url}`;
        const existed = saved.has(key);
        saved.add(key);
        return send(existed ? 200 : 201, { id: 1, url, kind });
      }
      return send(404, { error: { code: 'not_found', message: 'no such route' } });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test('analyze sends url and html with the bearer token', async () => {
  const c = new CompanionClient({ companionUrl: base, token: TOKEN });
  const a = await c.analyze('https://blog.test/', '<a href="https://me.test/">x</a>');
  assert.deepEqual(a.labels, ['tier1']);
  const req = seen.at(-1);
  assert.equal(req.method, 'POST');
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), { url: 'https://blog.test/', html: '<a href="https://me.test/">x</a>' });
});

test('save tells a new candidate (201) from an existing one (200)', async () => {
  const c = new CompanionClient({ companionUrl: base, token: TOKEN });
  const first = await c.saveCandidate({ url: 'https://blog.test/', kind: 'boost', note: 'n', tags: ['a'] });
  assert.equal(first.created, true);
  assert.deepEqual(JSON.parse(seen.at(-1).body), { url: 'https://blog.test/', kind: 'boost', note: 'n', tags: ['a'] });
  const again = await c.saveCandidate({ url: 'https://blog.test/', kind: 'boost' });
  assert.equal(again.created, false);
});

test('errors carry the kind the popup explains', async () => {
  const wrong = new CompanionClient({ companionUrl: base, token: 'nope' });
  await assert.rejects(wrong.analyze('https://blog.test/', 'x'), (e) => e instanceof CompanionError && e.kind === 'bad-token' && e.status === 401 && e.code === 'unauthorized');
  const unpaired = new CompanionClient({ companionUrl: base, token: '' });
  const before = seen.length;
  await assert.rejects(unpaired.analyze('https://blog.test/', 'x'), { kind: 'not-paired' });
  assert.equal(seen.length, before, 'no request without a token');
  const good = new CompanionClient({ companionUrl: base, token: TOKEN });
  await assert.rejects(good.analyze('https://big.test/', 'x'), { kind: 'too-large', message: 'page over 20 MB' });
  await assert.rejects(good.request('GET', '/html', { auth: false }), { kind: 'bad-response' });
});

test('nothing listening: unreachable', async () => {
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const c = new CompanionClient({ companionUrl: `http://127.0.0.1:${port}`, token: TOKEN });
  await assert.rejects(c.analyze('https://blog.test/', 'x'), { kind: 'unreachable' });
  await assert.rejects(c.testConnection(), { kind: 'unreachable' });
});

test('test connection: ok with version, or exactly what is wrong', async () => {
  assert.deepEqual(await new CompanionClient({ companionUrl: base, token: TOKEN }).testConnection(),
    { version: '0.1.0', health: { status: 'ok', version: '0.1.0' } });
  await assert.rejects(new CompanionClient({ companionUrl: base, token: 'bad' }).testConnection(), { kind: 'bad-token' });
  await assert.rejects(new CompanionClient({ companionUrl: base, token: '' }).testConnection(), { kind: 'not-paired' });
});

test('a non-loopback address is refused before any request', () => {
  assert.throws(() => new CompanionClient({ companionUrl: 'http://example.com:8765', token: TOKEN }), { kind: 'bad-companion-url' });
});

test('tags from free text', () => {
  assert.deepEqual(parseTags(' seo, guest post ,,seo\noutreach '), ['seo', 'guest post', 'outreach']);
  assert.deepEqual(parseTags(''), []);
});

test('a degraded companion is an answer with its problem, not a failure; anything else is not Tierlink', async () => {
  const c = new CompanionClient({ companionUrl: base, token: TOKEN });
  healthBody = { status: 'degraded', version: '0.1.0', problem: { code: 'database_unavailable', message: 'the database does not answer' }, domains_set: false };
  try {
    assert.deepEqual(await c.health(), healthBody);
    assert.equal((await c.testConnection()).health.problem.message, 'the database does not answer');
    healthBody = { status: 'fine' };
    await assert.rejects(c.health(), { kind: 'bad-response' });
  } finally {
    healthBody = { status: 'ok', version: '0.1.0' };
  }
});

test('a page-sized body (sent as a Blob) reads back the same, non-ASCII included', async () => {
  const html = `<html><body>${'<p>widgets é ✓ 漢字 and <a href="https://me.test/">more</a></p>'.repeat(2000)}</body></html>`;
  const c = new CompanionClient({ companionUrl: base, token: TOKEN });
  await c.analyze('https://blog.test/', html);
  const req = seen.at(-1);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['content-encoding'], undefined);
  assert.equal(Number(req.headers['content-length']), Buffer.byteLength(JSON.stringify({ url: 'https://blog.test/', html })));
  assert.deepEqual(JSON.parse(req.body), { url: 'https://blog.test/', html });
});
