/**
 * The dashboard's only way to talk to the companion.
 *
 * Pairing: `tierlink serve` prints http://127.0.0.1:PORT/#token=TOKEN. The token
 * travels in the fragment because a fragment is never sent to the server, never
 * logged and never leaks in a Referer. On load we move it into sessionStorage
 * (scoped to this origin and this tab, gone when the tab closes) and strip it from
 * the address bar with history.replaceState so it is not bookmarked or shared
 * by accident. It goes out only as an `Authorization: Bearer` header: never a
 * cookie, because cookies are not isolated by port and every other local service
 * on 127.0.0.1 would receive it.
 */

const TOKEN_KEY = "tierlink.token";

/** An HTTP or network failure, carrying the API's {error: {code, message}}. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Reads `#token=…` from the address (once), stores it, and cleans the address.
 * Returns the token to use, or null when the page was opened without one.
 */
export function takeToken(loc = window.location) {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", loc.pathname + loc.search + (rest ? `#${rest}` : ""));
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized = () => {};

/** The app registers what to show when the server says the token is wrong. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * Problems of the whole store, not of one request: /api/health reports them and the header's
 * banner gives their full message. The short words here are what the header and a view that
 * could not load say, so the same long message never shows twice on one screen.
 */
export const STORE_PROBLEMS = {
  database_unavailable: "Team database unreachable",
  database_ssl: "Team database: SSL settings refused",
  store_damaged: "Store damaged: run tierlink repair",
};

let onStoreProblem = () => {};
/** Called with the ApiError of a store-wide problem (the shell asks /api/health again at once). */
export function setStoreProblemHandler(fn) {
  onStoreProblem = fn;
}

/** Whether this failure is a store-wide problem (the banner says it; a view's side panel need not). */
export function isStoreProblem(err) {
  return err instanceof ApiError && Boolean(STORE_PROBLEMS[err.code]);
}

/** What a view says about a failure: the API's message, or for a store-wide problem its short words
 * and a pointer to the banner above, which has the full message. */
export function errorText(err) {
  if (isStoreProblem(err)) {
    return `${STORE_PROBLEMS[err.code]}: could not load or save this (the message above says why).`;
  }
  return err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
}

/**
 * fetch() with the token, JSON in and out, and one error shape.
 * `body` may be a plain object (sent as JSON) or FormData (sent as multipart,
 * the browser sets the boundary).
 */
export async function request(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, credentials: "omit", cache: "no-store" };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "unreachable", "The companion is not answering. Is `tierlink serve` still running?");
  }
  return answer(response.status, response.statusText, await response.text());
}

/** The JSON of an answer, or the ApiError it carries (one error shape for fetch and XHR). */
function answer(status, statusText, text) {
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (status < 200 || status > 299) {
    const err = data && data.error ? data.error : {};
    const apiError = new ApiError(status, err.code || `http_${status}`,
      err.message || `The companion answered ${status} ${statusText}.`);
    if (status === 401) onUnauthorized(apiError);
    if (STORE_PROBLEMS[apiError.code]) onStoreProblem(apiError);
    throw apiError;
  }
  return data;
}

/**
 * POST a FormData with upload progress: fetch() reports none, XMLHttpRequest's
 * `upload` events do. `onProgress(sent, total)` while the body goes out;
 * `onSent()` once the last byte left (the companion then imports). Same token,
 * JSON and errors as request().
 */
export function upload(path, form, { onProgress, onSent } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.withCredentials = false;
    if (onProgress) xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0));
    if (onSent) xhr.upload.addEventListener("load", () => onSent());
    xhr.addEventListener("load", () => {
      try {
        resolve(answer(xhr.status, xhr.statusText, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    });
    const unreachable = () => reject(new ApiError(0, "unreachable",
      "The connection to the companion broke off. Is `tierlink serve` still running?"));
    xhr.addEventListener("error", unreachable);
    xhr.addEventListener("abort", unreachable);
    xhr.send(form);
  });
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body),
  put: (path, body) => request("PUT", path, body),
  patch: (path, body) => request("PATCH", path, body),
  del: (path) => request("DELETE", path),
};

/** Path segments are encoded so an id can never change the route. */
export function pathOf(...parts) {
  return parts.map((p, i) => (i === 0 ? p : encodeURIComponent(String(p)))).join("/");
}

let choicesOnce = null;

/**
 * Every list of values the companion accepts (GET /api/choices: import formats, statuses,
 * kinds, via, …) as {name: [{value, label}]}, fetched once per page. The dashboard types
 * none of these lists itself, so its options are always the ones the companion checks.
 */
export function choices() {
  if (!choicesOnce) {
    choicesOnce = api.get("/api/choices").catch((err) => {
      choicesOnce = null; // a failed fetch is tried again next time
      throw err;
    });
  }
  return choicesOnce;
}
