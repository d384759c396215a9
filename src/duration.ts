/** Durations as people write them on the command line and in hookctl.json (--timeout, --forward-timeout). */

/** `10s`, `500ms`, `2m` or seconds (`10`) → milliseconds (rounded); NaN when it is none of those. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(value.trim());
  return m ? Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's').toLowerCase() as 'ms' | 's' | 'm']) : NaN;
}
