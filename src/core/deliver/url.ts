/**
 * The one check of a URL hookctl will send to (send --to, replay --to, listen --forward-to,
 * register --url, the inspector's replay target, the GitHub API base URL).
 */

/** listen's and tunnel's port when nothing else says. */
export const DEFAULT_PORT = 5000;

/** The local listener's origin at a port (no trailing slash). */
export function localOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** Where send and replay go when nothing else says (the contract's http://127.0.0.1:5000/). */
export const DEFAULT_TARGET = `${localOrigin(DEFAULT_PORT)}/`;

/**
 * Check a URL is something we can POST to; throws a TypeError whose message says what is
 * wrong and, for the usual slips (a missing scheme), what was probably meant.
 */
export function parseTargetUrl(url: string): URL {
  const value = url.trim();
  // "localhost:5000/x" parses as scheme "localhost:"; "127.0.0.1:5000" does not parse at all.
  const bare = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|[a-z0-9.-]+\.[a-z]{2,})(:\d+)?(\/|$)/i.test(value);
  if (bare && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new TypeError(`"${url}" has no scheme: did you mean http://${value}?`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TypeError(`not a valid URL: "${url}" (expected e.g. http://127.0.0.1:3000/webhooks)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`unsupported URL scheme "${parsed.protocol}" in ${url} (use http or https)`);
  }
  if (!parsed.hostname) throw new TypeError(`no host in "${url}" (expected e.g. http://127.0.0.1:3000/webhooks)`);
  return parsed;
}
