/**
 * The vocabulary of a webhook delivery, shared by everything that receives, stores, sends
 * and shows one.
 */

/** What checking X-Hub-Signature-256 (or, on an old GHES, X-Hub-Signature) said. */
export type SignatureVerdict = 'valid' | 'invalid' | 'missing' | 'unchecked';

export type Algorithm = 'sha256' | 'sha1';

/** How a body is encoded: a JSON body, or a form with the JSON in its `payload` field. */
export type BodyKind = 'json' | 'form';

/** GitHub caps payloads at 25 MB; so do we. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
