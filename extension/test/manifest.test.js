// The manifest and the source files keep the promises of docs/CONTRACT.md and docs/SECURITY.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));

function sources(dir = DIR) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (['test', 'node_modules'].includes(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(js|html)$/.test(name)) out.push(p);
  }
  return out;
}

test('MV3 for Chrome (service worker) and Firefox (scripts + gecko id)', () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(manifest.background.service_worker, 'background.js');
  assert.deepEqual(manifest.background.scripts, ['background.js']);
  assert.equal(manifest.background.type, 'module');
  assert.equal(manifest.browser_specific_settings.gecko.id, 'tierlink@tierlink.dev');
  assert.equal(manifest.browser_specific_settings.gecko.strict_min_version, '128.0');
  assert.equal(manifest.minimum_chrome_version, '121');
  assert.equal(manifest.action.default_popup, 'popup.html');
});

test('minimal permissions: loopback hosts for the companion, a content script for pages', () => {
  assert.deepEqual(manifest.host_permissions, ['http://127.0.0.1/*', 'http://localhost/*', 'http://[::1]/*']);
  // contextMenus: "Check selection as a guest-post draft"; webRequest: observe the page's X-Robots-Tag;
  // alarms: read the browser-check queue every minute (lib/browser-checks.js) and look for new alerts
  // (lib/alerts.js); notifications: the desktop alerts
  assert.deepEqual(manifest.permissions.sort(),
    ['activeTab', 'alarms', 'contextMenus', 'notifications', 'scripting', 'storage', 'webRequest']);
  const [cs] = manifest.content_scripts;
  assert.deepEqual(cs.matches, ['http://*/*', 'https://*/*']);
  assert.deepEqual(cs.js, ['lib/page-copy.js', 'content.js']); // the copy's trim first: one global
  assert.equal(cs.run_at, 'document_idle');
  assert.match(manifest.content_security_policy.extension_pages, /^script-src 'self';/);
});

test('no remote code, no HTML strings built from text, no eval', () => {
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    const rel = file.slice(DIR.length);
    assert.doesNotMatch(text, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, rel);
    assert.doesNotMatch(text, /<script[^>]+src=["']https?:/i, rel);
    assert.doesNotMatch(text, /import\s[^;]*from\s+['"]https?:/, rel);
  }
});

test('only the background talks to the companion', () => {
  for (const file of sources()) {
    const rel = file.slice(DIR.length);
    const text = readFileSync(file, 'utf8');
    if (/\bfetch\(|XMLHttpRequest|WebSocket/.test(text)) assert.equal(rel, 'lib/companion.js', rel);
  }
  const users = sources().filter((f) => /new CompanionClient\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(users.map((f) => f.slice(DIR.length)).filter((r) => !r.startsWith('lib/')), ['background.js']);
});

test('the settings defaults live in one module', () => {
  for (const file of sources()) {
    const rel = file.slice(DIR.length);
    if (rel === 'lib/settings.js') continue;
    assert.doesNotMatch(readFileSync(file, 'utf8'), /autoAnalyze\s*:\s*(true|false)/, rel);
  }
});
