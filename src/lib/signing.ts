/**
 * Signatures as GitHub computes them (core/webhook/signing.ts: HMAC over the exact bytes,
 * constant-time comparison), and why one does not match, as `hookctl verify` explains it
 * (core/webhook/diagnose.ts), as data.
 */
import { diagnose as diagnoseSignature, type Diagnosis } from '../core/webhook/diagnose.js';
import { signatureHeaders, sign, verify } from '../core/webhook/signing.js';

export { sign, signatureHeaders, verify, type Diagnosis };
export type { Algorithm } from '../core/webhook/types.js';

/**
 * Why `signature` does or does not match `body` under `secret` (or any of several secrets):
 * `{ valid, algorithm, reason, hint }`, the words `hookctl verify` prints. It names the usual
 * causes: a body re-serialized or pretty-printed after signing, a trailing newline, CRLF, a
 * form body checked as JSON, the sha1 value checked as sha256, a missing prefix, upper-case hex,
 * whitespace around the secret.
 *
 * ```ts
 * diagnose('s3cret', JSON.stringify(JSON.parse(body)), signature).reason
 * // 'the body was re-serialized after signing: …'
 * ```
 */
export function diagnose(secret: string | readonly string[], body: Uint8Array | string, signature: string): Diagnosis {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError('at least one secret is required');
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return diagnoseSignature(secrets, bytes, signature);
}
