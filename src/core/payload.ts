/**
 * Reading a received webhook body without building it: is it readable JSON (CONTRACT: a 400
 * when it is not), and what do its `action`, `repository.full_name` (or
 * `organization.login`) and `sender.login` say. Pure; used by the store's writer while it
 * keeps the row, so `listen`'s HTTP thread never parses a payload.
 *
 * One pass over the bytes, no allocation but the few strings it returns: as fast as
 * JSON.parse on a 24 KB payload (~100 µs here), but a 25 MiB body costs no memory beyond
 * itself (JSON.parse would build a copy or several). It accepts exactly what `JSON.parse(body.toString('utf8'))` accepts (a test holds the two
 * equal on a corpus and on thousands of mutations), and reads the fields the way property
 * access on that result would (the last of duplicate keys wins).
 */
import { describeJsonError } from './jsonerror.js';

export type PayloadKind = 'json' | 'form';

export interface PayloadReading {
  /** False when the body is not JSON (or a form without `payload=`). */
  readable: boolean;
  /** Why it is not readable, with a line and column; null when readable. */
  error: string | null;
  action: string | null;
  /** repository.full_name, else organization.login. */
  repository: string | null;
  sender: string | null;
}

/** Why a form body is unreadable when it has no `payload` field. */
export const NO_FORM_PAYLOAD = 'form body without a payload= field';

/** The JSON text of a body: the body itself, or a form's `payload` field (null when absent). */
export function jsonBytes(kind: PayloadKind, body: Uint8Array): Uint8Array | null {
  if (kind === 'json') return body;
  const payload = new URLSearchParams(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')).get('payload');
  return payload === null ? null : Buffer.from(payload, 'utf8');
}

/** The parsed payload (for the schema check); throws when it is not readable. */
export function parsePayload(kind: PayloadKind, body: Uint8Array): unknown {
  const bytes = jsonBytes(kind, body);
  if (bytes === null) throw new Error(NO_FORM_PAYLOAD);
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

export function readPayload(kind: PayloadKind, body: Uint8Array): PayloadReading {
  const bytes = jsonBytes(kind, body);
  if (bytes === null) return { readable: false, error: NO_FORM_PAYLOAD, action: null, repository: null, sender: null };
  return readJson(bytes);
}

/** readPayload for JSON text. */
export function readJson(bytes: Uint8Array): PayloadReading {
  // A plain Uint8Array view: element reads on it are faster than on a Buffer in V8.
  const found = scan(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (found) return { readable: true, error: null, ...found };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let error: unknown;
  try {
    JSON.parse(text);
  } catch (err) {
    error = err;
  }
  return { readable: false, error: `unreadable JSON: ${describeJsonError(text, error)}`, action: null, repository: null, sender: null };
}

// Bytes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Which top-level member a depth-2 string may fill. */
const enum Slot {
  None,
  Repository,
  Organization,
  Sender,
}

interface Fields {
  action: string | null;
  repository: string | null;
  sender: string | null;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** 1 for the bytes that end a plain run inside a string: control characters, quote, backslash. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** Index just after the string starting at `i` (its opening quote), or -1 if it is malformed. */
function skipString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  for (;;) {
    while (i < n && STRING_STOP[b[i]] === 0) i++;
    if (i >= n) return -1;
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === 0x75 /* u */) {
        if (i + 5 >= n || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return -1;
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else return -1;
    } else return -1;
  }
}

/** Index just after the number starting at `i`, or -1. */
function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d /* - */) i++;
  if (b[i] === 0x30 /* 0 */) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === 0x2e /* . */) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45 /* e E */) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function skipLiteral(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** The string value of the JSON string b[start, end) (quotes included). */
function decode(b: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

/** Does the JSON string b[start, end) (quotes included) spell `name`? */
function keyIs(b: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start === name.length + 2) {
    for (let k = 0; k < name.length; k++) if (b[start + 1 + k] !== name.charCodeAt(k)) return false;
    return true;
  }
  // An escaped spelling ("act\u0069on") is the same key to JSON.parse.
  if (end - start < name.length + 2) return false;
  for (let k = start + 1; k < end - 1; k++) if (b[k] === BACKSLASH) return decode(b, start, end) === name;
  return false;
}

/**
 * Validate the whole text and read the fields; null when it is not JSON. Iterative (an
 * explicit stack), so nesting depth is bounded only by memory, as in JSON.parse.
 */
function scan(b: Uint8Array): Fields | null {
  const n = b.length;
  const fields: Fields = { action: null, repository: null, sender: null };
  let organization: string | null = null;
  // Containers open around the current position: true = object, false = array.
  const stack: boolean[] = [];
  let topIsObject = false;
  // The top-level member being read (depth 1) and, inside it, whether a depth-2 key matters.
  let slot = Slot.None as Slot;
  let wantAction = false;
  let wantInner = false;
  let i = 0;
  while (i < n && isWhitespace(b[i])) i++;

  // State: expecting a value (after start, ':', ',' in an array, or '[').
  for (;;) {
    if (i >= n) return null;
    const c = b[i];
    const depth = stack.length;
    // A value.
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const isObject = c === OPEN_OBJECT;
      if (depth === 0) topIsObject = isObject;
      stack.push(isObject);
      i++;
      while (i < n && isWhitespace(b[i])) i++;
      const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (b[i] === close) {
        stack.pop();
        i++;
      } else if (isObject) {
        const next = readKey(b, i, stack.length);
        if (next < 0) return null;
        i = next;
        continue;
      } else continue;
    } else {
      let end: number;
      if (c === QUOTE) {
        end = skipString(b, i);
        if (end < 0) return null;
        if (depth === 1 && wantAction) fields.action = decode(b, i, end);
        else if (depth === 2 && wantInner) {
          const value = decode(b, i, end);
          if (slot === Slot.Repository) fields.repository = value;
          else if (slot === Slot.Organization) organization = value;
          else if (slot === Slot.Sender) fields.sender = value;
        }
      } else if (c === 0x74) end = skipLiteral(b, i, 'true');
      else if (c === 0x66) end = skipLiteral(b, i, 'false');
      else if (c === 0x6e) end = skipLiteral(b, i, 'null');
      else end = skipNumber(b, i);
      if (end < 0) return null;
      i = end;
    }
    // After a value: ',' or a closing bracket, possibly several.
    for (;;) {
      while (i < n && isWhitespace(b[i])) i++;
      if (stack.length === 0) {
        if (i !== n) return null;
        if (!topIsObject) return { action: null, repository: null, sender: null };
        if (fields.repository === null) fields.repository = organization;
        return fields;
      }
      const inObject = stack[stack.length - 1];
      const d = b[i];
      if (d === COMMA) {
        i++;
        while (i < n && isWhitespace(b[i])) i++;
        if (inObject) {
          const next = readKey(b, i, stack.length);
          if (next < 0) return null;
          i = next;
        }
        break;
      }
      if (d === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        stack.pop();
        i++;
        if (stack.length === 1) slot = Slot.None;
        continue;
      }
      return null;
    }
  }

  /** Read `"key" :` at b[at] in an object at `depth`; set what the next value fills. */
  function readKey(b: Uint8Array, at: number, depth: number): number {
    if (b[at] !== QUOTE) return -1;
    const end = skipString(b, at);
    if (end < 0) return -1;
    if (depth === 1) {
      wantInner = false;
      wantAction = keyIs(b, at, end, 'action');
      if (wantAction) fields.action = null;
      // A later duplicate replaces the earlier member entirely, as in JSON.parse.
      slot = Slot.None;
      if (keyIs(b, at, end, 'repository')) {
        slot = Slot.Repository;
        fields.repository = null;
      } else if (keyIs(b, at, end, 'organization')) {
        slot = Slot.Organization;
        organization = null;
      } else if (keyIs(b, at, end, 'sender')) {
        slot = Slot.Sender;
        fields.sender = null;
      }
    } else if (depth === 2 && slot !== Slot.None && stack[0] && stack[1]) {
      wantInner = keyIs(b, at, end, slot === Slot.Repository ? 'full_name' : 'login');
      if (wantInner) {
        if (slot === Slot.Repository) fields.repository = null;
        else if (slot === Slot.Organization) organization = null;
        else fields.sender = null;
      }
    } else if (depth === 2) wantInner = false;
    let i = end;
    while (i < b.length && isWhitespace(b[i])) i++;
    if (b[i] !== COLON) return -1;
    i++;
    while (i < b.length && isWhitespace(b[i])) i++;
    return i;
  }
}
