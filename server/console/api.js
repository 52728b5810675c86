// fetch wrapper: same-origin cookie session, X-CSRF-Token on every request but
// GET, JSON errors as ApiError, 401 -> the sign-in form (through onUnauthorized).

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || (status ? `http_${status}` : 'network');
    this.body = body || null;
    const error = body && body.error && typeof body.error === 'object' ? body.error : {};
    this.reasonCode = error.reason_code ?? null;
    this.state = error.state ?? null;
    this.duplicate = error.duplicate ?? null;
    this.diagnostics = Array.isArray(error.diagnostics) ? error.diagnostics : null;
  }
}

let csrfToken = null;
let unauthorizedHandler = null;

// The CSRF token lives in this variable only (never in storage or a URL).
export function setCsrf(token) {
  csrfToken = token || null;
}

export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function buildUrl(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

// request('GET', '/v1/tickets', {query, body, as: 'json'|'text', auth401: true})
export async function request(method, path, opts = {}) {
  const headers = {'Accept': opts.as === 'text' ? '*/*' : 'application/json'};
  const init = {method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error'};
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  if (opts.signal) init.signal = opts.signal;
  const started = Date.now();
  let response;
  try {
    response = await fetch(buildUrl(path, opts.query), init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `The service did not answer (${e && e.message ? e.message : e}).`);
  }
  const received = Date.now();
  if (response.status === 401 && opts.auth401 !== false && unauthorizedHandler) {
    unauthorizedHandler();
  }
  if (response.status === 204) return null;
  const text = await response.text();
  if (!response.ok) {
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const error = body && body.error && typeof body.error === 'object' ? body.error : null;
    let message = error && error.message ? error.message : null;
    if (!message) message = text && text.length < 300 && !/^\s*</.test(text) ? text.trim() : `HTTP ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, error && error.code ? error.code : `http_${response.status}`, message, body);
  }
  if (opts.as === 'text') return text;
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, 'bad_json', 'The service answered something that is not JSON.');
  }
  if (data && typeof data === 'object' && typeof data.now === 'string') {
    serviceClock.sample(data.now, started, received);
  }
  return data;
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, {...opts, query}),
  text: (path, query, opts = {}) => request('GET', path, {...opts, query, as: 'text'}),
  post: (path, body, opts = {}) => request('POST', path, {...opts, body}),
  del: (path, opts = {}) => request('DELETE', path, opts),
};

// Path segments (ticket ids, version ids) percent-encoded.
export function seg(value) {
  return encodeURIComponent(String(value));
}

// ---------------------------------------------------------------- the service clock

// The service's clock (GET /v1/health `now`, and `now` of the overview), which
// may run faster than real time in tests: now() = anchor + rate * elapsed, the
// rate measured between the first sample and the latest one.
export const serviceClock = {
  first: null,   // {service, local}
  anchor: null,  // {service, local}
  rate: 1,
  sample(iso, sentLocal, receivedLocal) {
    const service = Date.parse(iso);
    if (!Number.isFinite(service)) return;
    const local = (sentLocal + receivedLocal) / 2;
    if (!this.first) this.first = {service, local};
    const span = local - this.first.local;
    if (span > 3000) {
      const rate = (service - this.first.service) / span;
      // Within the noise of second-resolution times, the clock runs at real speed.
      if (Number.isFinite(rate) && rate > 0) this.rate = rate > 0.85 && rate < 1.15 ? 1 : rate;
    }
    if (service < (this.anchor ? this.anchor.service : -Infinity) - 60000) {
      // The service's clock went back: start measuring again.
      this.first = {service, local};
      this.rate = 1;
    }
    this.anchor = {service, local};
  },
  now() {
    if (!this.anchor) return Date.now();
    return this.anchor.service + (Date.now() - this.anchor.local) * this.rate;
  },
  // YYYY-MM-DD of the service's today in the browser's zone.
  today() {
    const d = new Date(this.now());
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  },
};

export async function pollHealth() {
  try {
    return await request('GET', '/v1/health', {auth401: false});
  } catch (e) {
    // 503 degraded still carries `now`.
    if (e instanceof ApiError && e.body && typeof e.body.now === 'string') {
      serviceClock.sample(e.body.now, Date.now(), Date.now());
      return e.body;
    }
    return null;
  }
}
