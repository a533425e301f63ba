// Tierlink content script (classic script, top frame of http(s) pages, at document_idle).
// It never talks to the companion itself (SECURITY.md item 10): it hands the page's
// live DOM and address to the background, which sends it to the local companion.
//
// The page costs as little as we can make it (issue 25, docs/BENCHMARKS.md "The extension"):
// the background is asked first, with the address alone, whether this page is to be
// sent (auto-analysis on, host not excluded, an http(s) page that is not the
// companion's); only then, once the page has loaded and the browser is idle, is the
// DOM copied (`outerHTML`, milliseconds on a large page) and posted. A page that is
// not to be sent is never copied.
//
// Single-page sites change their address (history.pushState) and content without a
// load: when the address changes, the page is sent again once it has settled.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id || window.top !== window) return;
  const SETTLE_MS = 1200; // let the new view render before reading the DOM
  const POLL_MS = 1000; // where the Navigation API is missing (Firefox), watch the address
  const IDLE_MS = 200; // the longest wait for an idle moment after `load`
  const page = () => ({ url: location.href, html: document.documentElement.outerHTML, title: document.title });
  const ask = (msg) => api.runtime.sendMessage(msg).catch(() => null);
  const wanted = () => ask({ type: 'page-wanted', url: location.href, title: document.title })
    .then((answer) => answer?.ok === true && answer.result?.send === true);
  const send = () => ask({ type: 'page-loaded', ...page() });
  api.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (msg?.type !== 'collect-page') return false;
    sendResponse(page());
    return false;
  });

  const loaded = new Promise((resolve) => {
    if (document.readyState === 'complete') resolve();
    else window.addEventListener('load', () => resolve(), { once: true });
  });
  const idle = () => new Promise((resolve) => {
    if (globalThis.requestIdleCallback) requestIdleCallback(() => resolve(), { timeout: IDLE_MS });
    else setTimeout(resolve, 0);
  });
  // The question goes now (it is tiny); the answer is awaited with the page's load.
  const first = wanted();
  loaded.then(idle).then(() => first).then((yes) => (yes ? send() : null));

  let lastUrl = location.href.split('#')[0];
  let timer = null;
  const onMaybeNavigated = () => {
    const now = location.href.split('#')[0]; // a fragment change is the same page
    if (now === lastUrl) return;
    lastUrl = now;
    clearTimeout(timer);
    timer = setTimeout(() => wanted().then((yes) => (yes ? send() : null)), SETTLE_MS);
  };
  if (globalThis.navigation?.addEventListener) {
    globalThis.navigation.addEventListener('navigatesuccess', onMaybeNavigated);
  } else {
    setInterval(onMaybeNavigated, POLL_MS);
  }
  window.addEventListener('popstate', onMaybeNavigated);
})();
