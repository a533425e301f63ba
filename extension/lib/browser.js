/**
 * The browser's extension API: `browser` on Firefox, `chrome` on Chrome.
 * Both answer promises for the calls used here (MV3).
 */
export const ext = globalThis.browser ?? globalThis.chrome;

/** Per-tab state survives a service-worker restart: session storage, else local. */
export const sessionArea = ext?.storage?.session ?? ext?.storage?.local;
