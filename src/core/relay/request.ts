/**
 * What the receiver reads off a request: a header, whether a web browser sent it, where it was
 * received, and its raw body (capped while streaming, filled into one preallocated buffer when
 * its length is declared and, past what is kept, hashed but not buffered).
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A request header's (first) value, or null. */
export function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v[0] : v;
}

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
export function browserRequest(req: IncomingMessage): string | null {
  const origin = header(req, 'origin');
  if (origin !== null) return `Origin: ${origin}`;
  const site = header(req, 'sec-fetch-site');
  if (site !== null && site !== 'none' && site !== 'same-origin') return `Sec-Fetch-Site: ${site}`;
  const mode = header(req, 'sec-fetch-mode');
  if (mode === null || (site === null && mode === 'cors')) return null;
  return `Sec-Fetch-Mode: ${mode}`;
}

/** scheme://host:port/path where the request was received (the local listener address). */
export function localUrl(req: IncomingMessage, path: string): string {
  const socket = req.socket;
  let host = socket.localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${socket.localPort}${path}`;
}

/** A request refused with an HTTP status while its body was read (413, 400). */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ReadBody {
  body: Buffer;
  /** Set when only the first `keep` bytes were kept. */
  received?: { bytes: number; sha256: string };
}

/**
 * Read the raw body, refusing anything over `max` bytes. With `keep`, bytes past it are
 * hashed (for the record) but not buffered: a body that will be rejected costs no memory.
 */
export function readBody(req: IncomingMessage, max: number, keep = Infinity): Promise<ReadBody> {
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
