/**
 * Errors the user can meet, each with what went wrong and the fix.
 * Pure: no browser API.
 */

/**
 * A message split into plain text and code: the messages below write a command
 * between backticks, and the pages show it as code (dom.js `setMessage`), never
 * the backticks themselves. An unpaired backtick is kept as text.
 * @returns {{text: string, code: boolean}[]}
 */
export function codeParts(message) {
  const text = String(message ?? '');
  const parts = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('`');
    const close = open < 0 ? -1 : rest.indexOf('`', open + 1);
    if (close < 0) break;
    if (open > 0) parts.push({ text: rest.slice(0, open), code: false });
    if (close > open + 1) parts.push({ text: rest.slice(open + 1, close), code: true });
    rest = rest.slice(close + 1);
  }
  if (rest) parts.push({ text: rest, code: false });
  return parts;
}

/** An error from talking to the companion (or from refusing to). `kind` drives the message. */
export class CompanionError extends Error {
  constructor(kind, message = '', { status = 0, code = '' } = {}) {
    super(message || kind);
    this.name = 'CompanionError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }

  /** A plain object that survives runtime messaging and storage. */
  toJSON() {
    return { kind: this.kind, message: this.message, status: this.status, code: this.code };
  }
}

/** The error kind for an HTTP status (and error code) from the companion. */
export function kindForStatus(status, code = '') {
  if (status === 503 && code === 'database_unavailable') return 'database-unavailable';
  if (status === 401) return 'bad-token';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 413) return 'too-large';
  if (status >= 400 && status < 500) return 'bad-request';
  return 'server-error';
}

/**
 * What to tell the user about an error (a CompanionError or its JSON form).
 * @returns {{title: string, fix: string, action?: 'options'|'grant'|'retry'}}
 */
export function describeError(err, { companionUrl = 'http://127.0.0.1:8765' } = {}) {
  const kind = err?.kind ?? 'unknown';
  const detail = err?.message && err.message !== kind ? err.message : '';
  switch (kind) {
    case 'unreachable':
      return {
        title: 'The Tierlink companion is not running',
        fix: `Nothing answers at ${companionUrl}. Start it with \`tierlink serve\`, or run \`tierlink autostart enable\` once to start it at every login; then try again. If it runs on another port, change the address in the options.`,
        action: 'retry',
      };
    case 'database-unavailable':
      return {
        title: "The team's database is not reachable",
        fix: `The companion runs, but the shared database it works on does not answer${detail ? ` (${detail})` : ''}. Nothing was saved. It reconnects by itself once the database is back: try again in a moment.`,
        action: 'retry',
      };
    case 'not-paired':
      return {
        title: 'Not paired with the companion',
        fix: 'Open the options, paste the token that `tierlink serve` prints (or run `tierlink token`), and press Test connection.',
        action: 'options',
      };
    case 'bad-token':
      return {
        title: 'The companion refused the token',
        fix: 'The token is wrong or was rotated. Run `tierlink token`, paste it into the options and press Test connection.',
        action: 'options',
      };
    case 'forbidden':
      return {
        title: 'The companion refused the request',
        fix: `It only accepts requests addressed to 127.0.0.1 or localhost with its own port. Check that the address in the options (${companionUrl}) is exactly what \`tierlink serve\` printed.`,
        action: 'options',
      };
    case 'bad-companion-url':
      return {
        title: 'The companion address is not allowed',
        fix: `${detail || 'Pages are only sent to this computer.'} Fix it in the options.`,
        action: 'options',
      };
    case 'no-companion-permission':
      return {
        title: 'Tierlink may not reach the companion',
        fix: 'The permission to talk to 127.0.0.1 / localhost was removed. Press “Allow access” to grant it again.',
        action: 'grant',
      };
    case 'no-page-access':
      return {
        title: 'Tierlink cannot read this page',
        fix: 'The permission to read web pages was removed, or the page was open before Tierlink was installed. Press “Allow access”, or reload the page.',
        action: 'grant',
      };
    case 'unsupported-page':
      return {
        title: 'Nothing to analyse here',
        fix: 'Tierlink analyses web pages (http and https) only, not browser or extension pages.',
      };
    case 'excluded':
      return {
        title: 'This site is excluded',
        fix: 'Its host is in your excluded list, so its pages are never sent to the companion. Edit the list in the options.',
        action: 'options',
      };
    case 'too-large':
      return {
        title: 'The page is too large to analyse',
        fix: 'The companion refused a page this big. Nothing is wrong with your setup.',
      };
    case 'timeout':
      return {
        title: 'The companion took too long to answer',
        fix: 'It may be busy with a large import. Try again in a moment.',
        action: 'retry',
      };
    case 'bad-request':
    case 'not-found':
      return {
        title: 'The companion could not handle the request',
        fix: `${detail ? `It said: ${detail}. ` : ''}Check that the companion and the extension are up to date.`,
      };
    case 'server-error':
      return {
        title: 'The companion failed',
        fix: `${detail ? `It said: ${detail}. ` : ''}Look at the terminal running \`tierlink serve\` for details.`,
        action: 'retry',
      };
    case 'bad-response':
      return {
        title: 'Unexpected answer',
        fix: `Something other than the Tierlink companion answered at ${companionUrl}. Check the address in the options.`,
        action: 'options',
      };
    default:
      return {
        title: 'Something went wrong',
        fix: `${detail || kind}. Try again; if it persists, look at the terminal running \`tierlink serve\`.`,
        action: 'retry',
      };
  }
}
