// web/js/api.js - the admin API over fetch, with the admin token: asked for
// once on a 401 (a <dialog>), kept in sessionStorage, sent as a Bearer header
// (and as ?token= where headers cannot go: EventSource, downloads).

const TOKEN_KEY = 'switchyard.admin-token';

/** An API failure: HTTP status, the server's message and, if one, the field at fault. */
export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || '';
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** `url` with ?token= added when a token is in use. */
export function withToken(url) {
  const t = token();
  if (!t) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`;
}

// One question at a time: every request that meets a 401 meanwhile waits for it.
let asking = null;

/** Shows the token dialog; resolves once the user gave a token. */
export function askToken(rejected) {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const reason = document.getElementById('token-reason');
  reason.textContent = rejected
    ? 'The token was not accepted. Enter the admin token again.'
    : 'This server needs its admin token ([admin] token).';
  input.value = '';
  asking = new Promise((resolve) => {
    const done = () => {
      const value = input.value.trim();
      if (!value) { dialog.showModal(); return; }  // the dashboard is useless without it: ask on
      dialog.removeEventListener('close', done);
      sessionStorage.setItem(TOKEN_KEY, value);
      asking = null;
      resolve(value);
    };
    dialog.addEventListener('close', done);
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/**
 * A JSON request to the admin API. Resolves with the parsed body (null for
 * 204); rejects with ApiError. A 401 asks for the token and retries (3 tries).
 */
export async function api(path, {method = 'GET', body} = {}) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const sent = token();
    const headers = {Accept: 'application/json'};
    if (sent) headers.Authorization = `Bearer ${sent}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) {
      // Another request may have got a new token meanwhile: retry with it first.
      if (token() === sent) await askToken(Boolean(sent));
      continue;
    }
    const text = res.status === 204 ? '' : await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = {error: text.trim()}; }
    if (!res.ok) throw new ApiError(res.status, (data && data.error) || `HTTP ${res.status}`, data && data.field);
    return data;
  }
  throw new ApiError(401, 'the admin token was not accepted');
}

/** "/api/networks/" + name, escaped. */
export function networkPath(name, ...rest) {
  return ['/api/networks', name, ...rest].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join('/');
}
