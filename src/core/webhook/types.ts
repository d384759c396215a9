/**
 * The vocabulary of a webhook delivery, shared by everything that receives, stores, sends
 * and shows one. This folder is pure: no network, no files, no terminal.
 *
 *   types.ts    verdicts, body kinds, limits     signing.ts   sha256/sha1 HMACs, constant-time
 *   headers.ts  GitHub's request headers, hop-by-hop rules, form bodies
 *   payload.ts  the one JSON reader: validity, error position, action/repository/sender
 *   diagnose.ts why a signature does not match
 */

/** What checking X-Hub-Signature-256 (or, on an old GHES, X-Hub-Signature) said. */
export type SignatureVerdict = 'valid' | 'invalid' | 'missing' | 'unchecked';

export type Algorithm = 'sha256' | 'sha1';

/** How a body is encoded: a JSON body, or a form with the JSON in its `payload` field. */
export type BodyKind = 'json' | 'form';

/** GitHub caps payloads at 25 MB; so do we. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
