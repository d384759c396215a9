/**
 * The one line each kind of result is printed as: a received delivery (listen), a forward of
 * it, a refused request, and a sent delivery (send, replay, replay --from-github). Every piece
 * of request-derived text goes through sanitize.
 */
import type { SignatureVerdict } from '../core/store/types.js';
import { SIGNATURE_WORDING, type Wording } from '../core/store/vocabulary.js';
import type { FittedColumns } from './fit.js';
import type { Colors } from './io.js';
import { clockTime, eventName, formatDuration, formatStatus, truncate } from './format.js';
import { safe, safeBlock } from './sanitize.js';
import { pad, visibleWidth } from './table.js';

/** A word of the vocabulary (core/store/vocabulary.ts) in its tone's colour. */
export function toned(c: Colors, w: Pick<Wording, 'tone'>, text: string): string {
  return w.tone === 'ok' ? c.green(text) : w.tone === 'err' ? c.red(text) : w.tone === 'warn' ? c.yellow(text) : c.dim(text);
}

/** "valid", "valid (sha1)", "unsigned"…; with its glyph ("✓ valid") where space is short. */
export function signatureText(c: Colors, d: { signature: SignatureVerdict; signatureAlgorithm: string | null }, options: { glyph?: boolean } = {}): string {
  const w = SIGNATURE_WORDING[d.signature];
  const label = `${w.label}${d.signature === 'valid' && d.signatureAlgorithm === 'sha1' ? ' (sha1)' : ''}`;
  return toned(c, w, options.glyph ? `${w.glyph} ${label}` : label);
}

/** Columns that widen as longer values arrive (never shrink), so a stream of lines stays aligned. */
export class Columns {
  private readonly widths: number[];
  constructor(
    minimum: number[],
    private readonly maximum = 40,
    /** The terminal's width is known: lines fitted to it (src/ui/fit.ts). */
    private readonly fitted?: FittedColumns,
  ) {
    this.widths = [...minimum];
  }
  /** Pad each cell but the last to its column's width. */
  line(cells: string[]): string {
    if (this.fitted) return this.fitted.line(cells);
    return cells
      .map((cell, i) => {
        if (i === cells.length - 1) return cell;
        return pad(cell, (this.widths[i] = Math.min(this.maximum, Math.max(this.widths[i] ?? 0, visibleWidth(cell)))));
      })
      .join('  ')
      .trimEnd();
  }
}

export interface ReceivedLine {
  receivedAt: Date;
  event: string | null;
  action: string | null;
  repository: string | null;
  sender: string | null;
  id: string;
  signature: SignatureVerdict;
  signatureAlgorithm: string | null;
  status: number;
  attempt: number;
  rejectReason: string | null;
}

/** listen's line for a kept delivery, printed as soon as it is answered. */
export function receivedLine(c: Colors, columns: Columns, d: ReceivedLine): string {
  const cells = [
    c.dim(clockTime(d.receivedAt)),
    c.bold(d.event ? safe(eventName(d.event, d.action)) : '(no event)'),
    d.repository ? safe(d.repository) : c.dim('-'),
    d.sender ? c.dim(`@${safe(d.sender)}`) : c.dim('-'),
    c.cyan(d.id),
    // The column stays narrow ("· unchecked"): an old GHES's sha1 is said after the status.
    signatureText(c, { signature: d.signature, signatureAlgorithm: null }, { glyph: true }),
    formatStatus(c, d.status),
  ];
  const extra: string[] = [];
  if (d.signature === 'valid' && d.signatureAlgorithm === 'sha1') extra.push(c.dim('(sha1)'));
  if (d.attempt > 1) extra.push(c.magenta(`↻ redelivery #${d.attempt}`));
  if (d.rejectReason) extra.push(c.red(safe(d.rejectReason)));
  return columns.line([...cells, extra.join('  ')]);
}

/** The line under a delivery when its forward came back. */
export function forwardLine(c: Colors, id: string, f: { url: string; status: number | null; durationMs: number; error: string | null }): string {
  const target = c.dim(safe(f.url));
  if (f.status === null) return `  ${c.dim('↳')} ${c.dim(id)} ${c.red('forward failed:')} ${safe(f.error ?? 'no answer')}`;
  return `  ${c.dim('↳')} ${c.dim(id)} forwarded → ${formatStatus(c, f.status)} ${c.dim(formatDuration(f.durationMs))} ${target}`;
}

/** The line under a delivery whose payload drifted from GitHub's schema. */
export function driftLine(c: Colors, id: string, violations: { path: string; message: string }[]): string {
  const first = violations[0];
  const n = violations.length;
  return `  ${c.dim('↳')} ${c.dim(id)} ${c.yellow(`⚠ schema drift: ${n} difference${n === 1 ? '' : 's'}${first ? ` (${safe(first.path || '/')} ${safe(first.message)})` : ''}`)}`;
}

/** A request refused without being stored. */
export function refusedLine(c: Colors, r: { at: Date; method: string; path: string; status: number; reason: string }): string {
  const reason = r.status === 503 ? `not stored: ${r.reason}` : r.reason;
  return [c.dim(clockTime(r.at)), c.bold(`${safe(r.method)} ${safe(r.path)}`), formatStatus(c, r.status), c.red(safe(reason))].join('  ');
}

export interface SentResult {
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  responseSnippet?: string;
}

/**
 * send's and replay's line: `✓ [id] event.action → URL 200 37ms`, then the reason of a failure
 * or the start of a non-2xx answer.
 */
export function resultLine(c: Colors, label: { id?: string; event: string | null; action: string | null }, r: SentResult): string {
  const ok = r.status !== null && r.status >= 200 && r.status < 300;
  const parts = [ok ? c.green('✓') : c.red('✗')];
  if (label.id) parts.push(safe(label.id));
  parts.push(c.bold(safe(eventName(label.event ?? '?', label.action))), '→', safe(r.url), formatStatus(c, r.status), c.dim(formatDuration(r.durationMs)));
  let line = parts.join(' ');
  if (r.error) line += ` ${c.red(safe(r.error))}`;
  else if (!ok && r.responseSnippet) line += ` ${c.dim(safe(truncate(r.responseSnippet, 160)))}`;
  return line;
}

/** A schema violation per line, paths aligned: the same for `validate` and `send --validate`. */
export function violationLines(c: Colors, violations: readonly { path: string; message: string }[]): string[] {
  const width = Math.min(48, Math.max(...violations.map((v) => (v.path || '/').length)));
  return violations.map((v) => `  ${c.bold(pad(safe(v.path || '/'), width))}  ${safe(v.message)}`);
}

/** A request as it goes on the wire (send --dry-run): request line, headers, blank line, body. */
export function requestText(request: { url: string; headers: Record<string, string>; body: Uint8Array }): string {
  const url = new URL(request.url);
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, ''];
  return `${lines.join('\n')}\n${safeBlock(body.toString('utf8'))}`;
}
