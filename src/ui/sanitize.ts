/**
 * Text that came from a request (payload fields, headers, reasons, URLs a sender chose) is
 * data, never terminal control: every such piece goes through here before it is printed.
 * Control characters (C0, DEL, C1) and the Unicode bidi controls that reorder what a reader
 * sees are replaced by visible escapes, so a sender can never clear the screen, set the
 * title, print a link or fake a line.
 */

// C0 except the ones a block keeps, DEL, C1, and the bidi embedding/override/isolate marks.
// eslint-disable-next-line no-control-regex
const LINE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const BLOCK_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of request-derived text: every control character escaped, newlines included. */
export function safe(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  return text.replace(LINE_UNSAFE, escapeChar);
}

/** A block of request-derived text (a payload): keeps newlines and tabs, escapes the rest. */
export function safeBlock(text: string): string {
  return text.replace(BLOCK_UNSAFE, escapeChar);
}
