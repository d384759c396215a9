/**
 * The one check of a URL hookctl will send to (send --to, replay --to, listen --forward-to,
 * register --url, the inspector's replay target, the GitHub API base URL).
 */
import { UsageError } from '../../errors.js';

/** listen's and tunnel's port when nothing else says. */
export const DEFAULT_PORT = 5000;

/** The local listener's origin at a port (no trailing slash). */
export function localOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** Where send and replay go when nothing else says (the contract's http://127.0.0.1:5000/). */
export const DEFAULT_TARGET = `${localOrigin(DEFAULT_PORT)}/`;

export interface TargetUrlOptions {
  /**
   * The flag or variable the URL came from (`--to`, `$HOOKCTL_URL`): the message starts with
   * it and it is the error's field. Without one, the field is `url` and the message is the
   * problem alone (the library's `deliver(url)`, the inspector's target).
   */
  field?: string;
  /** What a good one looks like, for the message (default a local webhook URL). */
  example?: string;
  /** Extra lines for the error (hints). */
  details?: string[];
}

/** What is wrong with a URL we would POST to (null when nothing is), and the URL when it parsed. */
function check(url: string, example: string): { problem: string; parsed?: undefined } | { problem: null; parsed: URL } {
  const value = url.trim();
  // "localhost:5000/x" parses as scheme "localhost:"; "127.0.0.1:5000" does not parse at all.
  const bare = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|[a-z0-9.-]+\.[a-z]{2,})(:\d+)?(\/|$)/i.test(value);
  if (bare && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { problem: `"${url}" has no scheme: did you mean http://${value}?` };
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return { problem: `not a valid URL: "${url}" (expected e.g. ${example})` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { problem: `unsupported URL scheme "${parsed.protocol}" in ${url} (use http or https)` };
  if (!parsed.hostname) return { problem: `no host in "${url}" (expected e.g. ${example})` };
  return { problem: null, parsed };
}

const EXAMPLE = 'http://127.0.0.1:3000/webhooks';

/** Why `url` is not something we can POST to, or null (for a prompt's validation). */
export function targetUrlProblem(url: string): string | null {
  return check(url, EXAMPLE).problem;
}

/**
 * Check a URL is something we can POST to; throws a UsageError whose message says what is
 * wrong and, for the usual slips (a missing scheme), what was probably meant, and whose field
 * is the flag (or field) it came from.
 */
export function parseTargetUrl(url: string, options: TargetUrlOptions = {}): URL {
  const found = check(url, options.example ?? EXAMPLE);
  if (found.problem === null) return found.parsed;
  throw new UsageError(options.field ? `${options.field}: ${found.problem}` : found.problem, options.details, options.field ?? 'url');
}
