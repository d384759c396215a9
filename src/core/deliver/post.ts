/**
 * POST bytes and headers to a URL: send, replay and listen's forwards alike, so all three put
 * the same bytes on the wire. Never re-serializes, never prints; a result says what happened.
 */
import { createRequire } from 'node:module';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import { parseTargetUrl } from './url.js';

// undici costs more to load than node itself takes to start, so it is required only when a
// pool is wanted (send --count, replay batches, forwards). A single delivery goes out over
// node:http: same bytes, same headers, a fraction of the start-up time.
const require = createRequire(import.meta.url);
let undiciModule: typeof import('undici') | undefined;
function undici(): typeof import('undici') {
  return (undiciModule ??= require('undici') as typeof import('undici'));
}

/** GitHub's own delivery timeout; we use it for forwards and sends. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface OutgoingDelivery {
  url: string;
  /** Exact body bytes; never re-serialized. */
  body: Uint8Array;
  /** Header name → value, sent as given. */
  headers: Record<string, string>;
}

export interface DeliveryResult {
  url: string;
  /** HTTP status, or null when no answer came back. */
  status: number | null;
  durationMs: number;
  /** One-line reason when no answer came back (connect, DNS, TLS, timeout). */
  error: string | null;
  /** The first bytes of the response body (decoded as UTF-8), for a non-2xx. */
  responseSnippet?: string;
  /** The answer itself, when asked for (`keepResponse`). */
  response?: KeptResponse;
}

/** What came back, read up to a bound. */
export interface KeptResponse {
  /** Lower-case names; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  /** At most `maxBytes` of the body. */
  body: Buffer;
  /** The body was longer than `maxBytes`; the rest was not read. */
  truncated: boolean;
}

export interface PostOptions {
  /** A pool (createDispatcher): the request goes through undici. Without one, over node:http. */
  dispatcher?: Dispatcher;
  /** Idle time allowed between bytes (default DELIVERY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Single requests only: the whole exchange (connect, send, answer) must end within this. */
  deadlineMs?: number;
  /** Single requests only: keep the answer's headers and up to `maxBytes` of its body. */
  keepResponse?: { maxBytes: number };
}

/** A keep-alive connection pool for many deliveries (send --count, replay batches, forwards). */
export function createDispatcher(connections = 32): Agent {
  return new (undici().Agent)({
    connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    headersTimeout: DELIVERY_TIMEOUT_MS,
    bodyTimeout: DELIVERY_TIMEOUT_MS,
    connect: { timeout: DELIVERY_TIMEOUT_MS },
  });
}

/** Why a request got no answer, in words a user can act on. */
export function describeNetworkError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? '';
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    /* keep the url */
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing is listening at ${url}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host ${host.replace(/:\d+$/, '')}`;
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `no answer from ${host} within ${DELIVERY_TIMEOUT_MS / 1000} s`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return `${host} closed the connection before answering`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable`;
    case 'UND_ERR_ABORTED':
      return 'aborted';
    case 'ERR_INVALID_URL':
      return `not a valid URL: ${url}`;
  }
  const detail = e?.cause?.message ?? e?.message ?? '';
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(detail)) {
    return `${host} speaks plain HTTP, not HTTPS: use ${url.replace(/^https:/i, 'http:')}`;
  }
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /certificate|tls|ssl/i.test(e?.cause?.message ?? e?.message ?? '')) {
    return `TLS error talking to ${host}: ${e?.cause?.message ?? e?.message}`;
  }
  return `request to ${url} failed: ${e?.cause?.message ?? e?.message ?? String(err)}`;
}

const SNIPPET_BYTES = 300;

/**
 * POST the delivery. Never throws for network trouble: the result says what happened.
 * With a dispatcher (a pool from createDispatcher) it goes through undici; without one,
 * as a single request over node:http(s).
 */
export async function post(delivery: OutgoingDelivery, options: PostOptions = {}): Promise<DeliveryResult> {
  if (!options.dispatcher) return postOnce(delivery, options.timeoutMs ?? DELIVERY_TIMEOUT_MS, options);
  const started = performance.now();
  const timeout = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  try {
    const { origin, path } = originAndPath(delivery.url);
    const res = await options.dispatcher.request({
      origin,
      path,
      method: 'POST',
      body: delivery.body,
      headers: delivery.headers,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let responseSnippet: string | undefined;
    if (ok) {
      await res.body.dump();
    } else {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        if (size < SNIPPET_BYTES) chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      responseSnippet = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
    }
    return {
      url: delivery.url,
      status: res.statusCode,
      durationMs: Math.round(performance.now() - started),
      error: null,
      ...(responseSnippet !== undefined ? { responseSnippet } : {}),
    };
  } catch (err) {
    return {
      url: delivery.url,
      status: null,
      durationMs: Math.round(performance.now() - started),
      error: describeNetworkError(err, delivery.url),
    };
  }
}

// Batches post thousands of times to one or two URLs: parse each URL once.
const parsedUrls = new Map<string, { origin: string; path: string }>();
function originAndPath(url: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(url);
  if (!parsed) {
    const u = new URL(url);
    parsed = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (parsedUrls.size > 1000) parsedUrls.clear();
    parsedUrls.set(url, parsed);
  }
  return parsed;
}

/** Response headers as one string each (node gives arrays for repeated ones). */
function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

/** One request over node:http(s), for the one-shot path. */
async function postOnce(delivery: OutgoingDelivery, timeout: number, options: Pick<PostOptions, 'deadlineMs' | 'keepResponse'> = {}): Promise<DeliveryResult> {
  const started = performance.now();
  const keep = options.keepResponse;
  let kept: KeptResponse | undefined;
  const done = (status: number | null, error: string | null, responseSnippet?: string): DeliveryResult => ({
    url: delivery.url,
    status,
    durationMs: Math.round(performance.now() - started),
    error,
    ...(responseSnippet !== undefined ? { responseSnippet } : {}),
    ...(kept ? { response: kept } : {}),
  });
  let url: URL;
  try {
    url = parseTargetUrl(delivery.url);
  } catch (err) {
    return done(null, (err as Error).message);
  }
  const requestFn = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    let deadline: NodeJS.Timeout | undefined;
    const finish = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = requestFn(url, {
      method: 'POST',
      headers: { ...delivery.headers, 'Content-Length': String(delivery.body.length) },
      agent: false,
    });
    if (options.deadlineMs !== undefined) {
      const ms = options.deadlineMs;
      deadline = setTimeout(() => {
        finish(done(null, `no complete answer from ${url.host} within ${ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}`));
        req.destroy();
      }, ms);
    }
    req.setTimeout(timeout, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => finish(done(null, describeNetworkError(err, delivery.url))));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const limit = keep ? keep.maxBytes : ok ? 0 : SNIPPET_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = (truncated: boolean) => {
        const body = Buffer.concat(chunks).subarray(0, limit);
        if (keep) kept = { headers: flatHeaders(res.headers), body, truncated };
        const snippet = ok ? undefined : body.subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
        finish(done(status, null, snippet));
      };
      res.on('data', (chunk: Buffer) => {
        if (size < limit) chunks.push(chunk);
        size += chunk.length;
        // A kept answer is read up to its bound, never further.
        if (keep && size > limit) {
          settle(true);
          res.destroy();
        }
      });
      res.on('end', () => settle(false));
      res.on('error', (err) => finish(done(status, describeNetworkError(err, delivery.url))));
    });
    req.end(delivery.body);
  });
}

export function isSuccess(result: DeliveryResult): boolean {
  return result.status !== null && result.status >= 200 && result.status < 300;
}

/**
 * POST a stream of deliveries with at most `concurrency` in flight over one keep-alive
 * pool. `onResult` sees each result as it lands (in completion order). The source is pulled
 * lazily, so a large batch is never materialized.
 */
export async function postAll<T>(
  source: Iterable<T> | AsyncIterable<T>,
  build: (item: T, index: number) => OutgoingDelivery,
  options: {
    concurrency: number;
    /** The pool to use; null posts each over node:http without one (a batch of one). */
    dispatcher?: Dispatcher | null;
    /** Stop taking new items (those in flight finish). */
    signal?: AbortSignal;
    onResult: (result: DeliveryResult, item: T, index: number) => void | Promise<void>;
  },
): Promise<void> {
  const dispatcher = options.dispatcher === null ? undefined : (options.dispatcher ?? createDispatcher(options.concurrency));
  const iterator = (Symbol.asyncIterator in (source as object)
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]()) as AsyncIterator<T> | Iterator<T>;
  let index = 0;
  let exhausted = false;
  const next = async (): Promise<{ item: T; index: number } | undefined> => {
    if (exhausted || options.signal?.aborted) return undefined;
    const r = await iterator.next();
    if (r.done) {
      exhausted = true;
      return undefined;
    }
    return { item: r.value, index: index++ };
  };
  const worker = async () => {
    for (let n = await next(); n; n = await next()) {
      const result = await post(build(n.item, n.index), { dispatcher });
      await options.onResult(result, n.item, n.index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    if (options.dispatcher === undefined) await dispatcher?.close();
  }
}
