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

/** Characters a terminal would act on if the command were printed: C1 controls and the bidi marks. */
const UNSAFE_TEXT = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const octal = (byte: number) => `\\${byte.toString(8).padStart(3, '0')}`;

/**
 * A printf format (single-quoted) that writes exactly `bytes`: printable ASCII as is, `%` and
 * `\` doubled, `'` and control bytes as 3-digit octal escapes (POSIX printf), UTF-8 text kept
 * readable when the bytes are valid UTF-8 (except C1 controls and bidi marks, which are
 * escaped too, so printing the command never drives a terminal), any other byte as octal.
 */
export function printfFormat(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(bytes);
  let out = '';
  if (utf8) {
    let first = true;
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      if (code < 0x80) out += asciiByte(code, first);
      else if (UNSAFE_TEXT.test(ch)) for (const byte of Buffer.from(ch, 'utf8')) out += octal(byte);
      else out += ch;
      first = false;
    }
  } else {
    bytes.forEach((byte, i) => (out += byte < 0x80 ? asciiByte(byte, i === 0) : octal(byte)));
  }
  return `'${out}'`;
}

function asciiByte(byte: number, first: boolean): string {
  if (byte === 0x25) return '%%';
  if (byte === 0x5c) return '\\\\';
  if (byte === 0x27 || (first && byte === 0x2d)) return octal(byte); // ' and a leading -
  if (byte === 0x0a || byte === 0x09 || (byte >= 0x20 && byte < 0x7f)) return String.fromCharCode(byte);
  return octal(byte);
}

/** A shell command that POSTs the stored request byte for byte: to `url`, else where it was received. */
export function curlCommand(d: ExportableDelivery, url?: string): string {
  const headers = forwardableHeaders(d.rawHeaders);
  const lines = [`printf ${printfFormat(d.body)} |`, `curl -sS -X POST ${shellQuote(url ?? d.url ?? `http://127.0.0.1:5000${d.path}`)}`];
  for (const [name, value] of Object.entries(headers)) {
    const header = `${name}: ${value}`;
    // Header values are bytes (read as latin-1): anything but printable ASCII goes through printf.
    lines.push(/^[\x20-\x7e]*$/.test(header) ? `  -H ${shellQuote(header)}` : `  -H "$(printf ${printfFormat(Buffer.from(header, 'latin1'))})"`);
  }
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
