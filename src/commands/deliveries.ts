/**
 * `hookctl deliveries list|show|export`: read the delivery store. (`pull` lives in
 * deliveries-pull.ts.)
 */
import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { openStore, type Store } from '../core/store/store.js';
import type { AttemptRecord, DeliverySummary, StoredDelivery } from '../core/store/types.js';
import { forwardableHeaders, headerPairs } from '../core/webhook/headers.js';
import { eventName, formatBytes, formatDuration, formatStatus, timeAgo } from '../ui/format.js';
import type { Colors } from '../ui/io.js';
import { printJson, toRecord } from '../ui/records.js';
import { safe, safeBlock } from '../ui/sanitize.js';
import { table } from '../ui/table.js';
import { sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';

interface ListOptions {
  event?: string;
  since?: string;
  limit?: number;
  store?: string;
  json?: boolean;
}

interface ShowOptions {
  raw?: boolean;
  store?: string;
  json?: boolean;
}

interface ExportOptions {
  format?: 'curl' | 'fixture';
  store?: string;
}

function storeFile(ctx: AppContext, flag?: string): string {
  return flag ?? ctx.paths.store;
}

function noStore(ctx: AppContext, file: string, flag?: string): UsageError {
  void ctx;
  return new UsageError(`no deliveries stored yet (${file} does not exist)`, [
    flag ? 'Check the --store path.' : 'Run hookctl listen, then send it something: hookctl send pull_request.opened',
  ]);
}

function signatureCell(c: Colors, d: DeliverySummary): string {
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
  return f.status === null ? c.red('failed') : formatStatus(c, f.status);
}

export async function list(ctx: AppContext, options: ListOptions): Promise<number> {
  const { io } = ctx;
  const file = storeFile(ctx, options.store);
  const since = sinceOption(ctx, options.since);
  if (options.event) parseEventList(options.event, { flag: '--event' });
  let rows: DeliverySummary[] = [];
  if (existsSync(file)) {
    const store = openStore(file);
    try {
      rows = store.list({ event: options.event, since, limit: options.limit ?? 30 });
    } finally {
      store.close();
    }
  } else if (options.store) {
    throw noStore(ctx, file, options.store);
  }
  if (options.json) {
    printJson(io, rows.map((r) => toRecord(r)));
    return 0;
  }
  if (rows.length === 0) {
    const filtered = options.event || options.since;
    io.err(filtered ? 'No stored deliveries match.' : 'No deliveries stored yet. Run hookctl listen, then: hookctl send pull_request.opened');
    return 0;
  }
  const c = io.color;
  const now = ctx.now();
  io.out(
    table(
      c,
      ['ID', 'EVENT', 'REPOSITORY', 'SENDER', 'SIGNATURE', 'STATUS', 'FORWARD', 'RECEIVED'],
      rows.map((d) => [
        c.cyan(d.id),
        (d.event ? safe(eventName(d.event, d.action)) : c.dim('(none)')) + (d.attempt > 1 ? c.magenta(` ↻${d.attempt}`) : ''),
        d.repository ? safe(d.repository) : c.dim('-'),
        d.sender ? safe(d.sender) : c.dim('-'),
        signatureCell(c, d),
        formatStatus(c, d.status) + (d.source === 'github' ? c.dim(' (github)') : ''),
        forwardCell(c, d.forward),
        timeAgo(new Date(d.receivedAt), now),
      ]),
    ),
  );
  return 0;
}

function openExisting(ctx: AppContext, flag?: string): Store {
  const file = storeFile(ctx, flag);
  if (!existsSync(file)) throw noStore(ctx, file, flag);
  return openStore(file);
}

/** The payload, pretty-printed for reading (the stored bytes are never changed). */
function prettyPayload(d: StoredDelivery): string {
  let text = d.body.toString('utf8');
  if (d.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(text).get('payload') ?? text;
  }
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function attemptLine(c: Colors, a: AttemptRecord): string {
  const result = a.status === null ? c.red(`failed: ${safe(a.error ?? 'no answer')}`) : formatStatus(c, a.status);
  return `  ${c.dim(a.at)}  ${result}  ${c.dim(formatDuration(a.durationMs))}  ${safe(a.url)}`;
}

export async function show(ctx: AppContext, options: ShowOptions, ref: string): Promise<number> {
  const { io } = ctx;
  const store = openExisting(ctx, options.store);
  let d: StoredDelivery;
  let attempts: AttemptRecord[];
  try {
    d = resolveDelivery(store, ref);
    attempts = store.attempts(d.id);
  } finally {
    store.close();
  }
  if (options.raw) {
    await io.writeRaw(d.body);
    return 0;
  }
  if (options.json) {
    printJson(io, { ...toRecord(d, attempts), headers: headerPairs(d.rawHeaders), body: d.body.toString('utf8') });
    return 0;
  }
  const c = io.color;
  const label = (s: string) => c.dim(s.padEnd(11));
  const lines: string[] = [];
  lines.push(`${c.cyan(c.bold(d.id))}  ${c.bold(d.event ? safe(eventName(d.event, d.action)) : '(no event)')}${d.attempt > 1 ? c.magenta(`  ↻ attempt ${d.attempt}`) : ''}`);
  lines.push(`${label('Delivery')}${d.deliveryId ? safe(d.deliveryId) : c.dim('(no X-GitHub-Delivery)')}`);
  lines.push(`${label('Received')}${d.receivedAt} (${timeAgo(new Date(d.receivedAt), ctx.now())})${d.remoteAddress ? ` from ${d.remoteAddress}` : ''}`);
  lines.push(`${label('At')}${safe(d.method)} ${safe(d.url ?? d.path)}`);
  if (d.repository) lines.push(`${label('Repository')}${safe(d.repository)}`);
  if (d.sender) lines.push(`${label('Sender')}${safe(d.sender)}`);
  lines.push(`${label('Signature')}${signatureCell(c, d)}${d.signatureReason ? `: ${safe(d.signatureReason)}` : ''}`);
  lines.push(`${label('Answered')}${formatStatus(c, d.status)}${d.rejectReason ? `  ${safe(d.rejectReason)}` : ''}`);
  if (d.github) {
    lines.push(`${label('GitHub')}${safe(d.github.status ?? '')}${d.github.statusCode !== null ? ` (${d.github.statusCode})` : ''}${d.github.redelivery ? ', a redelivery' : ''}`);
  }
  if (d.schema) {
    const schema =
      d.schema.status === 'valid'
        ? c.green('matches GitHub\'s schema')
        : d.schema.status === 'unknown'
          ? c.dim('no schema for this event')
          : c.yellow(`drift: ${d.schema.violations.length} difference(s)`);
    lines.push(`${label('Schema')}${schema}`);
    if (d.schema.status === 'invalid') for (const v of d.schema.violations) lines.push(`  ${safe(v.path || '/')}  ${safe(v.message)}`);
  }
  lines.push('', c.bold('Headers'));
  for (const [name, value] of headerPairs(d.rawHeaders)) lines.push(`  ${safe(name)}: ${safe(value)}`);
  const forwards = attempts.filter((a) => a.kind === 'forward');
  const replays = attempts.filter((a) => a.kind === 'replay');
  if (forwards.length) {
    lines.push('', c.bold('Forwarded'));
    for (const a of forwards) lines.push(attemptLine(c, a));
  }
  if (replays.length) {
    lines.push('', c.bold('Replayed'));
    for (const a of replays) lines.push(attemptLine(c, a));
  }
  lines.push('', `${c.bold('Payload')} ${c.dim(`(${formatBytes(d.bytes)}${d.contentType ? `, ${d.contentType}` : ''}; exact bytes: hookctl deliveries show ${d.id} --raw)`)}`);
  if (d.truncated) {
    lines.push(c.yellow(`Rejected body: only the first ${formatBytes(d.bytes)} of ${formatBytes(d.bodyBytes)} were kept (sha256 of the whole body: ${d.bodySha256 ?? 'unknown'})`));
  }
  lines.push(safeBlock(prettyPayload(d)));
  io.out(lines.join('\n'));
  return 0;
}

/** Single-quote for a POSIX shell. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A printf format (single-quoted) that writes exactly `body`: printable ASCII as is, `%` and
 * `\` doubled, `'` and control bytes as 3-digit octal escapes (POSIX printf), UTF-8 text kept
 * readable when the body is valid UTF-8, any other byte as octal.
 */
export function printfFormat(body: Buffer): string {
  const utf8 = Buffer.from(body.toString('utf8'), 'utf8').equals(body);
  const out: number[] = [];
  const escape = (text: string) => {
    for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
  };
  body.forEach((byte, i) => {
    if (byte === 0x25) escape('%%');
    else if (byte === 0x5c) escape('\\\\');
    else if (byte === 0x27 || (i === 0 && byte === 0x2d)) escape(`\\${byte.toString(8).padStart(3, '0')}`); // ' and a leading -
    else if (byte === 0x0a || byte === 0x09 || (byte >= 0x20 && byte < 0x7f) || (byte >= 0x80 && utf8)) out.push(byte);
    else escape(`\\${byte.toString(8).padStart(3, '0')}`);
  });
  return `'${Buffer.from(out).toString(utf8 ? 'utf8' : 'latin1')}'`;
}

export function curlCommand(d: StoredDelivery): string {
  const headers = forwardableHeaders(d.rawHeaders);
  const lines = [`printf ${printfFormat(d.body)} |`, `curl -sS -X POST ${shellQuote(d.url ?? `http://127.0.0.1:5000${d.path}`)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  // No Expect: 100-continue for large bodies; the body comes from stdin, byte for byte.
  lines.push(`  -H 'Expect:'`, '  --data-binary @-');
  return lines.join(' \\\n');
}

export function fixture(d: StoredDelivery): Record<string, unknown> {
  const utf8 = Buffer.from(d.body.toString('utf8'), 'utf8').equals(d.body);
  return {
    event: d.event,
    action: d.action,
    deliveryId: d.deliveryId,
    method: d.method,
    path: d.path,
    headers: forwardableHeaders(d.rawHeaders),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
    body: utf8 ? d.body.toString('utf8') : d.body.toString('base64'),
  };
}

export async function exportDelivery(ctx: AppContext, options: ExportOptions, ref: string): Promise<number> {
  const store = openExisting(ctx, options.store);
  let d: StoredDelivery;
  try {
    d = resolveDelivery(store, ref);
  } finally {
    store.close();
  }
  if ((options.format ?? 'curl') === 'curl') ctx.io.out(curlCommand(d));
  else ctx.io.out(JSON.stringify(fixture(d), null, 2));
  return 0;
}

export const run = list;
