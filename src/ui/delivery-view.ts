/**
 * Stored deliveries for a person: the list's table and one delivery's detail (`deliveries
 * list` and `show`). Every request-derived piece goes through sanitize.
 */
import { isNotForwarded, type AttemptRecord, type DeliverySummary, type StoredDelivery } from '../core/store/types.js';
import { headerPairs } from '../core/webhook/headers.js';
import { LIST_FIT } from './fit.js';
import { count, eventName, formatBytes, formatDuration, formatStatus, timeAgo } from './format.js';
import type { Colors } from './io.js';
import { violationLines } from './lines.js';
import { safe, safeBlock } from './sanitize.js';
import { table } from './table.js';

function signatureCell(c: Colors, d: Pick<DeliverySummary, 'signature' | 'signatureAlgorithm'>): string {
  switch (d.signature) {
    case 'valid':
      return c.green(d.signatureAlgorithm === 'sha1' ? 'valid (sha1)' : 'valid');
    case 'unchecked':
      return c.dim('unchecked');
    default:
      return c.red(d.signature);
  }
}

function forwardCell(c: Colors, f: AttemptRecord | null): string {
  if (!f) return c.dim('-');
  return f.status === null ? (isNotForwarded(f) ? c.yellow('not forwarded') : c.red('failed')) : formatStatus(c, f.status);
}

export const LIST_HEADER = ['ID', 'EVENT', 'REPOSITORY', 'SENDER', 'SIGNATURE', 'STATUS', 'FORWARD', 'RECEIVED'];

export function listRow(c: Colors, d: DeliverySummary, now: Date): string[] {
  return [
    c.cyan(d.id),
    (d.event ? safe(eventName(d.event, d.action)) : c.dim('(none)')) + (d.attempt > 1 ? c.magenta(` ↻${d.attempt}`) : ''),
    d.repository ? safe(d.repository) : c.dim('-'),
    d.sender ? safe(d.sender) : c.dim('-'),
    signatureCell(c, d),
    formatStatus(c, d.status) + (d.source === 'github' ? c.dim(' (github)') : ''),
    forwardCell(c, d.forward),
    timeAgo(new Date(d.receivedAt), now),
  ];
}

export function deliveryTable(c: Colors, rows: DeliverySummary[], now: Date, width?: number): string {
  return table(c, LIST_HEADER, rows.map((d) => listRow(c, d, now)), { columns: LIST_FIT, width });
}

function attemptLine(c: Colors, a: AttemptRecord): string {
  const result = a.status === null ? c.red(`failed: ${safe(a.error ?? 'no answer')}`) : formatStatus(c, a.status);
  const notes = [a.deliveryId ? `new X-GitHub-Delivery ${safe(a.deliveryId)}` : '', a.edited ? `edited (${formatBytes(a.bytes)})` : '', a.resigned ? 'signed anew' : '']
    .filter(Boolean)
    .join(', ');
  return `  ${c.dim(a.at)}  ${result}  ${c.dim(formatDuration(a.durationMs))}  ${safe(a.url)}${notes ? c.dim(`  ${notes}`) : ''}`;
}

/** The payload, pretty-printed for reading (the stored bytes are never changed). */
function prettyPayload(d: StoredDelivery): string {
  let text = d.body.toString('utf8');
  if (d.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(text).get('payload') ?? text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function summaryLines(c: Colors, d: StoredDelivery, now: Date): string[] {
  const label = (s: string) => c.dim(s.padEnd(11));
  const lines = [
    `${c.cyan(c.bold(d.id))}  ${c.bold(d.event ? safe(eventName(d.event, d.action)) : '(no event)')}${d.attempt > 1 ? c.magenta(`  ↻ attempt ${d.attempt}`) : ''}`,
    `${label('Delivery')}${d.deliveryId ? safe(d.deliveryId) : c.dim('(no X-GitHub-Delivery)')}`,
    `${label('Received')}${d.receivedAt} (${timeAgo(new Date(d.receivedAt), now)})${d.remoteAddress ? ` from ${safe(d.remoteAddress)}` : ''}`,
    `${label('At')}${safe(d.method)} ${safe(d.url ?? d.path)}`,
  ];
  if (d.repository) lines.push(`${label('Repository')}${safe(d.repository)}`);
  if (d.sender) lines.push(`${label('Sender')}${safe(d.sender)}`);
  lines.push(`${label('Signature')}${signatureCell(c, d)}${d.signatureReason ? `: ${safe(d.signatureReason)}` : ''}`);
  lines.push(`${label('Answered')}${formatStatus(c, d.status)}${d.rejectReason ? `  ${safe(d.rejectReason)}` : ''}`);
  if (d.github) {
    lines.push(`${label('GitHub')}${safe(d.github.status ?? '')}${d.github.statusCode !== null ? ` (${d.github.statusCode})` : ''}${d.github.redelivery ? ', a redelivery' : ''}`);
  }
  if (d.schema) {
    const n = d.schema.violations.length;
    const schema = d.schema.status === 'valid' ? c.green("matches GitHub's schema") : d.schema.status === 'unknown' ? c.dim('no schema for this event') : c.yellow(`drift: ${count(n, 'difference')}`);
    lines.push(`${label('Schema')}${schema}`);
    if (d.schema.status === 'invalid') lines.push(...violationLines(c, d.schema.violations));
  }
  return lines;
}

/** `deliveries show`: summary, headers, attempts and (unless `payload` is false) the payload. */
export function deliveryDetail(c: Colors, d: StoredDelivery, attempts: AttemptRecord[], now: Date, options: { payload?: boolean } = {}): string {
  const lines = summaryLines(c, d, now);
  lines.push('', c.bold('Headers'));
  for (const [name, value] of headerPairs(d.rawHeaders)) lines.push(`  ${safe(name)}: ${safe(value)}`);
  for (const [kind, title] of [['forward', 'Forwarded'], ['replay', 'Replayed']] as const) {
    const of = attempts.filter((a) => a.kind === kind);
    if (of.length) lines.push('', c.bold(title), ...of.map((a) => attemptLine(c, a)));
  }
  // A cut body's bytes are not the body that was sent: --raw writes only the part kept.
  const raw = d.truncated ? `the kept part: hookctl deliveries show ${d.id} --raw` : `exact bytes: hookctl deliveries show ${d.id} --raw`;
  lines.push('', `${c.bold('Payload')} ${c.dim(`(${formatBytes(d.bytes)}${d.contentType ? `, ${safe(d.contentType)}` : ''}; ${raw})`)}`);
  if (d.truncated) lines.push(c.yellow(`Rejected body: only the first ${formatBytes(d.bytes)} of ${formatBytes(d.bodyBytes)} were kept (sha256 of the whole body: ${d.bodySha256 ?? 'unknown'})`));
  if (options.payload !== false) lines.push(safeBlock(prettyPayload(d)));
  return lines.join('\n');
}
