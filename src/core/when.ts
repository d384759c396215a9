/** Parse `--since` values: a duration back from now (30s, 10m, 2h, 7d, 1w) or an ISO 8601 date. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const m = /^(\d+)\s*(s|m|h|d|w)$/i.exec(value.trim());
  if (m) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3 }[m[2].toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new TypeError(`cannot read "${value}" as a time: use a duration like 10m, 2h, 1d or an ISO 8601 date`);
}
