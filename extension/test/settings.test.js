import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, SETTING_KEYS, loadSettings, normaliseSettings } from '../lib/settings.js';

test('the defaults are the contract', () => {
  assert.deepEqual(SETTING_KEYS, ['companionUrl', 'token', 'autoAnalyze', 'exclude']);
  assert.equal(DEFAULTS.companionUrl, 'http://127.0.0.1:8765');
  assert.equal(DEFAULTS.autoAnalyze, true);
  assert.equal(DEFAULTS.token, '');
  assert.deepEqual([...DEFAULTS.exclude], []);
});

test('missing or mistyped values fall back to the defaults', () => {
  assert.deepEqual(normaliseSettings({}), { companionUrl: 'http://127.0.0.1:8765', token: '', autoAnalyze: true, exclude: [] });
  const s = normaliseSettings({ companionUrl: 5, token: null, autoAnalyze: 'no', exclude: { a: 1 } });
  assert.deepEqual(s, { companionUrl: 'http://127.0.0.1:8765', token: '', autoAnalyze: true, exclude: [] });
});

test('stored values are kept, trimmed', () => {
  const s = normaliseSettings({ companionUrl: ' http://localhost:9 ', token: ' t0k ', autoAnalyze: false, exclude: [' *.bank.com ', '', 3] });
  assert.deepEqual(s, { companionUrl: 'http://localhost:9', token: 't0k', autoAnalyze: false, exclude: ['*.bank.com'] });
  assert.deepEqual(normaliseSettings({ exclude: 'a.test, b.test\nc.test' }).exclude, ['a.test', 'b.test', 'c.test']);
});

test('loadSettings reads exactly the setting keys from a storage area', async () => {
  let asked;
  const area = { async get(keys) { asked = keys; return { token: 'x', other: 1 }; } };
  const s = await loadSettings(area);
  assert.deepEqual(asked, SETTING_KEYS);
  assert.equal(s.token, 'x');
  assert.equal(s.other, undefined);
});

test('the defaults cannot be changed by accident', () => {
  const s = normaliseSettings({});
  s.exclude.push('x.test');
  assert.deepEqual([...DEFAULTS.exclude], []);
  assert.throws(() => { 'use strict'; DEFAULTS.token = 'x'; });
});
