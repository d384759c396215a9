/**
 * Who may use the inspector: whoever holds its access token, a secret only the user can read
 * (as Jupyter does). The token is kept in `$HOOKCTL_HOME/inspector-token` (0600, made once,
 * the same for every run, so a bookmark keeps working), given once in the URL `listen` and
 * `inspect` print (`/?token=…`), and exchanged by the server for an HttpOnly, SameSite=Strict
 * cookie; the page then takes the token out of the address bar. Without the token or the
 * cookie every route answers 401 (server.ts).
 *
 * This is not the page's CSRF token (server.ts, per process, in the page's <meta>): that one
 * proves a change comes from the page; this one proves the page is the user's.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, constants as fsConstants, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file in HOOKCTL_HOME that keeps the token. */
const ACCESS_TOKEN_FILE = 'inspector-token';
const TOKEN = /^[0-9a-f]{64}$/;

/** A fresh token: 32 random bytes, hex. */
export function newAccessToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The token kept in `home` (created 0700 when missing), made on first use. A file that is not
 * a regular file, or a link, is refused; one readable by others is narrowed to 0600; one
 * that does not hold a token (emptied, edited) is given a new one.
 */
export function accessTokenIn(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, ACCESS_TOKEN_FILE);
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot keep the inspector's token in ${file}: ${e.code === 'ELOOP' ? 'it is a symbolic link' : e.message}`, { cause: err });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`cannot keep the inspector's token in ${file}: it is not a regular file`);
    if ((stats.mode & 0o077) !== 0) chmodSync(file, 0o600);
    const buffer = Buffer.alloc(128);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const kept = buffer.subarray(0, read).toString('utf8').trim();
    if (TOKEN.test(kept)) return kept;
    const token = newAccessToken();
    ftruncateSync(fd, 0);
    writeSync(fd, `${token}\n`, 0, 'utf8');
    return token;
  } finally {
    closeSync(fd);
  }
}

/** The cookie that carries the token, per port (cookies are per host, not per port). */
export function accessCookieName(port: number): string {
  return `hookctl-inspector-${port}`;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Is `given` the token? (In constant time.) */
export function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
