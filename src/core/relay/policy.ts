/**
 * The one answer policy of `listen` (CONTRACT "What listen answers"): for a request whose
 * body was read, what status it gets, why, what its payload says, and what of it is kept.
 * Pure: the receiver calls it, nothing else decides a status.
 *
 *   secret configured, signature missing or wrong      → 401 (stored as rejected)
 *   no X-GitHub-Event                                   → 400 (stored as rejected)
 *   unreadable JSON, form without payload=              → 400 (stored as rejected)
 *   otherwise                                           → 200 (once stored)
 *
 * Accepted bodies are kept byte for byte. A 401's body is a stranger's: past REJECTED_KEEP_BYTES
 * only its first bytes are kept, with its length and sha256.
 */
import { createHash } from 'node:crypto';
import { readPayload } from '../webhook/payload.js';
import type { BodyKind, SignatureVerdict } from '../webhook/types.js';

/** How much of a rejected (401) body is kept. */
export const REJECTED_KEEP_BYTES = 1024 * 1024;

export interface PolicyInput {
  signature: SignatureVerdict;
  /** Why the signature is not valid (from the check), or null. */
  signatureReason: string | null;
  event: string | null;
  kind: BodyKind;
  body: Buffer;
  /** Length and sha256 of the whole body when the receiver did not keep all of it. */
  received?: { bytes: number; sha256: string };
}

export interface Decision {
  status: 200 | 400 | 401;
  reason: string | null;
  action: string | null;
  repository: string | null;
  sender: string | null;
  /** The bytes to keep, and the whole body's length and sha256 when that is not all of it. */
  keep: Buffer;
  bodyBytes?: number;
  bodySha256?: string;
}

export function decide(input: PolicyInput): Decision {
  const rejected = input.signature === 'missing' || input.signature === 'invalid';
  const total = input.received?.bytes ?? input.body.length;
  const cut = rejected && total > REJECTED_KEEP_BYTES;
  const keep = cut ? input.body.subarray(0, REJECTED_KEEP_BYTES) : input.body;
  const kept = cut ? { bodyBytes: total, bodySha256: input.received?.sha256 ?? createHash('sha256').update(input.body).digest('hex') } : {};
  // A stranger's big body is not read: what it claims would not be shown as trusted anyway.
  const reading = cut ? null : readPayload(input.kind, input.body);
  const fields = { action: reading?.action ?? null, repository: reading?.repository ?? null, sender: reading?.sender ?? null };
  if (rejected) return { status: 401, reason: input.signatureReason, ...fields, keep, ...kept };
  if (!input.event) return { status: 400, reason: 'no X-GitHub-Event header', ...fields, keep };
  if (reading && !reading.readable) return { status: 400, reason: reading.error, ...fields, keep };
  return { status: 200, reason: null, ...fields, keep };
}
