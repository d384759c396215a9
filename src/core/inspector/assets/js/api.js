// The page's only door to the server: the JSON API under /api/ (documented in server.ts).
// State-changing calls carry the per-process token from the page's <meta> tag.

const token = document.querySelector('meta[name="hookctl-token"]')?.content ?? '';

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Hookctl-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'the inspector is not reachable (is hookctl still running?)');
  }
  const type = response.headers.get('content-type') ?? '';
  const data = type.startsWith('application/json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, (data && data.error) || `HTTP ${response.status}`);
  return data;
}

const enc = encodeURIComponent;

export const api = {
  info: () => request('GET', '/api/info'),
  list: (params) => request('GET', `/api/deliveries?${params}`),
  get: (id) => request('GET', `/api/deliveries/${enc(id)}`),
  replay: (id, body) => request('POST', `/api/deliveries/${enc(id)}/replay`, body),
  remove: (id) => request('DELETE', `/api/deliveries/${enc(id)}`),
  exportText: (id, format) => request('GET', `/api/deliveries/${enc(id)}/export?format=${format}`),
  validate: (event, action, payload) => request('POST', '/api/validate', { event, action, payload }),
  catalog: () => request('GET', '/api/catalog'),
  sample: (name) => request('GET', `/api/catalog/${enc(name)}`),
  send: (body) => request('POST', '/api/send', body),
};

export function rawUrl(id, attempt) {
  return `/api/deliveries/${enc(id)}/raw${attempt ? `?attempt=${attempt}` : ''}`;
}

export function exportUrl(id, format) {
  return `/api/deliveries/${enc(id)}/export?format=${format}&download=1`;
}
