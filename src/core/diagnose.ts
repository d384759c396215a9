/**
 * Explain a signature mismatch: try the usual ways a body or secret gets changed on the way
 * and report the first that makes the signature match. Pure.
 */
import { algorithmOf, matchingSecretIndex, sign, type Algorithm } from './signing.js';

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

interface Variant {
  body: Buffer;
  reason: string;
  hint: string;
}

function bodyVariants(body: Buffer): Variant[] {
  const text = body.toString('utf8');
  const out: Variant[] = [];
  const push = (s: string, reason: string, hint: string) => {
    const b = Buffer.from(s, 'utf8');
    if (!b.equals(body)) out.push({ body: b, reason, hint });
  };
  push(text.replace(/\r?\n$/, ''), 'the body you checked ends with a newline that was not in the signed body', 'Verify the raw request body; an editor or `echo` added the newline.');
  push(`${text}\n`, 'the signed body ended with a newline that your copy lacks', 'Verify the raw request body, byte for byte.');
  push(text.replace(/\r\n/g, '\n'), 'line endings were changed (CRLF → LF)', 'Verify the raw bytes; something converted line endings.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    push(JSON.stringify(parsed), 'the signature matches the body re-serialized as compact JSON: something pretty-printed or re-encoded it after it was signed', 'Verify the raw request body before any JSON parsing (e.g. express.raw(), not express.json()).');
    push(JSON.stringify(parsed, null, 2), 'the signature matches the body pretty-printed with 2 spaces: the body you have was compacted or re-serialized', 'Verify the raw request body before any JSON parsing.');
    push(JSON.stringify(parsed, null, 4), 'the signature matches the body pretty-printed with 4 spaces: the body you have was re-serialized', 'Verify the raw request body before any JSON parsing.');
    push(JSON.stringify(parsed, null, '\t'), 'the signature matches the body pretty-printed with tabs: the body you have was re-serialized', 'Verify the raw request body before any JSON parsing.');
    push(new URLSearchParams({ payload: text }).toString(), 'the signature is over the form body (payload=…): the hook uses content type application/x-www-form-urlencoded', 'Verify the raw form body, then decode its payload field, or switch the hook to application/json.');
  }
  if (text.startsWith('payload=')) {
    const decoded = new URLSearchParams(text).get('payload');
    if (decoded !== null) push(decoded, 'the signature is over the decoded JSON, but you checked the form body', 'GitHub signs the raw body it sends; check the sender, or verify the JSON it signed.');
  }
  return out;
}

function secretVariants(secret: string): { secret: string; reason: string }[] {
  const out: { secret: string; reason: string }[] = [];
  if (secret.trim() !== secret && secret.trim() !== '') out.push({ secret: secret.trim(), reason: 'your secret has whitespace around it that the signer\'s does not (a newline from a file or an env file?)' });
  out.push({ secret: `${secret}\n`, reason: 'the signer\'s secret ends with a newline that yours lacks (read from a file with a trailing newline?)' });
  out.push({ secret: ` ${secret}`, reason: 'the signer\'s secret starts with a space' });
  return out;
}

export function diagnose(secrets: string[], body: Buffer, signature: string): Diagnosis {
  const sig = signature.trim();
  const algorithm = algorithmOf(sig);
  if (!algorithm) {
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

  for (const v of bodyVariants(body)) {
    if (matchingSecretIndex(secrets, v.body, sig) !== -1) return { valid: false, algorithm, reason: v.reason, hint: v.hint };
  }
  for (const s of secrets) {
    for (const v of secretVariants(s)) {
      if (sign(v.secret, body, algorithm) === sig) return { valid: false, algorithm, reason: v.reason, hint: 'Make both sides use the exact same secret string.' };
    }
  }
  return {
    valid: false,
    algorithm,
    reason: 'no common mistake explains it: the secret differs from the one set on the hook, or the body was changed in transit',
    hint: 'Check the hook\'s secret in the repository settings (Settings → Webhooks), and verify the exact raw bytes received.',
  };
}
