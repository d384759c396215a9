/**
 * GitHub's request headers: the set a delivery carries (and in which order GitHub sends
 * them), the form body, which headers a proxy passes on (RFC 9110 hop-by-hop rules), and
 * reading headers kept in node's rawHeaders layout ([name, value, name, value, …]).
 */
import { randomUUID } from 'node:crypto';
import { signatureHeaders } from './signing.js';
import type { BodyKind } from './types.js';

/** GitHub-Hookshot/<7 hex>, as GitHub's User-Agent looks. */
const HOOKSHOT_USER_AGENT = 'GitHub-Hookshot/a0f4c5e';

export interface GithubHeaderInput {
  event: string;
  body: Uint8Array;
  contentType: BodyKind;
  deliveryId?: string;
  hookId?: string | number;
  targetType?: string;
  targetId?: string | number;
  secret?: string;
}

/** The Content-Type GitHub sends for a body kind. */
export function contentTypeOf(kind: BodyKind): string {
  return kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
}

/** The body kind a Content-Type names; null for anything GitHub does not send. */
export function bodyKindOf(contentType: string | null | undefined): BodyKind | null {
  if (!contentType) return null;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  if (mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) return 'json';
  if (mime === 'application/x-www-form-urlencoded') return 'form';
  return null;
}

/** The headers GitHub sends with a delivery, in GitHub's order. */
export function githubHeaders(input: GithubHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Content-Type': contentTypeOf(input.contentType),
    'User-Agent': HOOKSHOT_USER_AGENT,
    'X-GitHub-Delivery': input.deliveryId ?? randomUUID(),
    'X-GitHub-Event': input.event,
    'X-GitHub-Hook-ID': String(input.hookId ?? 512_345_678),
  };
  if (input.targetId !== undefined) {
    headers['X-GitHub-Hook-Installation-Target-ID'] = String(input.targetId);
    headers['X-GitHub-Hook-Installation-Target-Type'] = input.targetType ?? 'repository';
  }
  if (input.secret) Object.assign(headers, signatureHeaders(input.secret, input.body));
  return headers;
}

/** `payload=<urlencoded JSON>`, as GitHub sends with content type form. */
export function formBody(json: string): Buffer {
  return Buffer.from(new URLSearchParams({ payload: json }).toString(), 'utf8');
}

/** Connection-level headers a proxy must not pass on (RFC 9110 §7.6.1), plus Host, Content-Length and Expect. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** [name, value] pairs of a rawHeaders array. */
export function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

/** The first value of header `name` (any case) in a rawHeaders array, or null. */
export function rawHeader(raw: readonly string[], name: string): string | null {
  const wanted = name.toLowerCase();
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === wanted) return raw[i + 1];
  return null;
}

/**
 * The headers to send on when forwarding or replaying a received delivery: the original
 * ones minus hop-by-hop headers (the fixed set and every header the Connection header
 * names), Host, Content-Length and `drop`. Repeated headers are joined as HTTP allows.
 */
export function forwardableHeaders(raw: readonly string[], drop: readonly string[] = []): Record<string, string> {
  const dropped = new Set([...HOP_BY_HOP, ...drop.map((d) => d.toLowerCase())]);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1].split(',')) if (token.trim()) dropped.add(token.trim().toLowerCase());
  }
  // Names come from a request: no prototype, so `constructor` or `__proto__` are headers like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (dropped.has(name.toLowerCase())) continue;
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${raw[i + 1]}` : raw[i + 1];
  }
  return out;
}
