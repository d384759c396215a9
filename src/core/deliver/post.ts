/**
 * POST bytes and headers to a URL: send, replay and listen's forwards alike, so all three put
 * the same bytes on the wire. Never re-serializes, never prints; a result says what happened.
 */
import { createRequire } from 'node:module';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
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

/** GitHub's own delivery timeout: the default total deadline of a forward, a send and a replay. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * At most this much of an answer is read: enough for the usual short answer to be drained, so
 * its keep-alive connection is used again. A longer answer's connection is closed instead of
 * read to its end (an endless or huge body costs neither time nor memory).
 */
const RESPONSE_READ_BYTES = 64 * 1024;

/** The first bytes of a non-2xx answer kept and shown (the response snippet). */
const SNIPPET_BYTES = 300;

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
interface KeptResponse {
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
  /**
   * The total deadline (default DELIVERY_TIMEOUT_MS): connecting, sending, the answer's headers
   * and the part of its body that is read. A status that came in time is kept.
   */
  timeoutMs?: number;
  /** Single requests only: the whole exchange (connect, send, answer) must end within this, or no status is kept. */
  deadlineMs?: number;
  /** Single requests only: keep the answer's headers and up to `maxBytes` of its body. */
  keepResponse?: { maxBytes: number };
  /** Without a dispatcher: a keep-alive agent of a NodePool for the URL's protocol (else a connection per request). */
  agent?: HttpAgent;
}

/**
 * A keep-alive connection pool over node:http(s), for listen's forwards: the same bytes as
 * undici's pool without loading undici, which alone costs 20–25 MB of RSS (a listener that
 * forwards to a hung app must stay under 150 MB: README "Security").
 */
export interface NodePool {
  agentFor(url: string): Promise<HttpAgent>;
  destroy(): void;
}

export function createNodePool(connections = 32): NodePool {
  const agents = new Map<string, HttpAgent>();
  return {
    async agentFor(url) {
      const protocol = new URL(url).protocol;
      let agent = agents.get(protocol);
      if (!agent) {
        const Agent = protocol === 'https:' ? (await import('node:https')).Agent : HttpAgent;
        agent = new Agent({ keepAlive: true, maxSockets: connections });
        agents.set(protocol, agent);
      }
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

/** A keep-alive connection pool for many deliveries (send --count, replay batches). */
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

/** Why a request got no answer, in words a user can act on (`timeoutMs`: the deadline it had). */
export function describeNetworkError(err: unknown, url: string, timeoutMs = DELIVERY_TIMEOUT_MS): string {
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
    case DEADLINE:
      return `no answer from ${host} within ${formatSeconds(timeoutMs)}`;
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

/** The code of the error a request is aborted with when its total deadline passes. */
const DEADLINE = 'HOOKCTL_DEADLINE';

function deadlineError(): Error {
  return Object.assign(new Error('deadline passed'), { code: DEADLINE });
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The snippet of an answer: its first SNIPPET_BYTES as one line of text. */
function snippetOf(chunks: Buffer[]): string {
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

/**
 * Reads an answer's body up to RESPONSE_READ_BYTES, keeping the snippet's bytes when asked.
 * `add` says whether to go on reading.
 */
class BodyReader {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private read = 0;

  constructor(private readonly keep: boolean) {}

  add(chunk: Buffer): boolean {
    this.read += chunk.length;
    if (this.keep && this.keptBytes < SNIPPET_BYTES) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
    }
    return this.read <= RESPONSE_READ_BYTES;
  }

  snippet(): string | undefined {
    return this.keep ? snippetOf(this.kept) : undefined;
  }
}

/**
 * POST the delivery. Never throws for network trouble: the result says what happened.
 * With a dispatcher (a pool from createDispatcher) it goes through undici; without one,
 * as a single request over node:http(s). `timeoutMs` is a total deadline (connecting,
 * sending, the answer's headers and the part of its body that is read); an answer whose
 * status came in time keeps that status when its body does not.
 */
export async function post(delivery: OutgoingDelivery, options: PostOptions = {}): Promise<DeliveryResult> {
  const timeout = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  if (!options.dispatcher) return postOnce(delivery, timeout, options);
  const result = resultOf(delivery.url, performance.now());
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlineError()), timeout);
  let status: number | null = null;
  let reader: BodyReader | undefined;
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
      signal: controller.signal,
    });
    status = res.statusCode;
    reader = new BodyReader(!(status >= 200 && status < 300));
    for await (const chunk of res.body) {
      // Leaving the loop destroys the body: undici closes that connection instead of reading on.
      if (!reader.add(chunk as Buffer)) break;
    }
    return result(status, null, reader.snippet());
  } catch (err) {
    // The status came in time: it is the answer, whatever became of the body after it.
    if (status !== null) return result(status, null, reader?.snippet());
    return result(null, describeNetworkError(controller.signal.aborted ? deadlineError() : err, delivery.url, timeout));
  } finally {
    clearTimeout(timer);
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

/** Builds a post's result: the time since `started`, and the snippet or kept answer when there is one. */
type ResultOf = (status: number | null, error: string | null, responseSnippet?: string, response?: KeptResponse) => DeliveryResult;

function resultOf(url: string, started: number): ResultOf {
  return (status, error, responseSnippet, response) => ({
    url,
    status,
    durationMs: Math.round(performance.now() - started),
    error,
    ...(responseSnippet !== undefined ? { responseSnippet } : {}),
    ...(response ? { response } : {}),
  });
}

/** How an answer's reader ends the one-shot request. */
interface Ending {
  /** Settle the request with this result (only the first call counts). */
  finish(result: DeliveryResult): void;
  /** Say the whole answer was read: with a pool's agent, its connection goes back to the pool. */
  complete(): void;
  done: ResultOf;
}

/** One request over node:http(s), for the one-shot path. */
async function postOnce(delivery: OutgoingDelivery, timeout: number, options: Pick<PostOptions, 'deadlineMs' | 'keepResponse' | 'agent'> = {}): Promise<DeliveryResult> {
  const done = resultOf(delivery.url, performance.now());
  const keep = options.keepResponse;
  let url: URL;
  try {
    url = parseTargetUrl(delivery.url);
  } catch (err) {
    return done(null, (err as Error).message);
  }
  const requestFn = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    // The whole answer was read: with a pool's agent, its connection goes back to the pool.
    let complete = false;
    const finish = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever is left of the answer is not read: the connection is not kept.
      if (!(complete && options.agent)) req.destroy();
      resolve(result);
    };
    const req = requestFn(url, {
      method: 'POST',
      headers: { ...delivery.headers, 'Content-Length': String(delivery.body.length) },
      agent: options.agent ?? false,
    });
    let status: number | null = null;
    let reader: BodyReader | undefined;
    const strict = options.deadlineMs;
    const timer = setTimeout(() => {
      // deadlineMs (the library's deliver): the whole answer or nothing.
      if (strict !== undefined) finish(done(null, `no complete answer from ${url.host} within ${strict < 1000 ? `${strict} ms` : `${strict / 1000} s`}`));
      else if (status !== null) finish(done(status, null, reader?.snippet()));
      else finish(done(null, describeNetworkError(deadlineError(), delivery.url, timeout)));
    }, strict ?? timeout);
    req.on('error', (err) => finish(status !== null && !keep ? done(status, null, reader?.snippet()) : done(null, describeNetworkError(err, delivery.url, timeout))));
    req.on('response', (res: IncomingMessage) => {
      status = res.statusCode ?? 0;
      const end: Ending = { finish, done, complete: () => (complete = true) };
      if (keep) readKeptAnswer(res, status, keep.maxBytes, end, (err) => describeNetworkError(err, delivery.url, timeout));
      else readAnswerSnippet(res, status, (reader = new BodyReader(!(status >= 200 && status < 300))), end);
    });
    req.end(delivery.body);
  });
}

/** Read a kept answer (keepResponse) up to its bound, never further, and end with it. */
function readKeptAnswer(res: IncomingMessage, status: number, maxBytes: number, end: Ending, describe: (err: Error) => string): void {
  const ok = status >= 200 && status < 300;
  const chunks: Buffer[] = [];
  let size = 0;
  const settle = (truncated: boolean) => {
    const body = Buffer.concat(chunks).subarray(0, maxBytes);
    const kept: KeptResponse = { headers: flatHeaders(res.headers), body, truncated };
    const snippet = ok ? undefined : body.subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
    end.finish(end.done(status, null, snippet, kept));
  };
  res.on('data', (chunk: Buffer) => {
    if (size < maxBytes) chunks.push(chunk);
    size += chunk.length;
    if (size > maxBytes) settle(true);
  });
  res.on('end', () => {
    end.complete();
    settle(false);
  });
  res.on('error', (err) => end.finish(end.done(status, describe(err))));
}

/** Read an answer for its snippet (see BodyReader), stopping at its bound, and end with it. */
function readAnswerSnippet(res: IncomingMessage, status: number, body: BodyReader, end: Ending): void {
  res.on('data', (chunk: Buffer) => {
    if (!body.add(chunk)) end.finish(end.done(status, null, body.snippet()));
  });
  res.on('end', () => {
    end.complete();
    end.finish(end.done(status, null, body.snippet()));
  });
  res.on('error', () => end.finish(end.done(status, null, body.snippet())));
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
    /** Each post's total deadline (default DELIVERY_TIMEOUT_MS). */
    timeoutMs?: number;
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
      const result = await post(build(n.item, n.index), { dispatcher, timeoutMs: options.timeoutMs });
      await options.onResult(result, n.item, n.index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    if (options.dispatcher === undefined) await dispatcher?.close();
  }
}
