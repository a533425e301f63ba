/**
 * Options: companion address, pairing token (with a Test connection button
 * that says exactly what is wrong), auto-analysis, excluded hosts.
 */

import { ext } from './lib/browser.js';
import { $, setMessage } from './lib/dom.js';
import { NO_DOMAIN, healthProblem, noDomainSet } from './lib/verdict.js';
import { loadSettings } from './lib/settings.js';
import { companionOriginPattern, validateCompanionUrl } from './lib/companion-url.js';
import { parseExcludeList } from './lib/hosts.js';
import { describeError } from './lib/errors.js';

function say(node, text, kind) {
  setMessage(node, text);
  node.className = `msg ${kind}`;
}

async function fill() {
  const s = await loadSettings(ext.storage.local);
  $('companionUrl').value = s.companionUrl;
  $('token').value = s.token;
  $('autoAnalyze').checked = s.autoAnalyze;
  $('exclude').value = s.exclude.join('\n');
}

/**
 * Make sure we may reach the companion (Firefox users can revoke it). Called
 * first thing in the click handler: Firefox only accepts permissions.request
 * from a user gesture, before any other await. Already granted: no prompt.
 */
function ensureCompanionPermission(url) {
  return ext.permissions.request({ origins: [companionOriginPattern(url)] });
}

async function save(event) {
  event.preventDefault();
  $('saved').classList.add('hidden');
  $('save-error').classList.add('hidden');
  const v = validateCompanionUrl($('companionUrl').value);
  if (!v.ok) {
    $('save-error').textContent = v.error;
    $('save-error').classList.remove('hidden');
    $('companionUrl').focus();
    return;
  }
  const exclude = parseExcludeList($('exclude').value);
  await ext.storage.local.set({
    companionUrl: v.url,
    token: $('token').value.trim(),
    autoAnalyze: $('autoAnalyze').checked,
    exclude,
  });
  $('companionUrl').value = v.url;
  $('exclude').value = exclude.join('\n');
  $('saved').classList.remove('hidden');
}

async function testConnection() {
  const out = $('test-result');
  const v = validateCompanionUrl($('companionUrl').value);
  if (!v.ok) return say(out, v.error, 'err');
  const token = $('token').value.trim();
  const permission = ensureCompanionPermission(v.url);
  say(out, `Contacting ${v.url}…`, 'info');
  try {
    if (!(await permission)) {
      const d = describeError({ kind: 'no-companion-permission' });
      return say(out, `${d.title}. ${d.fix}`, 'err');
    }
  } catch {
    // permissions API unavailable: the request below will tell
  }
  const answer = await ext.runtime.sendMessage({ type: 'test-connection', companionUrl: v.url, token });
  if (answer?.ok) {
    const saved = await loadSettings(ext.storage.local);
    const unsaved = saved.companionUrl !== v.url || saved.token !== token;
    const problem = healthProblem(answer.result.health);
    const notes = [problem ? `But it reports a problem: ${problem}` : '', noDomainSet(answer.result.health) ? `${NO_DOMAIN.title}. ${NO_DOMAIN.fix}` : '']
      .filter(Boolean).join(' ');
    say(out, `Connected: Tierlink companion ${answer.result.version || ''} at ${v.url}, token accepted.${unsaved ? ' Press Save to keep these settings.' : ''}${notes ? ` ${notes}` : ''}`,
      problem ? 'err' : 'ok');
  } else {
    const d = describeError(answer?.error ?? { kind: 'unknown' }, { companionUrl: v.url });
    say(out, `${d.title}. ${d.fix}`, 'err');
  }
}

$('form').addEventListener('submit', save);
$('test').addEventListener('click', testConnection);
$('show-token').addEventListener('click', () => {
  const t = $('token');
  t.type = t.type === 'password' ? 'text' : 'password';
  $('show-token').textContent = t.type === 'password' ? 'Show' : 'Hide';
});
fill();
