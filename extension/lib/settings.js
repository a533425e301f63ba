/**
 * The one settings module every context imports (background, popup, options).
 *
 * Settings live in `storage.local` under these exact keys (see docs/CONTRACT.md):
 *   companionUrl  where the local companion listens (loopback only)
 *   token         the API token printed by `tierlink serve` (pairing)
 *   autoAnalyze   analyse every http(s) page once it has loaded
 *   exclude       host patterns whose pages are never sent
 *
 * Pure: no browser API here; callers pass the storage area.
 */

export const DEFAULT_COMPANION_URL = 'http://127.0.0.1:8765';

export const DEFAULTS = Object.freeze({
  companionUrl: DEFAULT_COMPANION_URL,
  token: '',
  autoAnalyze: true,
  exclude: Object.freeze([]),
});

export const SETTING_KEYS = Object.freeze(Object.keys(DEFAULTS));

/** Fill in defaults and coerce each stored value to its expected type. */
export function normaliseSettings(raw = {}) {
  const s = { ...DEFAULTS, exclude: [...DEFAULTS.exclude] };
  if (typeof raw.companionUrl === 'string' && raw.companionUrl.trim()) s.companionUrl = raw.companionUrl.trim();
  if (typeof raw.token === 'string') s.token = raw.token.trim();
  if (typeof raw.autoAnalyze === 'boolean') s.autoAnalyze = raw.autoAnalyze;
  if (Array.isArray(raw.exclude)) {
    s.exclude = raw.exclude.filter((p) => typeof p === 'string').map((p) => p.trim()).filter(Boolean);
  } else if (typeof raw.exclude === 'string') {
    s.exclude = raw.exclude.split(/[\s,]+/).map((p) => p.trim()).filter(Boolean);
  }
  return s;
}

/** Read the settings from a storage area (`storage.local`), defaults filled in. */
export async function loadSettings(area) {
  const raw = await area.get(SETTING_KEYS);
  return normaliseSettings(raw);
}
