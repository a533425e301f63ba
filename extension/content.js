// Tierlink content script (classic script, top frame of http(s) pages, at document_idle).
// It never talks to the companion itself (docs/SECURITY.md item 10): it hands the page's
// live DOM and address to the background, which sends it to the local companion.
//
// The page costs as little as we can make it (issue 25, docs/BENCHMARKS.md "The extension"):
// the background is asked first, with the address alone, whether this page is to be
// sent (auto-analysis on, host not excluded, an http(s) page that is not the
// companion's); only then, in the task after the `load` event (never delaying it nor
// its handlers), is the DOM copied (`outerHTML`, 13 ms on a 1.6 MB page) and posted,
// without its script and style text (lib/page-copy.js: 31% of the largest corpus page is left).
// Not requestIdleCallback: in headless Chromium it waited 38-50 ms after `load` even
// on a quiet page, most of the badge's budget. A page not to be sent is never copied.
//
// Single-page sites change their address (history.pushState) and content without a
// load: when the address changes, the page is sent again once it has settled.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id || window.top !== window) return;
  const SETTLE_MS = 1200; // let the new view render before reading the DOM
  const POLL_MS = 1000; // where the Navigation API is missing (Firefox), watch the address
  const { page } = globalThis.tierlinkPageCopy; // lib/page-copy.js, loaded before this script
  const ask = (msg) => api.runtime.sendMessage(msg).catch(() => null);
  // The answer: null (not sent), else whether the whole page is wanted (a browser check).
  const wanted = () => ask({ type: 'page-wanted', url: location.href, title: document.title })
    .then((answer) => (answer?.ok === true && answer.result?.send === true ? { whole: answer.result.whole === true } : null));
  const send = (how) => (how ? ask({ type: 'page-loaded', ...page(!how.whole) }) : null);
  api.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (msg?.type !== 'collect-page') return false;
    sendResponse(page(false)); // the popup's analysis reads the contacts: the whole page
    return false;
  });

  const loaded = new Promise((resolve) => {
    if (document.readyState === 'complete') resolve();
    else window.addEventListener('load', () => resolve(), { once: true });
  });
  const afterLoadTask = () => new Promise((resolve) => setTimeout(resolve, 0));
  // The question goes now (it is tiny); the answer is awaited with the page's load.
  const first = wanted();
  loaded.then(afterLoadTask).then(() => first).then(send);

  let lastUrl = location.href.split('#')[0];
  let timer = null;
  const onMaybeNavigated = () => {
    const now = location.href.split('#')[0]; // a fragment change is the same page
    if (now === lastUrl) return;
    lastUrl = now;
    clearTimeout(timer);
    timer = setTimeout(() => wanted().then(send), SETTLE_MS);
  };
  if (globalThis.navigation?.addEventListener) {
    globalThis.navigation.addEventListener('navigatesuccess', onMaybeNavigated);
  } else {
    setInterval(onMaybeNavigated, POLL_MS);
  }
  window.addEventListener('popstate', onMaybeNavigated);
})();
