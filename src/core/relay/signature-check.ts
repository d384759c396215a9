/**
 * The webhook signature as the receiver checks it: the verdict over the raw bytes, and why it
 * does not match, in the one explanation's words (core/webhook/diagnose.ts).
 */
import type { IncomingMessage } from 'node:http';
import { diagnose } from '../webhook/diagnose.js';
import { matchingSecretIndex } from '../webhook/signing.js';
import type { Algorithm, SignatureVerdict } from '../webhook/types.js';
import { header } from './request.js';

interface Verdict {
  signature: SignatureVerdict;
  reason: string | null;
  algorithm: Algorithm | null;
}

/** Bodies up to this size get the cause of a signature mismatch in their 401 (see checkSignature). */
export const DIAGNOSE_MAX_BYTES = 64 * 1024;

/** The signature verdict for a body; why it does not match, in the one explanation's words. */
export function checkSignature(secrets: readonly string[], req: IncomingMessage, body: Buffer, complete = true): Verdict {
  const sha256 = header(req, 'x-hub-signature-256');
  const sha1 = header(req, 'x-hub-signature');
  if (secrets.length === 0) {
    return { signature: 'unchecked', reason: null, algorithm: sha256 ? 'sha256' : sha1 ? 'sha1' : null };
  }
  // sha256 is required when present; only an old GHES without it falls back to sha1.
  const [algorithm, value] = sha256 !== null ? (['sha256', sha256] as const) : sha1 !== null ? (['sha1', sha1] as const) : [null, null];
  if (algorithm === null || value === null) {
    return { signature: 'missing', reason: 'missing header: no X-Hub-Signature-256 (or X-Hub-Signature); is a secret set on the webhook?', algorithm: null };
  }
  const prefix = `${algorithm}=`;
  if (!value.startsWith(prefix) || !/^[0-9a-f]+$/i.test(value.slice(prefix.length))) {
    return { signature: 'invalid', reason: `malformed ${algorithm === 'sha256' ? 'X-Hub-Signature-256' : 'X-Hub-Signature'} header (expected ${prefix}<hex>)`, algorithm };
  }
  if (complete && matchingSecretIndex(secrets, body, value) !== -1) return { signature: 'valid', reason: null, algorithm };
  // Looking for the cause parses, re-serializes and re-signs copies on the event loop (~100 ms
  // for 1 MB here): only for bodies up to DIAGNOSE_MAX_BYTES, so a stranger cannot stall the
  // receiver; `hookctl verify` explains a body of any size.
  return { signature: 'invalid', reason: diagnose(secrets, body, value, { maxVariantBytes: complete ? DIAGNOSE_MAX_BYTES : -1 }).reason, algorithm };
}
