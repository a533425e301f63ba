// Tierlink content script (classic script, top frame of http(s) pages, at document_idle).
// It never talks to the companion itself (docs/SECURITY.md item 10): it hands the page's
// live DOM and address to the background, which decides (auto-analysis on, host not
// excluded) and sends it to the local companion.
//
// Single-page sites change their address (history.pushState) and content without a
// load: when the address changes, the page is sent again once it has settled.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id || window.top !== window) return;
  const SETTLE_MS = 1200; // let the new view render before reading the DOM
  const POLL_MS = 1000; // where the Navigation API is missing (Firefox), watch the address
  const page = () => ({ url: location.href, html: document.documentElement.outerHTML, title: document.title });
  const send = () => api.runtime.sendMessage({ type: 'page-loaded', ...page() }).catch(() => {});
  api.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (msg?.type !== 'collect-page') return false;
    sendResponse(page());
    return false;
  });
  send();

  let lastUrl = location.href.split('#')[0];
  let timer = null;
  const onMaybeNavigated = () => {
    const now = location.href.split('#')[0]; // a fragment change is the same page
    if (now === lastUrl) return;
    lastUrl = now;
    clearTimeout(timer);
    timer = setTimeout(send, SETTLE_MS);
  };
  if (globalThis.navigation?.addEventListener) {
    globalThis.navigation.addEventListener('navigatesuccess', onMaybeNavigated);
  } else {
    setInterval(onMaybeNavigated, POLL_MS);
  }
  window.addEventListener('popstate', onMaybeNavigated);
})();
