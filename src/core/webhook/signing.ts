/**
 * HMAC signatures for webhook bodies, as GitHub computes them: over the exact body bytes,
 * hex-encoded, prefixed with the algorithm. Pure: no IO.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Algorithm } from './types.js';

export type { Algorithm };

export const SIGNATURE_HEADER: Record<Algorithm, string> = {
  sha256: 'x-hub-signature-256',
  sha1: 'x-hub-signature',
};

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** `sha256=<hex>` (or `sha1=<hex>`) of the body under the secret. */
export function sign(secret: string, body: Uint8Array | string, algorithm: Algorithm = 'sha256'): string {
  if (typeof secret !== 'string' || secret === '') throw new TypeError('secret must be a non-empty string');
  return `${algorithm}=${createHmac(algorithm, secret).update(toBytes(body)).digest('hex')}`;
}

/** Both headers GitHub sends, keyed by their canonical names. */
export function signatureHeaders(secret: string, body: Uint8Array | string): { 'X-Hub-Signature': string; 'X-Hub-Signature-256': string } {
  const bytes = toBytes(body);
  return { 'X-Hub-Signature': sign(secret, bytes, 'sha1'), 'X-Hub-Signature-256': sign(secret, bytes, 'sha256') };
}

/** The algorithm a signature header value claims (`sha256=…` → sha256), or undefined. */
export function algorithmOf(signature: string): Algorithm | undefined {
  const m = /^(sha256|sha1)=/.exec(signature);
  return m ? (m[1] as Algorithm) : undefined;
}

/**
 * Constant-time check of one signature against one or more secrets (several during a
 * rotation). A wrong or malformed signature returns false; bad arguments throw.
 */
export function verify(secrets: string | readonly string[], body: Uint8Array | string, signature: string): boolean {
  return matchingSecretIndex(secrets, body, signature) !== -1;
}

/** Index of the secret that produced the signature, or -1. */
export function matchingSecretIndex(secrets: string | readonly string[], body: Uint8Array | string, signature: string): number {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError('at least one secret is required');
  if (typeof signature !== 'string') throw new TypeError('signature must be a string');
  const algorithm = algorithmOf(signature);
  if (!algorithm) return -1;
  const given = Buffer.from(signature, 'utf8');
  const bytes = toBytes(body);
  for (let i = 0; i < list.length; i++) {
    const expected = Buffer.from(sign(list[i], bytes, algorithm), 'utf8');
    // Length check first: timingSafeEqual throws on unequal lengths.
    if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
  }
  return -1;
}
