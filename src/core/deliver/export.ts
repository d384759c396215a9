/**
 * A request as something to run or keep elsewhere: a curl command that reproduces a stored
 * delivery byte for byte, a fixture for a user's own tests, and the two request files any
 * language can use: an HTTP message file (.http, the format VS Code's REST Client and JetBrains'
 * HTTP Client run) and a JSON document. `send --dry-run --format` writes the request files of
 * a sample, `deliveries export --format` those of a stored delivery. Pure: the CLI prints
 * these, the inspector serves them.
 */
import { forwardableHeaders } from '../webhook/headers.js';
import { DEFAULT_TARGET } from './url.js';

/** Where a delivery stored without its URL goes: its path at the default target. */
const defaultUrl = (path: string): string => `${new URL(DEFAULT_TARGET).origin}${path}`;

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

const UNSAFE_TEXT_ALL = new RegExp(UNSAFE_TEXT.source, 'g');
/** C0 controls (but tab) and DEL, besides UNSAFE_TEXT: what an .http file never holds raw. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

const octal = (byte: number) => `\\${byte.toString(8).padStart(3, '0')}`;

/**
 * A printf format (single-quoted) that writes exactly `bytes`: printable ASCII as is, `%` and
 * `\` doubled, `'` and control bytes as 3-digit octal escapes (POSIX printf), UTF-8 text kept
 * readable when the bytes are valid UTF-8 (except C1 controls and bidi marks, which are
 * escaped too, so printing the command never drives a terminal), any other byte as octal.
 */
function printfFormat(bytes: Buffer): string {
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
  const lines = [`printf ${printfFormat(d.body)} |`, `curl -sS -X POST ${shellQuote(url ?? d.url ?? defaultUrl(d.path))}`];
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
  const utf8 = isUtf8(d.body);
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

/** One request, as the request files carry it. */
export interface RequestMessage {
  method: string;
  /** Absolute http(s) URL. */
  url: string;
  /** Sent as given; Content-Length and Host are left to the client. */
  headers: Record<string, string>;
  /** The exact body bytes. */
  body: Uint8Array;
}

/** A stored delivery as a request: to `url`, else where it was received; the headers to send on and the exact bytes. */
export function storedRequest(d: ExportableDelivery, url?: string): RequestMessage {
  return { method: d.method, url: url ?? d.url ?? defaultUrl(d.path), headers: forwardableHeaders(d.rawHeaders), body: d.body };
}

function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * `{method, url, headers, body}`: the body as text when it is UTF-8, else base64 with
 * `"encoding": "base64"` (the field is there only then). Ends with a newline.
 */
export function requestJson(request: RequestMessage): string {
  const body = asBuffer(request.body);
  const utf8 = isUtf8(body);
  const doc = { method: request.method, url: request.url, headers: request.headers, body: utf8 ? body.toString('utf8') : body.toString('base64'), ...(utf8 ? {} : { encoding: 'base64' }) };
  // JSON.stringify escapes C0 controls; C1 controls and bidi marks get \u escapes too (the same
  // string once parsed), so printing the document never drives a terminal.
  return `${JSON.stringify(doc, null, 2).replace(UNSAFE_TEXT_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** The characters REST Client leaves alone in a form body (it re-encodes anything else with encodeurl). */
const URL_SAFE_FORM = /^(?:[\x21\x23-\x3b\x3d\x3f-\x5f\x61-\x7a\x7c\x7e]|%[0-9a-f]{2})*$/i;

/**
 * Why `request` cannot be written as an .http file that sends exactly its bytes, or null.
 *
 * The format holds a body in place only as text that the clients read back unchanged: REST
 * Client ends a body at its first blank line, joins body lines with the platform's line ending
 * (CRLF on Windows) and drops comment lines (`#`, `//`); both clients trim whitespace around
 * the body (so no leading or trailing newline), read `{{name}}` as a variable, and `< path`,
 * `<> path`, `> handler` and `###` lines as something else than body; REST Client re-encodes a
 * form body's characters outside URL syntax. A GitHub delivery's body (compact JSON, or a form
 * of it) is one line and fits; another body (pretty-printed, not UTF-8, with "{{") does not, and
 * the JSON format carries it instead.
 */
export function httpFileProblem(request: RequestMessage): string | null {
  const body = asBuffer(request.body);
  if (!isUtf8(body)) return 'the body is not UTF-8 text';
  const text = body.toString('utf8');
  if (/[\r\n]$/.test(text)) return 'the body ends with a line break, which an .http file cannot carry (clients trim it)';
  if (/[\r\n]/.test(text)) return 'the body has line breaks, which .http clients rewrite (CRLF on Windows) or stop at (a blank line)';
  if (CONTROL.test(text) || UNSAFE_TEXT.test(text)) return 'the body has control characters or bidi marks, which hookctl does not write raw';
  if (/^\s|\s$/.test(text)) return 'the body starts or ends with whitespace, which .http clients trim';
  if (/^(#|\/\/|<>?\s|>\s)/.test(text)) return 'the body starts with a comment, a file reference or a response handler in .http syntax';
  if (text.includes('{{')) return 'the body contains "{{", which .http clients read as a variable';
  const contentType = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (/^\s*application\/x-www-form-urlencoded/i.test(contentType) && !URL_SAFE_FORM.test(text)) {
    return 'the form body has characters outside URL syntax, which REST Client encodes again';
  }
  for (const [name, value] of Object.entries(request.headers)) {
    if (/^(#|\/\/)/.test(name)) return `the header name ${JSON.stringify(name)} reads as a comment in an .http file`;
    if (!/^[\x20-\x7e]*$/.test(value)) return `the ${name} header has bytes outside printable ASCII`;
    if (value !== value.trim()) return `the ${name} header value has whitespace around it, which .http clients trim`;
    if (value.includes('{{')) return `the ${name} header contains "{{", which .http clients read as a variable`;
  }
  if (request.url.includes('{{') || /\s/.test(request.url)) return 'the URL contains "{{" or whitespace';
  return null;
}

/** Thrown when a request cannot be written as an .http file; the message says why and what to use instead. */
export class HttpFileError extends Error {}

/**
 * The request as an HTTP message file: a `###` line naming it, the request line, the headers
 * and the body in place, so that running it sends these exact bytes. Throws HttpFileError
 * when the format cannot carry them (httpFileProblem).
 */
export function httpFile(request: RequestMessage, title?: string): string {
  const problem = httpFileProblem(request);
  if (problem) throw new HttpFileError(`cannot write this request as an .http file: ${problem}`);
  // The title is a comment: printable ASCII only (an event name may come from a stranger's request).
  const lines = [`###${title ? ` ${title.replace(/[^\x20-\x7e]/g, '?')}` : ''}`, `${request.method} ${request.url} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  const body = asBuffer(request.body).toString('utf8');
  return body === '' ? `${lines.join('\n')}\n` : `${lines.join('\n')}\n\n${body}\n`;
}
