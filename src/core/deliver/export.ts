/**
 * A stored delivery as something to run or keep elsewhere: a curl command that reproduces the
 * request byte for byte, or a fixture for a user's own tests. Pure: the CLI prints these, the
 * inspector serves them.
 */
import { forwardableHeaders } from '../webhook/headers.js';

export interface ExportableDelivery {
  event: string | null;
  action: string | null;
  deliveryId: string | null;
  method: string;
  path: string;
  url: string | null;
  rawHeaders: string[];
  body: Buffer;
}

/** Single-quote for a POSIX shell. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A printf format (single-quoted) that writes exactly `body`: printable ASCII as is, `%` and
 * `\` doubled, `'` and control bytes as 3-digit octal escapes (POSIX printf), UTF-8 text kept
 * readable when the body is valid UTF-8, any other byte as octal.
 */
export function printfFormat(body: Buffer): string {
  const utf8 = Buffer.from(body.toString('utf8'), 'utf8').equals(body);
  const out: number[] = [];
  const escape = (text: string) => {
    for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
  };
  body.forEach((byte, i) => {
    if (byte === 0x25) escape('%%');
    else if (byte === 0x5c) escape('\\\\');
    else if (byte === 0x27 || (i === 0 && byte === 0x2d)) escape(`\\${byte.toString(8).padStart(3, '0')}`); // ' and a leading -
    else if (byte === 0x0a || byte === 0x09 || (byte >= 0x20 && byte < 0x7f) || (byte >= 0x80 && utf8)) out.push(byte);
    else escape(`\\${byte.toString(8).padStart(3, '0')}`);
  });
  return `'${Buffer.from(out).toString(utf8 ? 'utf8' : 'latin1')}'`;
}

/** A shell command that POSTs the stored request byte for byte: to `url`, else where it was received. */
export function curlCommand(d: ExportableDelivery, url?: string): string {
  const headers = forwardableHeaders(d.rawHeaders);
  const lines = [`printf ${printfFormat(d.body)} |`, `curl -sS -X POST ${shellQuote(url ?? d.url ?? `http://127.0.0.1:5000${d.path}`)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  // No Expect: 100-continue for large bodies; the body comes from stdin, byte for byte.
  lines.push(`  -H 'Expect:'`, '  --data-binary @-');
  return lines.join(' \\\n');
}

/** The delivery as a test fixture: headers to send on, and the body (UTF-8 text, else base64). */
export function fixture(d: ExportableDelivery): Record<string, unknown> {
  const utf8 = Buffer.from(d.body.toString('utf8'), 'utf8').equals(d.body);
  return {
    event: d.event,
    action: d.action,
    deliveryId: d.deliveryId,
    method: d.method,
    path: d.path,
    headers: forwardableHeaders(d.rawHeaders),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
    body: utf8 ? d.body.toString('utf8') : d.body.toString('base64'),
  };
}
