/**
 * Why a signature does not match, in words a user can act on: the one explanation behind
 * `hookctl verify` and listen's 401 reasons. It tries the usual ways a body or a secret gets
 * changed on the way and names the first that makes the signature match. Pure.
 */
import { algorithmOf, matchingSecretIndex, sign } from './signing.js';
import type { Algorithm } from './types.js';

export interface Diagnosis {
  valid: boolean;
  algorithm?: Algorithm;
  /** Index of the matching secret, when valid. */
  secretIndex?: number;
  /** Why it does not match, when we can tell; otherwise a generic reason. */
  reason: string;
  /** What to do about it. */
  hint?: string;
}

export interface DiagnoseOptions {
  /**
   * Bodies larger than this are not transformed and re-signed to find the cause (each try
   * costs an HMAC of the whole body; a receiver must not spend that on a stranger's 25 MiB).
   */
  maxVariantBytes?: number;
}

interface Variant {
  body: Buffer;
  reason: string;
  hint: string;
}

const RAW_HINT = 'Verify the raw request body before any JSON parsing (e.g. express.raw(), not express.json()).';

function bodyVariants(body: Buffer): Variant[] {
  const text = body.toString('utf8');
  const out: Variant[] = [];
  const push = (s: string, reason: string, hint: string) => {
    const b = Buffer.from(s, 'utf8');
    if (!b.equals(body)) out.push({ body: b, reason, hint });
  };
  push(text.replace(/[ \t]*\r?\n$/, ''), 'the body ends with a trailing newline that was not in the signed body', 'Verify the raw request body; an editor or `echo` added the newline.');
  push(`${text}\n`, 'the signed body ended with a newline that this body lacks', 'Verify the raw request body, byte for byte.');
  if (text.includes('\r\n')) {
    push(text.replace(/\r\n/g, '\n'), 'line endings were changed from LF to CRLF: the signed body had LF', 'Verify the raw bytes; something converted line endings.');
  } else if (text.includes('\n')) {
    push(text.replace(/\n/g, '\r\n'), 'line endings were changed from CRLF to LF: the signed body had CRLF', 'Verify the raw bytes; something converted line endings.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    // JSON.stringify recurses: a payload nested too deep to re-serialize has no such variants.
    const reserialized = (space?: string | number) => {
      try {
        return JSON.stringify(parsed, null, space);
      } catch {
        return text;
      }
    };
    push(reserialized(), 'the body was re-serialized after signing: the signature matches it as compact JSON', RAW_HINT);
    push(reserialized(2), 'the body was re-serialized after signing: the signature matches it pretty-printed with 2 spaces', RAW_HINT);
    push(reserialized(4), 'the body was re-serialized after signing: the signature matches it pretty-printed with 4 spaces', RAW_HINT);
    push(reserialized('\t'), 'the body was re-serialized after signing: the signature matches it pretty-printed with tabs', RAW_HINT);
    push(new URLSearchParams({ payload: text }).toString(), 'the signature is over the form body (payload=…): the hook uses content type application/x-www-form-urlencoded', 'Verify the raw form body, then decode its payload field, or switch the hook to application/json.');
  }
  if (text.startsWith('payload=')) {
    const decoded = new URLSearchParams(text).get('payload');
    if (decoded !== null) push(decoded, 'the signature is over the decoded JSON, but this is the form body', 'GitHub signs the raw body it sends; check the sender, or verify the JSON it signed.');
  }
  return out;
}

function secretVariants(secret: string): { secret: string; reason: string }[] {
  const out: { secret: string; reason: string }[] = [];
  if (secret.trim() !== secret && secret.trim() !== '') out.push({ secret: secret.trim(), reason: 'wrong secret: the configured secret has whitespace around it that the signer\'s does not (a newline from a file or an env file?)' });
  out.push({ secret: `${secret}\n`, reason: 'wrong secret: the signer\'s secret ends with a newline that the configured one lacks (read from a file with a trailing newline?)' });
  out.push({ secret: ` ${secret}`, reason: 'wrong secret: the signer\'s secret starts with a space' });
  return out;
}

/** The reason when nothing recognisable explains a mismatch. */
export function genericMismatch(algorithm: Algorithm): string {
  return `${algorithm} signature does not match: wrong secret, or the body was altered on the way`;
}

/** A header value as pasted: `X-Hub-Signature-256: sha256=…` (a whole header line) reads as its value. */
function headerValue(signature: string): string {
  return signature.trim().replace(/^x-hub-signature(?:-256)?\s*:\s*/i, '');
}

export function diagnose(secrets: readonly string[], body: Buffer, signature: string, options: DiagnoseOptions = {}): Diagnosis {
  const sig = headerValue(signature);
  const algorithm = algorithmOf(sig);
  if (!algorithm) return unprefixed(secrets, body, sig);
  const hex = sig.slice(algorithm.length + 1);
  if (algorithm === 'sha256' && /^[0-9a-f]{40}$/i.test(hex)) {
    return { valid: false, algorithm, reason: 'this is a 40-hex SHA-1 digest labelled sha256=: it looks like the X-Hub-Signature value', hint: 'Use the X-Hub-Signature-256 header.' };
  }
  if (algorithm === 'sha1' && /^[0-9a-f]{64}$/i.test(hex)) {
    return { valid: false, algorithm, reason: 'this is a 64-hex SHA-256 digest labelled sha1=: it looks like the X-Hub-Signature-256 value', hint: 'Use sha256= with the X-Hub-Signature-256 header.' };
  }
  if (hex !== hex.toLowerCase()) {
    const idx = matchingSecretIndex(secrets, body, `${algorithm}=${hex.toLowerCase()}`);
    if (idx !== -1) return { valid: false, algorithm, reason: 'the hex digest is upper-case; GitHub sends lower-case and comparisons are exact', hint: 'Compare the header value exactly as received.' };
  }
  const idx = matchingSecretIndex(secrets, body, sig);
  if (idx !== -1) return { valid: true, algorithm, secretIndex: idx, reason: 'signature matches' };

  if (body.length <= (options.maxVariantBytes ?? Infinity)) {
    for (const v of bodyVariants(body)) {
      if (matchingSecretIndex(secrets, v.body, sig) !== -1) return { valid: false, algorithm, reason: v.reason, hint: v.hint };
    }
    for (const s of secrets) {
      for (const v of secretVariants(s)) {
        if (sign(v.secret, body, algorithm) === sig) return { valid: false, algorithm, reason: v.reason, hint: 'Make both sides use the exact same secret string.' };
      }
    }
  }
  if (body.length === 0) {
    return { valid: false, algorithm, reason: 'the body is empty (0 bytes), and GitHub never signs an empty body', hint: 'Pass the file that holds the exact request body, or pipe it on stdin.' };
  }
  return {
    valid: false,
    algorithm,
    reason: genericMismatch(algorithm),
    hint: 'Check the hook\'s secret in the repository settings (Settings → Webhooks), and verify the exact raw bytes received.',
  };
}

function unprefixed(secrets: readonly string[], body: Buffer, sig: string): Diagnosis {
  if (/^[0-9a-f]{64}$/i.test(sig) || /^[0-9a-f]{40}$/i.test(sig)) {
    const alg: Algorithm = sig.length === 64 ? 'sha256' : 'sha1';
    const idx = matchingSecretIndex(secrets, body, `${alg}=${sig.toLowerCase()}`);
    return {
      valid: false,
      reason: `the signature lacks its "${alg}=" prefix${idx !== -1 ? ' (with it, it matches)' : ''}`,
      hint: `GitHub sends "${alg}=<hex>"; compare the whole header value.`,
    };
  }
  return { valid: false, reason: 'not a signature header value: expected sha256=<64 hex> (X-Hub-Signature-256) or sha1=<40 hex> (X-Hub-Signature)' };
}
