/**
 * The webhook receiver: a node:http server that reads each raw body (with a cap), checks it
 * in a fixed order, applies the answer policy (policy.ts), hands the delivery to an injected
 * sink (the store) and answers only once the sink says it is kept. It knows no store, tunnel
 * or terminal: it reports what happened through callbacks.
 *
 * Order of checks (first failure wins; CONTRACT "What listen answers"):
 *   a browser's request, any method (403, body never read: see browserRequest)
 *   → GET / (says only that hookctl listens) → POST only (405)
 *   → path (404 with --path) → size from Content-Length (413) → content type (415)
 *   → read body, capped while streaming (413) → signature over the raw bytes (401, stored)
 *   → X-GitHub-Event, readable JSON (400, stored) → sink → 200, or 503 if it could not be kept.
 *   A redelivery (same X-GitHub-Delivery) is just another 200.
 *
 * Memory: the bodies being read or waiting for the sink are bounded in bytes across every
 * connection (BodyBudget). A request whose body does not fit waits, unread, until earlier
 * bodies are stored: its socket is not read meanwhile (backpressure, not refusal), so many
 * concurrent 25 MiB bodies cost one budget, not their sum.
 */
import { createHash, type Hash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diagnose } from '../webhook/diagnose.js';
import { bodyKindOf } from '../webhook/headers.js';
import { matchingSecretIndex } from '../webhook/signing.js';
import { MAX_BODY_BYTES, type Algorithm, type BodyKind, type SignatureVerdict } from '../webhook/types.js';
import { decide, REJECTED_KEEP_BYTES } from './policy.js';

/** A delivery as read off the wire and decided, before it is stored. */
export interface ReceivedDelivery {
  deliveryId: string | null;
  event: string | null;
  action: string | null;
  /** node rawHeaders: [name, value, …], exactly as received (order and case). */
  rawHeaders: string[];
  /** The body bytes kept: exact, or the first MiB of a rejected one (see bodyBytes). */
  body: Buffer;
  /** Length and sha256 of the whole body, when `body` is not all of it. */
  bodyBytes?: number;
  bodySha256?: string;
  receivedAt: Date;
  remoteAddress: string | null;
  method: string;
  path: string;
  /** scheme://host:port/path where it was received (the local listener address). */
  url: string;
  contentType: string | null;
  bodyKind: BodyKind;
  signature: SignatureVerdict;
  signatureReason: string | null;
  signatureAlgorithm: Algorithm | null;
  /** What the receiver answers once the delivery is kept: 200, 400 or 401. */
  status: number;
  /** Why it is rejected (400/401), in words a user can act on; null when accepted. */
  rejectReason: string | null;
  repository: string | null;
  sender: string | null;
  /** X-GitHub-Hook-ID, when present and numeric. */
  hookId: number | null;
}

/** What the sink answers once the delivery is durably kept. */
export interface SinkResult {
  id: string;
  attempt: number;
}

/** A request answered without being stored (403, 404, 405, 413, 415, 503). */
export interface RefusedRequest {
  status: number;
  reason: string;
  /** Refused as a browser's request (403). */
  browser?: boolean;
  method: string;
  path: string;
  remoteAddress: string | null;
  at: Date;
}

export interface ReceiverOptions<S extends SinkResult = SinkResult> {
  secrets?: string[];
  /** Accept deliveries only on this path (default: every path). */
  path?: string;
  maxBodyBytes?: number;
  /** Keep the delivery; resolve once it is on disk. A rejection means 503. */
  sink: (delivery: ReceivedDelivery) => Promise<S>;
  /** Called after the answer for a kept delivery (accepted or rejected) was sent. */
  onDelivery?: (delivery: ReceivedDelivery, stored: S) => void;
  /** Called for requests refused without being stored. */
  onRefused?: (refused: RefusedRequest) => void;
  /** Time allowed for the request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time allowed for a whole request, body included (default 60 s). */
  requestTimeoutMs?: number;
  /** Bytes of bodies read or waiting for the sink at once, across connections (default BODY_BUDGET_BYTES). */
  bodyBudgetBytes?: number;
}

/** What bodies being read or stored may hold at once; one bigger body is let through alone. */
export const BODY_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * Bytes held by bodies being read or waiting for the sink, across connections. A request
 * reserves its whole body before a byte of it is read (its Content-Length; without one, the
 * most it may send), so every admitted body can finish: no deadlock between half-read bodies.
 * Requests are admitted in arrival order, each when it fits, or alone when nothing is held
 * (a body over the budget still goes). Until admitted, the body is not read: node stops
 * reading the socket once its small buffer is full, and the sender waits.
 */
class BodyBudget {
  private held = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(private readonly budget: number) {}

  /** Resolves once `bytes` are reserved; the returned function gives back what is still held. */
  async reserve(bytes: number): Promise<(keep?: number) => void> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.held += bytes;
    else await new Promise<void>((admit) => this.waiting.push({ bytes, admit }));
    let reserved = bytes;
    return (keep = 0) => {
      // Shrink to `keep` (a body without Content-Length, now read), or give it all back; again is harmless.
      const freed = reserved - Math.min(keep, reserved);
      reserved -= freed;
      this.held -= freed;
      if (freed > 0) this.admit();
    };
  }

  /** Bytes reserved now. */
  get bytes(): number {
    return this.held;
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.budget;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.held += next.bytes;
      next.admit();
    }
  }
}

export interface Receiver {
  server: Server;
  /** Listen; resolves with the bound address. Throws ListenError (EADDRINUSE…). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Replace the secrets at run time (rotation, the tunnel's generated secret). */
  setSecrets(secrets: string[]): void;
  secretCount(): number;
  /** Requests being read or waiting for the sink. */
  inFlight(): number;
  /** Stop accepting, wait for in-flight requests to be answered, close idle connections. */
  close(): Promise<void>;
}

export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v[0] : v;
}

/** What `GET /` says: that hookctl listens here, and nothing about what it keeps. */
const STATUS_BODY = { name: 'hookctl', message: 'hookctl listens here for webhooks (POST)' } as const;

/**
 * Why a request comes from a web browser, or null. No webhook sender is a browser (GitHub,
 * curl, hookctl, an app's HTTP client), and a web page must neither write deliveries nor read
 * the receiver (CSRF, DNS rebinding). Browsers send `Origin` on every cross-origin request and
 * every POST, and the `Sec-Fetch-*` headers together (Site with Mode) on requests to loopback
 * and https origins; a page cannot set or remove any of them. Any `Sec-Fetch-Mode` is refused
 * but one: Node's fetch (undici) sends `Sec-Fetch-Mode: cors` alone, with no Site and no Origin,
 * on every request, and is an app's HTTP client, not a browser (a browser's cors request always
 * carries Sec-Fetch-Site and Origin too, and is refused for those).
 */
function browserRequest(req: IncomingMessage): string | null {
  const origin = header(req, 'origin');
  if (origin !== null) return `Origin: ${origin}`;
  const site = header(req, 'sec-fetch-site');
  if (site !== null && site !== 'none' && site !== 'same-origin') return `Sec-Fetch-Site: ${site}`;
  const mode = header(req, 'sec-fetch-mode');
  if (mode === null || (site === null && mode === 'cors')) return null;
  return `Sec-Fetch-Mode: ${mode}`;
}

interface ReadBody {
  body: Buffer;
  /** Set when only the first `keep` bytes were kept. */
  received?: { bytes: number; sha256: string };
}

/**
 * Read the raw body, refusing anything over `max` bytes. With `keep`, bytes past it are
 * hashed (for the record) but not buffered: a body that will be rejected costs no memory.
 */
function readBody(req: IncomingMessage, max: number, keep = Infinity): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    // With a Content-Length, fill one preallocated buffer (no second copy of a 25 MiB body).
    const fixed = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(Math.min(declared, keep)) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let kept = 0;
    let hash: Hash | null = null;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) return fail(new HttpRefusal(413, `body over ${max} bytes`));
      if (fixed && size > declared) return fail(new HttpRefusal(400, 'body longer than its Content-Length'));
      if (size > keep) (hash ??= createHash('sha256').update(fixed ? fixed.subarray(0, kept) : Buffer.concat(chunks, kept))).update(chunk);
      const room = Math.min(chunk.length, keep - kept);
      if (room <= 0) return;
      const part = room === chunk.length ? chunk : chunk.subarray(0, room);
      if (fixed) part.copy(fixed, kept);
      else chunks.push(part);
      kept += room;
    });
    req.on('end', () => {
      if (failed) return;
      const body = fixed ? (kept === fixed.length ? fixed : fixed.subarray(0, kept)) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept);
      resolve(hash ? { body, received: { bytes: size, sha256: hash.digest('hex') } } : { body });
    });
    req.on('error', fail);
    req.on('aborted', () => fail(new Error('client went away')));
  });
}

interface Verdict {
  signature: SignatureVerdict;
  reason: string | null;
  algorithm: Algorithm | null;
}

/** Bodies up to this size get the cause of a signature mismatch in their 401 (see checkSignature). */
export const DIAGNOSE_MAX_BYTES = 64 * 1024;

/** The signature verdict for a body; why it does not match, in the one explanation's words. */
export function checkSignature(secrets: readonly string[], req: IncomingMessage, body: Buffer, complete = true): Verdict {
  const sha256 = header(req, 'x-hub-signature-256');
  const sha1 = header(req, 'x-hub-signature');
  if (secrets.length === 0) {
    return { signature: 'unchecked', reason: null, algorithm: sha256 ? 'sha256' : sha1 ? 'sha1' : null };
  }
  // sha256 is required when present; only an old GHES without it falls back to sha1.
  const [algorithm, value] = sha256 !== null ? (['sha256', sha256] as const) : sha1 !== null ? (['sha1', sha1] as const) : [null, null];
  if (algorithm === null || value === null) {
    return { signature: 'missing', reason: 'missing header: no X-Hub-Signature-256 (or X-Hub-Signature); is a secret set on the webhook?', algorithm: null };
  }
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix) || !/^[0-9a-f]+$/i.test(value.slice(prefix.length))) {
    return { signature: 'invalid', reason: `malformed ${algorithm === 'sha256' ? 'X-Hub-Signature-256' : 'X-Hub-Signature'} header (expected ${prefix}<hex>)`, algorithm };
  }
  if (complete && matchingSecretIndex(secrets, body, value) !== -1) return { signature: 'valid', reason: null, algorithm };
  // Looking for the cause parses, re-serializes and re-signs copies on the event loop (~100 ms
  // for 1 MB here): only for bodies up to DIAGNOSE_MAX_BYTES, so a stranger cannot stall the
  // receiver; `hookctl verify` explains a body of any size.
  return { signature: 'invalid', reason: diagnose(secrets, body, value, { maxVariantBytes: complete ? DIAGNOSE_MAX_BYTES : -1 }).reason, algorithm };
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, close = false): void {
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

function localUrl(req: IncomingMessage, path: string): string {
  const socket = req.socket;
  let host = socket.localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${socket.localPort}${path}`;
}

export function createReceiver<S extends SinkResult = SinkResult>(options: ReceiverOptions<S>): Receiver {
  let secrets = [...(options.secrets ?? [])];
  const max = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const budget = new BodyBudget(options.bodyBudgetBytes ?? BODY_BUDGET_BYTES);
  let inFlight = 0;
  let drained: (() => void) | null = null;

  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string, path: string, browser = false) => {
    // Close the connection when the body was not read, so a client still sending stops.
    send(res, status, { error: reason }, !req.complete);
    if (!req.complete) {
      req.resume();
      // Do not keep draining a huge upload forever.
      const timer = setTimeout(() => req.socket.destroy(), 2000);
      timer.unref();
      res.on('close', () => clearTimeout(timer));
    }
    options.onRefused?.({ status, reason, method: req.method ?? '', path, remoteAddress: req.socket.remoteAddress ?? null, at: new Date(), ...(browser ? { browser } : {}) });
  };

  /** The checks before the body is read; returns the body kind, or null when refused. */
  function precheck(req: IncomingMessage, res: ServerResponse, rawPath: string, method: string): BodyKind | null {
    const pathname = rawPath.split('?')[0];
    const browser = browserRequest(req);
    if (browser) {
      refuse(req, res, 403, `refused a web browser's request (${browser}): webhooks do not come from web pages`, rawPath, true);
      return null;
    }
    if (method === 'GET' || method === 'HEAD') {
      if (pathname === '/' || (options.path && pathname === options.path)) {
        // A tunnel probe (core/tunnel/probe) proves the way in by getting its token back.
        const probe = header(req, 'x-hookctl-probe');
        send(res, 200, { ...STATUS_BODY, ...(probe && /^[0-9a-f]{16,64}$/.test(probe) ? { probe } : {}) });
      }
      else send(res, 404, { error: 'not found: webhooks are POSTed' });
      return null;
    }
    if (method !== 'POST') {
      res.setHeader('allow', 'POST, GET');
      refuse(req, res, 405, `method ${method} not allowed: webhooks are POSTed`, rawPath);
      return null;
    }
    if (options.path && pathname !== options.path) {
      refuse(req, res, 404, `not found: deliveries are accepted on ${options.path}`, rawPath);
      return null;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      refuse(req, res, 413, `body of ${declared} bytes is over the ${max}-byte limit`, rawPath);
      return null;
    }
    const contentType = header(req, 'content-type');
    const kind = bodyKindOf(contentType);
    if (!kind) refuse(req, res, 415, `content type ${contentType ?? '(none)'} is not application/json or application/x-www-form-urlencoded`, rawPath);
    return kind;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const rawPath = req.url ?? '/';
    const method = req.method ?? 'GET';
    const kind = precheck(req, res, rawPath, method);
    if (!kind) return;

    // With a secret configured, a request without any signature header is a 401 whatever
    // it carries: keep only the start of its body.
    const unsigned = secrets.length > 0 && header(req, 'x-hub-signature-256') === null && header(req, 'x-hub-signature') === null;
    const keep = unsigned ? REJECTED_KEEP_BYTES : Infinity;
    // The most this body may hold: its Content-Length (checked against max already), else max.
    const declared = Number(req.headers['content-length']);
    const release = await budget.reserve(Math.min(Number.isSafeInteger(declared) && declared >= 0 ? declared : max, keep));
    // Given back once stored (below), or whenever the request ends otherwise.
    res.on('close', () => release());
    if (req.destroyed || res.closed) {
      // Gone while it waited its turn.
      release();
      return;
    }
    let read: ReadBody;
    try {
      read = await readBody(req, max, keep);
    } catch (err) {
      release();
      if (err instanceof HttpRefusal) refuse(req, res, err.status, err.message, rawPath);
      else req.socket.destroy();
      return;
    }
    release(read.body.length);

    const verdict = checkSignature(secrets, req, read.body, read.received === undefined);
    const event = header(req, 'x-github-event');
    const decision = decide({ signature: verdict.signature, signatureReason: verdict.reason, event, kind, body: read.body, received: read.received });
    const hookId = Number(header(req, 'x-github-hook-id'));
    const delivery: ReceivedDelivery = {
      deliveryId: header(req, 'x-github-delivery'),
      event,
      action: decision.action,
      rawHeaders: req.rawHeaders,
      body: decision.keep,
      ...(decision.bodyBytes !== undefined ? { bodyBytes: decision.bodyBytes, bodySha256: decision.bodySha256 } : {}),
      receivedAt,
      remoteAddress: req.socket.remoteAddress ?? null,
      method,
      path: rawPath,
      url: localUrl(req, rawPath),
      contentType: header(req, 'content-type'),
      bodyKind: kind,
      signature: verdict.signature,
      signatureReason: verdict.reason,
      signatureAlgorithm: verdict.algorithm,
      status: decision.status,
      rejectReason: decision.reason,
      repository: decision.repository,
      sender: decision.sender,
      hookId: Number.isSafeInteger(hookId) && hookId > 0 ? hookId : null,
    };

    let stored: S;
    try {
      stored = await options.sink(delivery);
    } catch (err) {
      release();
      // Never a 200 (or a 4xx that claims "stored as rejected") for something not kept.
      send(res, 503, { error: 'the delivery could not be stored; try again' });
      options.onRefused?.({ status: 503, reason: (err as Error)?.message ?? String(err), method, path: rawPath, remoteAddress: delivery.remoteAddress, at: receivedAt });
      return;
    }
    // Stored: what happens to the body now (a forward) is bounded on its own.
    release();
    if (delivery.status === 200) send(res, 200, { ok: true, id: stored.id, attempt: stored.attempt });
    else send(res, delivery.status, { error: delivery.rejectReason, id: stored.id });
    options.onDelivery?.(delivery, stored);
  }

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks those timeouts every connectionsCheckingInterval (30 s by default).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => {
    inFlight++;
    let counted = true;
    res.on('close', () => {
      if (!counted) return;
      counted = false;
      inFlight--;
      if (inFlight === 0 && drained) drained();
    });
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error)?.message ?? 'internal error' });
      else res.destroy();
    });
  });
  server.headersTimeout = headersTimeout;
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.keepAliveTimeout = 5_000;
  // Every header GitHub (or a proxy in between) sends is kept: the count is bounded by
  // node's 16 KB limit on the header section, not by a number of headers.
  server.maxHeadersCount = 0;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          reject(new ListenError(err.message, err.code ?? 'UNKNOWN'));
        };
        const onListening = () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      });
    },
    setSecrets(list) {
      secrets = list.filter((s) => s !== '');
    },
    secretCount: () => secrets.length,
    inFlight: () => inFlight,
    close: () => closeServer(server, () => inFlight, (fn) => (drained = fn)),
  };
}

/** Stop accepting, let in-flight requests finish (15 s at most), close idle keep-alive sockets. */
function closeServer(server: Server, inFlight: () => number, onDrained: (fn: (() => void) | null) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    let pending = 2;
    const finish = () => {
      if (--pending === 0) resolve();
    };
    server.close(() => finish());
    server.closeIdleConnections();
    if (inFlight() === 0) finish();
    else
      onDrained(() => {
        onDrained(null);
        server.closeIdleConnections();
        finish();
      });
    const timer = setTimeout(() => server.closeAllConnections(), 15_000);
    timer.unref();
  });
}
