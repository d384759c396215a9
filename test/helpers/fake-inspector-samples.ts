/**
 * Sample data for the fake inspector backend: the catalog's real payloads (cached, so 100,000
 * generated rows share a few dozen bodies), deterministic ids and randomness, signatures.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const PAYLOADS = new URL('../../payloads/', import.meta.url);

export const TEMPLATES: [string, string | null, string][] = [
  ['pull_request', 'opened', 'pull_request/opened.json'],
  ['pull_request', 'closed', 'pull_request/closed.json'],
  ['pull_request', 'synchronize', 'pull_request/synchronize.json'],
  ['push', null, 'push.json'],
  ['issues', 'opened', 'issues/opened.json'],
  ['issues', 'labeled', 'issues/labeled.json'],
  ['ping', null, 'ping.json'],
  ['star', 'created', 'star/created.json'],
];
export const REPOSITORIES = ['octo-org/hello-world', 'acme/payments-api', 'acme/web', 'hookctl/hookctl'];
export const SENDERS = ['octocat', 'monalisa', 'hubot', 'dependabot[bot]'];

const sampleCache = new Map<string, any>();
export function sample(file: string): any {
  if (!sampleCache.has(file)) sampleCache.set(file, JSON.parse(readFileSync(new URL(file, PAYLOADS), 'utf8')));
  return structuredClone(sampleCache.get(file));
}

/** A deterministic pseudo-random sequence, so generated stores look the same every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A 7-hex-digit local id, distinct for every n below 2^28 (an odd multiplier is a bijection mod 2^28). */
export function shortId(n: number): string {
  return Number((BigInt(n) * ID_MULTIPLIER) % ID_MODULUS).toString(16).padStart(7, '0');
}

const ID_MULTIPLIER = 2654435761n;
const ID_MODULUS = 268435456n;
/** The multiplier's inverse mod 2^28 (Newton's iteration: each step doubles the correct low bits). */
const ID_INVERSE = (() => {
  let inverse = ID_MULTIPLIER;
  for (let i = 0; i < 5; i += 1) inverse = (inverse * (2n - ID_MULTIPLIER * inverse)) % ID_MODULUS;
  return ((inverse % ID_MODULUS) + ID_MODULUS) % ID_MODULUS;
})();

/** The n whose shortId is `id`, or null when `id` is no shortId. */
export function generatedIndexOf(id: string): number | null {
  if (!/^[0-9a-f]{7}$/.test(id)) return null;
  return Number((BigInt(parseInt(id, 16)) * ID_INVERSE) % ID_MODULUS);
}

const bodyCache = new Map<string, Buffer>();
const textCache = new WeakMap<Buffer, string>();
const signatureCache = new WeakMap<Buffer, Map<string, string>>();
export function signatureOf(body: Buffer, secret: string): string {
  let bySecret = signatureCache.get(body);
  if (!bySecret) signatureCache.set(body, (bySecret = new Map()));
  let signature = bySecret.get(secret);
  if (signature === undefined) bySecret.set(secret, (signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex')));
  return signature;
}

const metaCache = new WeakMap<Buffer, any>();
/** What a row needs from its payload (repository, sender), or null when the body is not JSON. */
export function metaOf(body: Buffer): any {
  if (!metaCache.has(body)) {
    let meta: any = null;
    try {
      const payload = JSON.parse(textOf(body));
      meta = { repository: payload?.repository ?? null, sender: payload?.sender ?? null };
    } catch { /* not JSON: shown raw */ }
    metaCache.set(body, meta);
  }
  return metaCache.get(body);
}

const shaCache = new WeakMap<Buffer, string>();
export function sha256Of(body: Buffer): string {
  let hash = shaCache.get(body);
  if (hash === undefined) shaCache.set(body, (hash = createHash('sha256').update(body).digest('hex')));
  return hash;
}
export function textOf(body: Buffer): string {
  let text = textCache.get(body);
  if (text === undefined) textCache.set(body, (text = body.toString('utf8')));
  return text;
}

/** A sample's compact bytes with repository and sender set (shared between rows: 100,000 stay small). */
export function bodyFor(file: string, repository: string, sender: string): Buffer {
  const key = `${file}|${repository}|${sender}`;
  const cached = bodyCache.get(key);
  if (cached) return cached;
  const payload = sample(file);
  if (payload.repository) {
    payload.repository.full_name = repository;
    payload.repository.name = repository.split('/')[1];
  }
  if (payload.sender) payload.sender.login = sender;
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  bodyCache.set(key, body);
  return body;
}
