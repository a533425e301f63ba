// Tierlink content script (classic script, top frame of http(s) pages, at document_idle).
// It never talks to the companion itself (SECURITY.md item 10): it hands the page's
// live DOM and address to the background, which decides (auto-analysis on, host not
// excluded) and sends it to the local companion.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id || window.top !== window) return;
  const page = () => ({ url: location.href, html: document.documentElement.outerHTML, title: document.title });
  api.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (msg?.type !== 'collect-page') return false;
    sendResponse(page());
    return false;
  });
  api.runtime.sendMessage({ type: 'page-loaded', ...page() }).catch(() => {});
})();
