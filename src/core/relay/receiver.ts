/**
 * The webhook receiver: a node:http server that reads each raw body (with a cap), checks it
 * in a fixed order, applies the answer policy (policy.ts), hands the delivery to an injected
 * sink (the store) and answers only once the sink says it is kept. It knows no store, tunnel
 * or terminal: it reports what happened through callbacks.
 *
 * Order of checks (first failure wins; CONTRACT "What listen answers"):
 *   a browser's request, any method (403, body never read: see request.ts)
 *   → GET / (says only that hookctl listens) → POST only (405)
 *   → path (404 with --path) → size from Content-Length (413) → content type (415)
 *   → read body, capped while streaming (413) → signature over the raw bytes (401, stored)
 *   → X-GitHub-Event, readable JSON (400, stored) → sink → 200, or 503 if it could not be kept.
 *   A redelivery (same X-GitHub-Delivery) is just another 200.
 *
 * Memory: the bodies being read or waiting for the sink are bounded in bytes across every
 * connection (body-budget.ts). A request whose body does not fit waits, unread, until earlier
 * bodies are stored: its socket is not read meanwhile (backpressure, not refusal), so many
 * concurrent 25 MiB bodies cost one budget, not their sum.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyKindOf } from '../webhook/headers.js';
import { MAX_BODY_BYTES, type Algorithm, type BodyKind, type SignatureVerdict } from '../webhook/types.js';
import { BODY_BUDGET_BYTES, BodyBudget, type Release } from './body-budget.js';
import { decide, REJECTED_KEEP_BYTES } from './policy.js';
import { browserRequest, header, HttpRefusal, localUrl, readBody, type ReadBody } from './request.js';
import { checkSignature } from './signature-check.js';

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

/** What `GET /` says: that hookctl listens here, and nothing about what it keeps. */
const STATUS_BODY = { name: 'hookctl', message: 'hookctl listens here for webhooks (POST)' } as const;

function send(res: ServerResponse, status: number, body: Record<string, unknown>, close = false): void {
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

/** What a request's steps share: the options, the secrets in force, the body limit and budget. */
interface ReceiverState<S extends SinkResult> {
  options: ReceiverOptions<S>;
  secrets: string[];
  max: number;
  budget: BodyBudget;
}

export function createReceiver<S extends SinkResult = SinkResult>(options: ReceiverOptions<S>): Receiver {
  const state: ReceiverState<S> = {
    options,
    secrets: [...(options.secrets ?? [])],
    max: options.maxBodyBytes ?? MAX_BODY_BYTES,
    budget: new BodyBudget(options.bodyBudgetBytes ?? BODY_BUDGET_BYTES),
  };
  const requests = inFlightCounter();
  const server = createHttpServer(options, (req, res) => {
    requests.track(res);
    handle(state, req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error)?.message ?? 'internal error' });
      else res.destroy();
    });
  });
  return {
    server,
    listen: (port, host) => listenOn(server, port, host),
    setSecrets(list) {
      state.secrets = list.filter((s) => s !== '');
    },
    secretCount: () => state.secrets.length,
    inFlight: requests.count,
    close: () => closeServer(server, requests.count, requests.onDrained),
  };
}

/** One request, in the order of the checks above: precheck, wait for the budget, read, decide, store and answer. */
async function handle<S extends SinkResult>(state: ReceiverState<S>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedAt = new Date();
  const rawPath = req.url ?? '/';
  const method = req.method ?? 'GET';
  const kind = precheck(state, req, res, rawPath, method);
  if (!kind) return;
  const keep = keptBytes(state.secrets, req);
  const release = await admit(state, req, res, keep);
  if (!release) return;
  const read = await readAdmitted(state, req, res, rawPath, keep, release);
  if (!read) return;
  const delivery = toDelivery(state.secrets, req, read, { kind, receivedAt, method, rawPath });
  await storeAndAnswer(state.options, res, delivery, release);
}

/** Answer a request without storing it, and report it (onRefused). */
function refuse<S extends SinkResult>(options: ReceiverOptions<S>, req: IncomingMessage, res: ServerResponse, status: number, reason: string, path: string, browser = false): void {
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
}

/** The checks before the body is read; returns the body kind, or null when refused. */
function precheck<S extends SinkResult>(state: ReceiverState<S>, req: IncomingMessage, res: ServerResponse, rawPath: string, method: string): BodyKind | null {
  const { options, max } = state;
  const pathname = rawPath.split('?')[0];
  const browser = browserRequest(req);
  if (browser) {
    refuse(options, req, res, 403, `refused a web browser's request (${browser}): webhooks do not come from web pages`, rawPath, true);
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
    refuse(options, req, res, 405, `method ${method} not allowed: webhooks are POSTed`, rawPath);
    return null;
  }
  if (options.path && pathname !== options.path) {
    refuse(options, req, res, 404, `not found: deliveries are accepted on ${options.path}`, rawPath);
    return null;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    refuse(options, req, res, 413, `body of ${declared} bytes is over the ${max}-byte limit`, rawPath);
    return null;
  }
  const contentType = header(req, 'content-type');
  const kind = bodyKindOf(contentType);
  if (!kind) refuse(options, req, res, 415, `content type ${contentType ?? '(none)'} is not application/json or application/x-www-form-urlencoded`, rawPath);
  return kind;
}

/**
 * How many bytes of the body to keep: all of them, except that with a secret configured, a
 * request without any signature header is a 401 whatever it carries: only the start of its body.
 */
function keptBytes(secrets: readonly string[], req: IncomingMessage): number {
  const unsigned = secrets.length > 0 && header(req, 'x-hub-signature-256') === null && header(req, 'x-hub-signature') === null;
  return unsigned ? REJECTED_KEEP_BYTES : Infinity;
}

/**
 * Wait for the body's turn in the budget (body-budget.ts), reserving the most it may hold: its
 * Content-Length (checked against max already), else max; no more than it keeps. The reservation
 * is given back once stored, or whenever the request ends otherwise. Returns how to give it back,
 * or null when the request went away while it waited.
 */
async function admit<S extends SinkResult>(state: ReceiverState<S>, req: IncomingMessage, res: ServerResponse, keep: number): Promise<Release | null> {
  const declared = Number(req.headers['content-length']);
  const release = await state.budget.reserve(Math.min(Number.isSafeInteger(declared) && declared >= 0 ? declared : state.max, keep));
  res.on('close', () => release());
  if (req.destroyed || res.closed) {
    // Gone while it waited its turn.
    release();
    return null;
  }
  return release;
}

/**
 * Read the admitted body and shrink its reservation to the bytes kept. A body refused while
 * read (413, 400) is answered, a broken connection dropped: null then, reservation given back.
 */
async function readAdmitted<S extends SinkResult>(
  state: ReceiverState<S>,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  keep: number,
  release: Release,
): Promise<ReadBody | null> {
  let read: ReadBody;
  try {
    read = await readBody(req, state.max, keep);
  } catch (err) {
    release();
    if (err instanceof HttpRefusal) refuse(state.options, req, res, err.status, err.message, rawPath);
    else req.socket.destroy();
    return null;
  }
  release(read.body.length);
  return read;
}

/** The delivery as read and decided (signature, then policy.ts), ready for the sink. */
function toDelivery(
  secrets: readonly string[],
  req: IncomingMessage,
  read: ReadBody,
  at: { kind: BodyKind; receivedAt: Date; method: string; rawPath: string },
): ReceivedDelivery {
  const verdict = checkSignature(secrets, req, read.body, read.received === undefined);
  const event = header(req, 'x-github-event');
  const decision = decide({ signature: verdict.signature, signatureReason: verdict.reason, event, kind: at.kind, body: read.body, received: read.received });
  const hookId = Number(header(req, 'x-github-hook-id'));
  return {
    deliveryId: header(req, 'x-github-delivery'),
    event,
    action: decision.action,
    rawHeaders: req.rawHeaders,
    body: decision.keep,
    ...(decision.bodyBytes !== undefined ? { bodyBytes: decision.bodyBytes, bodySha256: decision.bodySha256 } : {}),
    receivedAt: at.receivedAt,
    remoteAddress: req.socket.remoteAddress ?? null,
    method: at.method,
    path: at.rawPath,
    url: localUrl(req, at.rawPath),
    contentType: header(req, 'content-type'),
    bodyKind: at.kind,
    signature: verdict.signature,
    signatureReason: verdict.reason,
    signatureAlgorithm: verdict.algorithm,
    status: decision.status,
    rejectReason: decision.reason,
    repository: decision.repository,
    sender: decision.sender,
    hookId: Number.isSafeInteger(hookId) && hookId > 0 ? hookId : null,
  };
}

/** Hand the delivery to the sink, then answer: its status once kept, 503 if it could not be. */
async function storeAndAnswer<S extends SinkResult>(options: ReceiverOptions<S>, res: ServerResponse, delivery: ReceivedDelivery, release: Release): Promise<void> {
  let stored: S;
  try {
    stored = await options.sink(delivery);
  } catch (err) {
    release();
    // Never a 200 (or a 4xx that claims "stored as rejected") for something not kept.
    send(res, 503, { error: 'the delivery could not be stored; try again' });
    options.onRefused?.({ status: 503, reason: (err as Error)?.message ?? String(err), method: delivery.method, path: delivery.path, remoteAddress: delivery.remoteAddress, at: delivery.receivedAt });
    return;
  }
  // Stored: what happens to the body now (a forward) is bounded on its own.
  release();
  if (delivery.status === 200) send(res, 200, { ok: true, id: stored.id, attempt: stored.attempt });
  else send(res, delivery.status, { error: delivery.rejectReason, id: stored.id });
  options.onDelivery?.(delivery, stored);
}

/** Counts requests from arrival until their response closes, and says when none is left. */
function inFlightCounter() {
  let count = 0;
  let drained: (() => void) | null = null;
  return {
    count: () => count,
    /** Called once the count falls to zero (set while closing). */
    onDrained: (fn: (() => void) | null) => {
      drained = fn;
    },
    track(res: ServerResponse): void {
      count++;
      let counted = true;
      res.on('close', () => {
        if (!counted) return;
        counted = false;
        count--;
        if (count === 0 && drained) drained();
      });
    },
  };
}

/** The node:http server, with the receiver's timeouts and header limits. */
function createHttpServer<S extends SinkResult>(options: ReceiverOptions<S>, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks those timeouts every connectionsCheckingInterval (30 s by default).
  const server = createServer({ connectionsCheckingInterval: Math.min(1000, headersTimeout) }, onRequest);
  server.headersTimeout = headersTimeout;
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.keepAliveTimeout = 5_000;
  // Every header GitHub (or a proxy in between) sends is kept: the count is bounded by
  // node's 16 KB limit on the header section, not by a number of headers.
  server.maxHeadersCount = 0;
  return server;
}

/** Listen; resolves with the bound address, or rejects with a ListenError. */
function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
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
