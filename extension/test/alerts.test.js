// lib/alerts.js: what a look at GET /api/alerts decides (notify, badge, state), and one look end to end
// against a recording stand-in of the browser API and a real CompanionClient over a fake fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertsPath, notificationFor, planAlerts, pollAlerts, raised, STATE_KEY } from '../lib/alerts.js';
import { CompanionClient } from '../lib/companion.js';

const alert = (id, at, seen = false) => ({ id, text: `Link lost: page ${id}`, created_at: at, seen });
const T1 = '2026-01-05T10:00:00.000001Z';
const T2 = '2026-01-05T10:01:00.000001Z';

test('the first look only learns where "now" is: old alerts are not news', () => {
  assert.equal(alertsPath({}), '/api/alerts?limit=1');
  const plan = planAlerts({ alerts: [alert('a', T1)], latest: T1, unseen_count: 1, desktop: true }, {});
  assert.equal(plan.notify, null);
  assert.equal(plan.badge, '1');
  assert.equal(plan.next.since, T1);
  assert.equal(alertsPath(plan.next), `/api/alerts?since=${encodeURIComponent(T1)}&unseen=true&limit=20`);
});

test('a later look notifies once for what is new, and the badge counts the unseen', () => {
  const plan = planAlerts({ alerts: [alert('b', T2)], latest: T2, unseen_count: 2, desktop: true }, { since: T1 });
  assert.deepEqual(plan.notify, { title: 'Tierlink: a link changed', message: 'Link lost: page b' });
  assert.equal(plan.badge, '2');
  const again = planAlerts({ alerts: [], latest: T2, unseen_count: 2, desktop: true }, plan.next);
  assert.equal(again.notify, null);
});

test('off in the profile: no notification, no badge, the watermark still moves', () => {
  const plan = planAlerts({ alerts: [alert('b', T2)], latest: T2, unseen_count: 5, desktop: false }, { since: T1 });
  assert.equal(plan.notify, null);
  assert.equal(plan.badge, '');
  assert.equal(plan.next.since, T2);
});

test('a test asked for in the dashboard is one test notification', () => {
  const plan = planAlerts({ alerts: [], latest: T1, unseen_count: 0, desktop: true, desktop_test: T2 }, { since: T1 });
  assert.equal(plan.notify.title, 'Tierlink: test notification');
  assert.equal(planAlerts({ alerts: [], latest: T1, unseen_count: 0, desktop: true, desktop_test: T2 }, plan.next).notify, null);
});

test('many alerts: the first three and how many more', () => {
  const n = notificationFor(['a', 'b', 'c', 'd', 'e'].map((id) => alert(id, T2)));
  assert.equal(n.title, 'Tierlink: 5 links changed');
  assert.equal(n.message.split('\n').length, 4);
  assert.match(n.message, /and 2 more/);
  assert.equal(planAlerts({ alerts: [], unseen_count: 150, desktop: true, latest: T1 }, { since: T1 }).badge, '99+');
});

test('pollAlerts: asks with the token, raises the notification, sets the badge, keeps the state', async () => {
  const calls = [];
  const store = {};
  const ext = {
    storage: { local: { get: async (k) => ({ [k]: store[k] }), set: async (o) => Object.assign(store, o) } },
    runtime: { getURL: (p) => `chrome-extension://x/${p}` },
    notifications: { create: async (id, opts) => calls.push(['notify', id, opts.title]) },
    action: { setBadgeText: async (o) => calls.push(['badge', o.text]), setBadgeBackgroundColor: async () => {} },
  };
  const answers = [{ alerts: [], latest: T1, unseen_count: 0, desktop: true },
    { alerts: [alert('z', T2)], latest: T2, unseen_count: 1, desktop: true }];
  const seen = [];
  const fetch = async (url, init) => {
    seen.push([url, init.headers.Authorization]);
    return new Response(JSON.stringify(answers.shift()), { status: 200 });
  };
  const client = new CompanionClient({ companionUrl: 'http://127.0.0.1:8765', token: 'tok', fetch });
  const before = raised.length;
  await pollAlerts(ext, client);
  await pollAlerts(ext, client);
  assert.deepEqual(seen.map((s) => s[1]), ['Bearer tok', 'Bearer tok']);
  assert.equal(seen[1][0], `http://127.0.0.1:8765/api/alerts?since=${encodeURIComponent(T1)}&unseen=true&limit=20`);
  assert.deepEqual(calls, [['badge', ''], ['notify', 'tierlink-alerts', 'Tierlink: a link changed'], ['badge', '1']]);
  assert.equal(store[STATE_KEY].since, T2);
  assert.equal(raised.length, before + 1);
  const failed = await pollAlerts(ext, new CompanionClient({ companionUrl: 'http://127.0.0.1:8765', token: 'tok',
    fetch: async () => { throw new TypeError('connection refused'); } }));
  assert.match(failed.error, /connection refused/);
});
