/**
 * Small formatters every command uses: durations, sizes, status codes, times, counts.
 */
import type { Colors } from './io.js';

/**
 * A duration as Go prints one: 850ms, 3.25s, 42.1s, 17m59s, 2h3m4s. Rounded first, so a value
 * just under a unit reads as that unit (59,999 ms is "1m0s", never "60.0s" or "0m60s").
 */
export function formatDuration(ms: number): string {
  const safeMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (Math.round(safeMs) < 1000) return `${Math.round(safeMs)}ms`;
  if (safeMs < 10_000 - 5) return `${(safeMs / 1000).toFixed(2)}s`;
  if (safeMs < 60_000 - 50) return `${(safeMs / 1000).toFixed(1)}s`;
  const seconds = Math.round(safeMs / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A status code coloured by class: 2xx green, 4xx yellow, 5xx and none red. */
export function formatStatus(c: Colors, status: number | null): string {
  if (status === null) return c.red('---');
  const s = String(status);
  if (status >= 200 && status < 300) return c.green(s);
  if (status >= 400 && status < 500) return c.yellow(s);
  return c.red(s);
}

/** "event.action" or "event". */
export function eventName(event: string, action?: string | null): string {
  return action ? `${event}.${action}` : event;
}

/** "1 delivery", "3 deliveries": `plural` defaults to `singular + "s"`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "3m ago", "2h ago", "5d ago". */
export function timeAgo(from: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** HH:MM:SS in local time, for stream lines. */
export function clockTime(d: Date): string {
  return d.toTimeString().slice(0, 8);
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
