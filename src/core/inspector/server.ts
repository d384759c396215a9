/**
 * The inspector's HTTP server: the page (assets/) and its JSON API over an InspectorBackend,
 * on 127.0.0.1 only. It owns HTTP, the page's security and live streaming; it never touches
 * the store, the relay or the terminal (the backend does). Of the rest of hookctl it imports
 * only the checks of filter values (core/store/filter.ts), so the API and the CLI accept and
 * refuse the same ones.
 *
 * Security (CONTRACT "The inspector"): every request must carry `Host: 127.0.0.1:PORT` or
 * `localhost:PORT` (DNS rebinding), else 403. Then the user's access token (access.ts): in
 * the cookie `hookctl-inspector-PORT`, or as `?token=` (the URL listen and inspect print),
 * which is answered with that cookie (HttpOnly, SameSite=Strict); without either, or with a
 * wrong one, every route is 401 (a page saying where the URL is printed; JSON under /api/). POST and DELETE must carry the page's
 * per-process token in `X-Hookctl-Token` (from `<meta name="hookctl-token">`) and be
 * same-origin: an `Origin` other than this server's, or a `Sec-Fetch-Site` other than
 * `same-origin`/`none`, is refused (403). `/api/` GETs asked cross-site are refused too. No
 * answer carries a CORS header; every one carries nosniff, CORP same-origin, a strict CSP
 * (no inline script, no framing) and no-referrer; API answers are `Cache-Control: no-store`.
 *
 * The JSON API (errors are `{"error": message}`: 400 bad input, 403 refused, 404 unknown id,
 * 405 wrong method, 409 cannot be done as it is, 413 body over 26 MiB, 415 body not JSON, 503
 * store unavailable: each the status of the typed error thrown (errors.ts's one table); 500
 * otherwise — never a stack):
 *
 *   GET    /api/info                          → InspectorInfo
 *   GET    /api/deliveries?event=&repository=&sender=&status=&signature=&drift=1
 *                         &since=&until=&q=&cursor=&limit=
 *                                             → {"deliveries": [DeliveryRecord…], "next": cursor|null}
 *          newest first. event is "event" or "event.action"; status "401" or "4xx"; signature
 *          valid|invalid|missing|unchecked; since/until ISO 8601; q text in the payload; limit
 *          1–200 (default 50). A page may hold fewer than `limit` records while `next` is not
 *          null (a text search stops after a time budget): keep asking with `cursor=next`.
 *   GET    /api/deliveries/:id                → DeliveryDetail (headers, attempts, payloadText, siblings)
 *   GET    /api/deliveries/:id/raw[?attempt=N] → the exact bytes received (or attempt N's own
 *          edited body): application/octet-stream, Content-Disposition: attachment; filename=<id>.json
 *   GET    /api/deliveries/:id/export?format=curl|fixture[&download=1]
 *                                             → text (curl) or JSON (fixture); download=1 adds
 *          Content-Disposition: attachment
 *   POST   /api/deliveries/:id/replay         {to?, resign?, newDeliveryId?, payload?} → {"attempt": AttemptRecord}
 *          (payload = edited JSON text: edit and replay)
 *   DELETE /api/deliveries/:id                → {"removed": id}
 *   POST   /api/validate                      {event, action, payload} → ValidationOutcome
 *   GET    /api/catalog                       → {"catalog": [CatalogItem…]}
 *   GET    /api/catalog/:name                 → {event, action, payload} (the sample's JSON text)
 *   POST   /api/send                          {name, payload?, to?, sign?} → SendOutcome
 *   GET    /api/stream?event=&repository=&…&q= → text/event-stream: `event: delivery|updated|
 *          attempt|removed|reset` + `data: <InspectorEvent JSON>`; a `: heartbeat` comment every
 *          15 s. With the list's filters (not cursor or limit), `delivery` and `updated` come
 *          only for deliveries the list would show under them; `reset`: load the list again.
 *
 * Everything else: GET / (the page), GET /<asset path> (its files), 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { accessCookieName, cookieValue, newAccessToken, sameToken } from './access.js';
import type { InspectorBackend } from './backend.js';
import { AuthError, ForbiddenError, MethodNotAllowedError, NotFoundError, UsageError } from '../../errors.js';
import { loadAssets, type Asset } from './assets.js';
import { sendError, setSecurityHeaders } from './http.js';
import { findRoute, parseStreamQuery } from './routes.js';
import { EventHub } from './stream.js';

const DEFAULT_INSPECTOR_PORT = 4141;
/** When the port is taken, the next ones are tried: port+1 … port+PORT_TRIES. */
export const PORT_TRIES = 20;
const TOKEN_HEADER = 'x-hookctl-token';

export interface InspectorOptions {
  backend: InspectorBackend;
  /** Default 4141; 0 = an ephemeral port (tests). */
  port?: number;
  /** The user chose this port: taken is an error (EADDRINUSE), never the next one. */
  exactPort?: boolean;
  /** Keep-alive comment interval on /api/stream (default 15 s). */
  heartbeatMs?: number;
  /** Unsent bytes beyond which a stream client is dropped (default 1 MiB). */
  streamBacklogBytes?: number;
  /** Folder of the page's files (default: assets/ next to this module). */
  assetsDir?: string;
  /** The user's access token (access.ts: accessTokenIn); default a new one for this server. */
  accessToken?: string;
}

export interface Inspector {
  /** http://127.0.0.1:PORT/ (every route of it needs the access token). */
  url: string;
  /** The URL to open and print: url with `?token=` (exchanged for the cookie on first load). */
  openUrl: string;
  /** The user's access token. */
  accessToken: string;
  port: number;
  /** The per-process CSRF token the page sends with POST and DELETE. */
  token: string;
  /** Live stream clients (tests, diagnostics). */
  streams(): { open: number; dropped: number };
  close(): Promise<void>;
}

interface ServerState {
  backend: InspectorBackend;
  token: Buffer;
  accessToken: string;
  port: number;
  assets: Map<string, Asset>;
  hub: EventHub;
}

function listenOn(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: '127.0.0.1', exclusive: true });
  });
}

/** Bind 127.0.0.1:port, or the next free port up to port+PORT_TRIES. */
async function bindLoopback(server: Server, port: number, exact = false): Promise<number> {
  const last = port === 0 || exact ? port : Math.min(port + PORT_TRIES, 65535);
  for (let candidate = port; ; candidate += 1) {
    try {
      return await listenOn(server, candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || candidate >= last) throw error;
    }
  }
}

export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const tokenBytes = randomBytes(32);
  const token = tokenBytes.toString('hex');
  const assets = await loadAssets(token, options.assetsDir);
  const hub = new EventHub(options.backend, {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxBacklogBytes: options.streamBacklogBytes ?? 1024 * 1024,
  });
  const accessToken = options.accessToken ?? newAccessToken();
  const state: ServerState = { backend: options.backend, token: Buffer.from(token, 'utf8'), accessToken, port: 0, assets, hub };
  const server = createServer((req, res) => void handle(state, req, res));
  server.keepAliveTimeout = 5_000;
  state.port = await bindLoopback(server, options.port ?? DEFAULT_INSPECTOR_PORT, options.exactPort);
  return {
    url: `http://127.0.0.1:${state.port}/`,
    openUrl: `http://127.0.0.1:${state.port}/?token=${accessToken}`,
    accessToken,
    port: state.port,
    token,
    streams: () => ({ open: hub.size, dropped: hub.dropped }),
    close: () =>
      new Promise<void>((resolve) => {
        hub.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why a request is refused before routing (403), or null when it may proceed. */
function refusal(state: ServerState, req: IncomingMessage, isApi: boolean): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${state.port}` && host !== `localhost:${state.port}`) {
    return `the inspector answers only to Host 127.0.0.1:${state.port} or localhost:${state.port}`;
  }
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const changes = req.method !== 'GET' && req.method !== 'HEAD';
  const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
  if (changes) {
    if (origin !== undefined && origin !== `http://127.0.0.1:${state.port}` && origin !== `http://localhost:${state.port}`) {
      return 'cross-origin requests may not change anything';
    }
    if (crossSite) return 'cross-site requests may not change anything';
    const sent = req.headers[TOKEN_HEADER];
    const given = Buffer.from(typeof sent === 'string' ? sent : '', 'utf8');
    if (given.length !== state.token.length || !timingSafeEqual(given, state.token)) {
      return 'missing or wrong X-Hookctl-Token (reload the inspector page)';
    }
  } else if (isApi && crossSite) {
    return 'the API is not readable from another site';
  }
  return null;
}

/**
 * Does the request carry the access token (cookie, or `?token=`)? A right `?token=` is
 * answered with the cookie, so the page and its requests need the URL's token only once.
 */
function admitted(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const name = accessCookieName(state.port);
  const given = url.searchParams.get('token');
  if (given !== null) {
    if (!sameToken(given, state.accessToken)) return false;
    res.setHeader('Set-Cookie', `${name}=${state.accessToken}; Path=/; HttpOnly; SameSite=Strict; Max-Age=34560000`);
    return true;
  }
  return sameToken(cookieValue(req.headers.cookie, name), state.accessToken);
}

/** 401 for the page and its files: where the URL with the token is printed. No script, no style. */
function sendUnauthorizedPage(res: ServerResponse, port: number): void {
  sendPage(res, 401, 'hookctl inspector: token needed', `<h1>This inspector needs its token</h1>
<p>Only the user who started it may use it. Open the URL that <code>hookctl listen</code> or <code>hookctl inspect</code> printed in its terminal:</p>
<pre>Inspector: http://127.0.0.1:${port}/?token=…</pre>
<p>The token is kept in <code>inspector-token</code> in hookctl's data folder (<code>$HOOKCTL_HOME</code>), readable only by that user. Once opened with it, this browser remembers it.</p>`);
}

/** A small page of its own (no script, no style: the CSP allows neither inline). */
function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = Buffer.from(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
${body}
</body>
</html>
`, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(html.length), 'Cache-Control': 'no-store' });
  res.end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setSecurityHeaders(res);
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const refused = refusal(state, req, isApi);
    if (refused) throw new ForbiddenError(refused);
    if (!admitted(state, req, res, url)) {
      if (isApi) throw new AuthError(`the inspector needs its token: use the URL hookctl listen or hookctl inspect printed (Inspector: http://127.0.0.1:${state.port}/?token=…)`);
      sendUnauthorizedPage(res, state.port);
      return;
    }
    // The token is the server's; the routes never see it (their queries refuse unknown parameters).
    url.searchParams.delete('token');
    if (isApi) await handleApi(state, req, res, url);
    else serveAsset(state, req, res, url);
  } catch (error) {
    sendError(res, error);
  }
}

async function handleApi(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  let segments: string[];
  try {
    segments = url.pathname.slice('/api/'.length).split('/').map((part) => decodeURIComponent(part));
  } catch {
    throw new UsageError('malformed path');
  }
  if (segments.length === 1 && segments[0] === 'stream') {
    if (method !== 'GET') throw new MethodNotAllowedError('use GET', ['GET']);
    state.hub.open(req, res, parseStreamQuery(url.searchParams));
    return;
  }
  const found = findRoute(method, segments);
  if (!found) throw new NotFoundError(`no such API route: ${method} ${url.pathname}`);
  if ('allowed' in found) throw new MethodNotAllowedError(`use ${found.allowed.join(' or ')}`, found.allowed);
  await found.route.handle({ backend: state.backend, req, res, url, params: segments });
}

function serveAsset(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowedError('use GET', ['GET', 'HEAD']);
  const path = url.pathname === '/' ? '/index.html' : url.pathname;
  const asset = state.assets.get(path);
  if (!asset) {
    sendPage(res, 404, 'hookctl inspector: no such page', `<h1>No such page</h1>
<p>The inspector has no page at <code>${escapeHtml(url.pathname)}</code>. <a href="/">Go to the deliveries</a>.</p>`);
    return;
  }
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': String(asset.body.length),
    // The page carries the per-process token: never cached. Its files are revalidated.
    'Cache-Control': path === '/index.html' ? 'no-store' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
