/**
 * Alerts on the desktop: every minute (chrome.alarms: a service worker may be stopped
 * between two looks, an alarm wakes it) ask the companion for alerts made since the
 * last look, raise one desktop notification for what is new, and show the count of
 * unseen alerts on the toolbar badge (the badge of tabs without a verdict of their own).
 *
 * Off until the user ticks "Desktop notification" in the dashboard's profile: the
 * companion's answer says so (`desktop`), so the setting lives in one place. The first
 * look only learns where "now" is: alerts older than the extension's first look are in
 * the dashboard, not news for the desktop. A "Send a test" in the dashboard is a stamp
 * (`desktop_test`) answered with a test notification.
 *
 * Pure planning (`planAlerts`) apart from the browser calls (`pollAlerts`) so node's tests
 * cover the decisions; `raised` records every notification raised, the test hook a
 * Chromium test reads through the service worker (tests/test_alert_delivery.py).
 */

export const ALARM = 'tierlink-alerts';
export const POLL_MINUTES = 1;
export const STATE_KEY = 'alertsState';
export const NOTIFICATION_ID = 'tierlink-alerts';
const MAX_LISTED = 20;

/** Every notification this worker raised: {id, title, message, at} (the test hook; kept small). */
export const raised = [];

/** The path of the next look: since the last one (or only the newest, to learn where "now" is). */
export function alertsPath(state) {
  return state?.since ? `/api/alerts?since=${encodeURIComponent(state.since)}&unseen=true&limit=${MAX_LISTED}`
    : '/api/alerts?limit=1';
}

/** The notification for new alerts: one line each, the first few. */
export function notificationFor(alerts) {
  if (alerts.length === 1) return { title: 'Tierlink: a link changed', message: alerts[0].text };
  const lines = alerts.slice(0, 3).map((a) => `• ${a.text}`);
  if (alerts.length > 3) lines.push(`… and ${alerts.length - 3} more in the dashboard`);
  return { title: `Tierlink: ${alerts.length} links changed`, message: lines.join('\n') };
}

/**
 * What an answer of GET /api/alerts means: the notification to raise (or null), the
 * badge text, and the state to keep. `state`: {since, lastTest} from the last look.
 */
export function planAlerts(body, state = {}) {
  const next = { since: body.latest ?? state.since ?? null, lastTest: state.lastTest ?? null };
  if (!state.since && !body.latest) next.since = new Date().toISOString();
  if (!body.desktop) return { notify: null, badge: '', next: { ...next, lastTest: body.desktop_test ?? next.lastTest } };
  const fresh = state.since ? (body.alerts || []).filter((a) => !a.seen && a.created_at > state.since) : [];
  let notify = fresh.length ? notificationFor(fresh) : null;
  if (!notify && body.desktop_test && body.desktop_test !== state.lastTest && state.since) {
    notify = { title: 'Tierlink: test notification', message: 'Desktop alerts are on: a lost link will show here.' };
  }
  next.lastTest = body.desktop_test ?? next.lastTest;
  const n = Number(body.unseen_count) || 0;
  return { notify, badge: n > 0 ? (n > 99 ? '99+' : String(n)) : '', next };
}

/**
 * One look: ask, notify, set the badge, keep the state. `ext` is the browser API,
 * `client` a CompanionClient (lib/companion.js). Never throws: a companion that is
 * not running is simply asked again at the next alarm.
 */
export async function pollAlerts(ext, client) {
  try {
    const stored = (await ext.storage.local.get(STATE_KEY))[STATE_KEY] || {};
    const { data } = await client.request('GET', alertsPath(stored));
    const plan = planAlerts(data, stored);
    if (plan.notify && ext.notifications) {
      const iconUrl = ext.runtime.getURL('icons/icon-128.png');
      await ext.notifications.create(NOTIFICATION_ID, { type: 'basic', iconUrl, ...plan.notify, priority: 1 });
      raised.push({ id: NOTIFICATION_ID, ...plan.notify, at: Date.now() });
      if (raised.length > 50) raised.shift();
    }
    await ext.action.setBadgeText({ text: plan.badge });
    if (plan.badge) await ext.action.setBadgeBackgroundColor({ color: '#dc2626' });
    await ext.storage.local.set({ [STATE_KEY]: plan.next });
    return plan;
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
}

/** Start the minute alarm (idempotent: the browser keeps one alarm per name across worker restarts). */
export async function scheduleAlerts(ext) {
  if (!ext.alarms) return;
  const existing = await ext.alarms.get(ALARM);
  if (!existing) await ext.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES, delayInMinutes: POLL_MINUTES });
}
