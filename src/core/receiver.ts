/**
 * The webhook receiver: a node:http server that reads each raw body (with a cap), checks it
 * in a fixed order, hands it to an injected sink (the store) and answers only once the sink
 * says the delivery is kept. It knows no store, tunnel or terminal: it reports what happened
 * through callbacks.
 *
 * Order of checks for a POST (first failure wins; CONTRACT "What listen answers"):
 *   path (404 with --path)  → size from Content-Length (413) → content type (415)
 *   → read body, capped while streaming (413) → signature over the raw bytes (401, stored)
 *   → X-GitHub-Event (400, stored) → sink → 200, or 503 if the sink could not keep it.
 *   A redelivery (same X-GitHub-Delivery) is just another 200.
 *
 * The receiver never parses the payload: the sink does, while it keeps the row (the store
 * reads it with SQLite's JSON parser, in C and without building a JavaScript object). The
 * sink settles the answer: a 200 whose payload is not JSON comes back as 400 "unreadable
 * JSON", and it reports the action, repository and sender it read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchingSecretIndex, sign, type Algorithm } from './signing.js';

/** GitHub caps payloads at 25 MB; so do we. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export type SignatureVerdict = 'valid' | 'invalid' | 'missing' | 'unchecked';
export type BodyKind = 'json' | 'form';

/** A delivery as read off the wire, before it is stored. */
export interface ReceivedDelivery {
  deliveryId: string | null;
  event: string | null;
  /** From the payload, as the sink read it (null until then). */
  action: string | null;
  /** node rawHeaders: [name, value, …], exactly as received (order and case). */
  rawHeaders: string[];
  /** Exact body bytes. */
  body: Buffer;
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
  /** What the receiver will answer once the delivery is kept (200, 400 or 401); the sink may turn a 200 into a 400. */
  status: number;
  /** Why it is rejected (400/401), in words a user can act on; null when accepted. */
  rejectReason: string | null;
  /** From the payload, as the sink read it (null until then). */
  repository: string | null;
  sender: string | null;
}

/**
 * What the sink answers once the delivery is durably kept, and what it read of the payload:
 * the status to answer (a 200 whose payload is unreadable becomes 400) and the fields shown.
 */
export interface SinkResult {
  id: string;
  attempt: number;
  status?: number;
  rejectReason?: string | null;
  action?: string | null;
  repository?: string | null;
  sender?: string | null;
}

/** A request answered without being stored (404, 405, 413, 415, 503). */
export interface RefusedRequest {
  status: number;
  reason: string;
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
  /** Body of `GET /`. */
  status?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Called after the answer for a kept delivery (accepted or rejected) was sent. */
  onDelivery?: (delivery: ReceivedDelivery, stored: S) => void;
  /** Called for requests refused without being stored. */
  onRefused?: (refused: RefusedRequest) => void;
  /** Time allowed for the request headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time allowed for a whole request, body included (default 60 s). */
  requestTimeoutMs?: number;
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
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
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

export function bodyKindOf(contentType: string | null): BodyKind | null {
  if (!contentType) return null;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  if (mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) return 'json';
  if (mime === 'application/x-www-form-urlencoded') return 'form';
  return null;
}

/** Read the raw body into one buffer, refusing anything over `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    // With a Content-Length, fill one preallocated buffer (no second copy of a 25 MiB body).
    const fixed = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        reject(new HttpRefusal(413, `body over ${max} bytes`));
        return;
      }
      if (fixed) {
        if (size > fixed.length) {
          failed = true;
          reject(new HttpRefusal(400, 'body longer than its Content-Length'));
          return;
        }
        chunk.copy(fixed, size - chunk.length);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (fixed) resolve(size === fixed.length ? fixed : fixed.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
    req.on('aborted', () => {
      if (!failed) {
        failed = true;
        reject(new Error('client went away'));
      }
    });
  });
}

/**
 * Why a signature did not verify, in words a user can act on. We cannot tell a wrong secret
 * from an altered body in general, but common alterations are recognisable.
 */
export function mismatchReason(secrets: readonly string[], body: Buffer, signature: string, algorithm: Algorithm): string {
  const matches = (bytes: Buffer | string) => secrets.some((s) => sign(s, bytes, algorithm) === signature);
  const text = body.toString('utf8');
  if (/\s$/.test(text) && matches(text.trimEnd())) return 'body altered: a trailing newline or space was added after signing';
  try {
    const compact = JSON.stringify(JSON.parse(text));
    if (compact !== text && matches(compact)) return 'body altered: the JSON was re-serialized after signing (sign the exact bytes you send)';
  } catch {
    /* not JSON */
  }
  if (secrets.some((s) => s !== s.trim() && sign(s.trim(), body, algorithm) === signature)) {
    return 'wrong secret: the configured secret has leading or trailing whitespace';
  }
  return `${algorithm} signature does not match: wrong secret, or the body was altered on the way`;
}

interface Verdict {
  signature: SignatureVerdict;
  reason: string | null;
  algorithm: Algorithm | null;
}

export function checkSignature(secrets: readonly string[], req: IncomingMessage, body: Buffer): Verdict {
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
  if (matchingSecretIndex(secrets, body, value) !== -1) return { signature: 'valid', reason: null, algorithm };
  return { signature: 'invalid', reason: mismatchReason(secrets, body, value, algorithm), algorithm };
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
  let inFlight = 0;
  let drained: (() => void) | null = null;

  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string, path: string) => {
    // Close the connection when the body was not read, so a client still sending stops.
    send(res, status, { error: reason }, !req.complete);
    if (!req.complete) {
      req.resume();
      // Do not keep draining a huge upload forever.
      const timer = setTimeout(() => req.socket.destroy(), 2000);
      timer.unref();
      res.on('close', () => clearTimeout(timer));
    }
    options.onRefused?.({ status, reason, method: req.method ?? '', path, remoteAddress: req.socket.remoteAddress ?? null, at: new Date() });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const rawPath = req.url ?? '/';
    const pathname = rawPath.split('?')[0];
    const method = req.method ?? 'GET';

    if (method === 'GET' || method === 'HEAD') {
      if (pathname === '/' || (options.path && pathname === options.path)) {
        send(res, 200, { name: 'hookctl', ...((await options.status?.()) ?? {}) });
      } else {
        send(res, 404, { error: 'not found: webhooks are POSTed' });
      }
      return;
    }
    if (method !== 'POST') {
      res.setHeader('allow', 'POST, GET');
      refuse(req, res, 405, `method ${method} not allowed: webhooks are POSTed`, rawPath);
      return;
    }
    if (options.path && pathname !== options.path) {
      refuse(req, res, 404, `not found: deliveries are accepted on ${options.path}`, rawPath);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      refuse(req, res, 413, `body of ${declared} bytes is over the ${max}-byte limit`, rawPath);
      return;
    }
    const contentType = header(req, 'content-type');
    const kind = bodyKindOf(contentType);
    if (!kind) {
      refuse(req, res, 415, `content type ${contentType ?? '(none)'} is not application/json or application/x-www-form-urlencoded`, rawPath);
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, max);
    } catch (err) {
      if (err instanceof HttpRefusal) refuse(req, res, err.status, err.message, rawPath);
      else req.socket.destroy();
      return;
    }

    const verdict = checkSignature(secrets, req, body);
    const event = header(req, 'x-github-event');
    let status = 200;
    let rejectReason: string | null = null;
    if (verdict.signature === 'missing' || verdict.signature === 'invalid') {
      status = 401;
      rejectReason = verdict.reason;
    } else if (!event) {
      status = 400;
      rejectReason = 'no X-GitHub-Event header';
    }
    const delivery: ReceivedDelivery = {
      deliveryId: header(req, 'x-github-delivery'),
      event,
      action: null,
      rawHeaders: req.rawHeaders,
      body,
      receivedAt,
      remoteAddress: req.socket.remoteAddress ?? null,
      method,
      path: rawPath,
      url: localUrl(req, rawPath),
      contentType,
      bodyKind: kind,
      signature: verdict.signature,
      signatureReason: verdict.reason,
      signatureAlgorithm: verdict.algorithm,
      status,
      rejectReason,
      repository: null,
      sender: null,
    };

    let stored: S;
    try {
      stored = await options.sink(delivery);
    } catch (err) {
      // Never a 200 (or a 4xx that claims "stored as rejected") for something not kept.
      send(res, 503, { error: 'the delivery could not be stored; try again' });
      options.onRefused?.({ status: 503, reason: (err as Error)?.message ?? String(err), method, path: rawPath, remoteAddress: delivery.remoteAddress, at: receivedAt });
      return;
    }
    // What the sink read of the payload settles the answer (see SinkResult).
    if (stored.status !== undefined) delivery.status = stored.status;
    if (stored.rejectReason !== undefined) delivery.rejectReason = stored.rejectReason;
    if (stored.action !== undefined) delivery.action = stored.action;
    if (stored.repository !== undefined) delivery.repository = stored.repository;
    if (stored.sender !== undefined) delivery.sender = stored.sender;
    if (delivery.status === 200) send(res, 200, { ok: true, id: stored.id, attempt: stored.attempt });
    else send(res, delivery.status, { error: delivery.rejectReason, id: stored.id });
    options.onDelivery?.(delivery, stored);
  }

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks those timeouts every connectionsCheckingInterval (30 s by default).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => {
    inFlight++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      inFlight--;
      if (inFlight === 0 && drained) drained();
    };
    res.on('close', done);
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error)?.message ?? 'internal error' });
      else res.destroy();
    });
  });
  server.headersTimeout = headersTimeout;
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 200;

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
    close() {
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
        if (inFlight === 0) finish();
        else
          drained = () => {
            drained = null;
            server.closeIdleConnections();
            finish();
          };
        // Keep-alive connections that stay busy are cut after the grace period.
        const timer = setTimeout(() => server.closeAllConnections(), 15_000);
        timer.unref();
      });
    },
  };
}
