/**
 * Functions injected into a page to read a draft (`scripting.executeScript({func})`).
 * Self-contained like lib/page-functions.js: serialised and run in the page's
 * isolated world, no imports, no outer variables. They only read the page.
 */

/**
 * The user's selection as HTML (links keep their href exactly as written, so a
 * relative href in a draft is reported as such) and as plain text.
 * @returns {{html: string, text: string, url: string, title: string}}
 */
export function collectSelection() {
  const sel = window.getSelection();
  const box = document.createElement('div');
  let text = '';
  if (sel) {
    text = sel.toString();
    for (let i = 0; i < sel.rangeCount; i += 1) box.appendChild(sel.getRangeAt(i).cloneContents());
    // A selection inside a link clones only the text: keep the link around it.
    const anchor = sel.anchorNode?.parentElement?.closest?.('a[href]');
    if (anchor && !box.querySelector('a[href]')) {
      const a = document.createElement('a');
      a.setAttribute('href', anchor.getAttribute('href'));
      if (anchor.getAttribute('rel')) a.setAttribute('rel', anchor.getAttribute('rel'));
      a.textContent = text;
      box.replaceChildren(a);
    }
  }
  // Text typed into a textarea or input is not part of the DOM selection.
  const active = document.activeElement;
  if (!text && active && typeof active.value === 'string' && typeof active.selectionStart === 'number') {
    text = active.value.slice(active.selectionStart, active.selectionEnd);
  }
  const html = box.querySelector('a[href], area[href]') ? box.outerHTML : '';
  return { html, text, url: location.href, title: document.title };
}

/**
 * The whole page as a draft, e.g. a post previewed on the host's site: links are
 * written as the absolute URLs the browser resolved (the host already resolved
 * them), so only links that really point somewhere odd are reported.
 * @returns {{html: string, url: string, title: string}}
 */
export function collectPageAsDraft() {
  const clone = document.documentElement.cloneNode(true);
  const live = document.documentElement.querySelectorAll('a[href], area[href]');
  const copies = clone.querySelectorAll('a[href], area[href]');
  if (live.length === copies.length) {
    for (let i = 0; i < live.length; i += 1) {
      const raw = live[i].getAttribute('href') ?? '';
      if (/^https?:/i.test(live[i].href) && !/^[a-z][a-z0-9+.-]*:/i.test(raw.trim())) copies[i].setAttribute('href', live[i].href);
    }
  }
  return { html: clone.outerHTML, url: location.href, title: document.title };
}
