/**
 * Functions injected into a web page with `scripting.executeScript({func})`.
 * Each must be self-contained (it is serialised and run in the page's isolated
 * world): no imports, no outer variables. Page text is only ever set with
 * textContent, never innerHTML.
 */

/** The page's live DOM and address. */
export function collectPage() {
  return { url: location.href, html: document.documentElement.outerHTML, title: document.title };
}

/**
 * Outline the links of a highlight plan ([{href, kind}]) and show a small
 * fixed legend; called again, it removes everything (a toggle).
 * @returns {{shown: boolean, count: number}}
 */
export function highlightLinks(plan) {
  const ATTR = 'data-tierlink-hl';
  const LEGEND_ID = 'tierlink-legend-7f3a';
  const STYLE_ID = 'tierlink-style-7f3a';
  const old = document.getElementById(LEGEND_ID);
  if (old) {
    old.remove();
    document.getElementById(STYLE_ID)?.remove();
    for (const el of document.querySelectorAll(`[${ATTR}]`)) el.removeAttribute(ATTR);
    return { shown: false, count: 0 };
  }
  const COLORS = { me: '#1a7f37', tier1: '#0969da', nofollow: '#bf8700' };
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = [
    `[${ATTR}]{outline-offset:2px !important;border-radius:2px !important}`,
    `[${ATTR}="me"]{outline:3px solid ${COLORS.me} !important;background:rgba(26,127,55,.12) !important}`,
    `[${ATTR}="me-nofollow"]{outline:3px dashed ${COLORS.me} !important;background:rgba(26,127,55,.08) !important}`,
    `[${ATTR}="tier1"]{outline:3px solid ${COLORS.tier1} !important;background:rgba(9,105,218,.10) !important}`,
    `[${ATTR}="tier1-nofollow"]{outline:3px dashed ${COLORS.tier1} !important}`,
    `[${ATTR}="nofollow"]{outline:2px dashed ${COLORS.nofollow} !important}`,
  ].join('\n');
  (document.head ?? document.documentElement).appendChild(style);

  const byHref = new Map();
  for (const item of plan ?? []) if (item && !byHref.has(item.href)) byHref.set(item.href, item.kind);
  const strip = (h) => String(h).replace(/#.*$/, '');
  const byBare = new Map([...byHref].map(([h, k]) => [strip(h), k]));
  let count = 0;
  let first = null;
  for (const el of document.querySelectorAll('a[href], area[href]')) {
    const kind = byHref.get(el.href) ?? byBare.get(strip(el.href));
    if (!kind) continue;
    el.setAttribute(ATTR, kind);
    count += 1;
    if (!first && kind.startsWith('me')) first = el;
  }

  const legend = document.createElement('div');
  legend.id = LEGEND_ID;
  legend.setAttribute('role', 'note');
  Object.assign(legend.style, {
    position: 'fixed', right: '12px', bottom: '12px', zIndex: '2147483647',
    background: '#fff', color: '#1f2328', border: '1px solid #d0d7de', borderRadius: '8px',
    boxShadow: '0 4px 12px rgba(0,0,0,.15)', padding: '8px 10px', font: '12px/1.5 system-ui,sans-serif',
    maxWidth: '260px',
  });
  const title = document.createElement('div');
  title.textContent = `Tierlink: ${count} link${count === 1 ? '' : 's'} marked`;
  Object.assign(title.style, { fontWeight: '600', marginBottom: '4px' });
  legend.appendChild(title);
  const rows = [
    [COLORS.me, 'solid', 'to your site'],
    [COLORS.tier1, 'solid', 'to one of your tier-1 pages'],
    [COLORS.nofollow, 'dashed', 'nofollow / ugc / sponsored'],
  ];
  for (const [color, line, text] of rows) {
    const row = document.createElement('div');
    Object.assign(row.style, { display: 'flex', alignItems: 'center', gap: '6px' });
    const sw = document.createElement('span');
    Object.assign(sw.style, { display: 'inline-block', width: '14px', height: '10px', border: `2px ${line} ${color}`, borderRadius: '2px' });
    const label = document.createElement('span');
    label.textContent = text;
    row.append(sw, label);
    legend.appendChild(row);
  }
  const hint = document.createElement('div');
  hint.textContent = 'Dashed = not followed. Click to hide.';
  Object.assign(hint.style, { color: '#57606a', marginTop: '4px' });
  legend.appendChild(hint);
  legend.addEventListener('click', () => {
    legend.remove();
    style.remove();
    for (const el of document.querySelectorAll(`[${ATTR}]`)) el.removeAttribute(ATTR);
  });
  document.documentElement.appendChild(legend);
  first?.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
  return { shown: true, count };
}
