/**
 * The one table of a delivery's fields: which column keeps each, how it is encoded, and
 * whether it is part of the `--json` record. The SELECT lists, the INSERT, the row → summary
 * mapping and the record (records.ts) are all derived from it: a new column is one line
 * here (plus its migration in schema.ts).
 */
import type { DeliverySummary, NewDelivery } from './types.js';

type Codec = 'plain' | 'json' | 'bool';

interface Field {
  key: keyof DeliverySummary;
  /** Column of `deliveries`, or an SQL expression over `d` (computed, never inserted). */
  column: string;
  codec?: Codec;
  /** Copied as is into the `--json` record (records.ts adds the derived keys). */
  record?: boolean;
  /** Filled by the store itself on insert (seq, id, attempt) or computed: not taken from NewDelivery. */
  computed?: boolean;
  /** How to fill the column from a NewDelivery (default: the same key, null when absent). */
  from?: (d: NewDelivery) => unknown;
}

const LATEST_FORWARD = `(SELECT json_object('n', (SELECT COUNT(*) FROM attempts p WHERE p.delivery_seq = a.delivery_seq AND p.seq <= a.seq),
    'kind', a.kind, 'url', a.url, 'status', a.status, 'durationMs', a.duration_ms, 'error', a.error, 'at', a.at,
    'deliveryId', a.delivery_guid, 'edited', json(CASE WHEN a.body IS NULL THEN 'false' ELSE 'true' END),
    'resigned', json(CASE WHEN a.resigned THEN 'true' ELSE 'false' END), 'bytes', a.bytes, 'response', a.response)
  FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward' ORDER BY a.seq DESC LIMIT 1)`;

export const FIELDS = [
  { key: 'seq', column: 'seq', computed: true },
  { key: 'id', column: 'id', record: true, computed: true },
  { key: 'deliveryId', column: 'delivery_guid', record: true },
  { key: 'event', column: 'event', record: true },
  { key: 'action', column: 'action', record: true },
  { key: 'receivedAt', column: 'received_at', record: true, from: (d) => d.receivedAt.toISOString() },
  { key: 'path', column: 'path', record: true },
  { key: 'url', column: 'url', record: true },
  { key: 'signature', column: 'signature', record: true },
  { key: 'signatureReason', column: 'signature_reason', record: true },
  { key: 'signatureAlgorithm', column: 'signature_algorithm', record: true },
  { key: 'status', column: 'status', record: true },
  { key: 'rejectReason', column: 'reject_reason', record: true },
  { key: 'repository', column: 'repository', record: true },
  { key: 'sender', column: 'sender', record: true },
  { key: 'bytes', column: 'bytes', record: true, from: (d) => d.body.length },
  { key: 'bodyBytes', column: 'body_bytes', record: true, from: (d) => d.bodyBytes ?? d.body.length },
  { key: 'truncated', column: 'truncated', codec: 'bool', record: true, from: (d) => (d.bodyBytes !== undefined && d.bodyBytes > d.body.length ? 1 : 0) },
  { key: 'bodySha256', column: 'body_sha256' },
  { key: 'attempt', column: 'attempt', record: true, computed: true },
  { key: 'schema', column: 'schema', codec: 'json', record: true },
  { key: 'remoteAddress', column: 'remote_address', record: true },
  { key: 'contentType', column: 'content_type', record: true },
  { key: 'method', column: 'method', from: (d) => d.method ?? 'POST' },
  { key: 'hookId', column: 'hook_id', record: true },
  { key: 'source', column: 'source', record: true, from: (d) => d.source ?? 'listen' },
  { key: 'github', column: 'github', codec: 'json' },
  { key: 'forward', column: LATEST_FORWARD, codec: 'json', computed: true },
  { key: 'replayCount', column: `(SELECT COUNT(*) FROM attempts r WHERE r.delivery_seq = d.seq AND r.kind = 'replay')`, record: true, computed: true },
] as const satisfies readonly Field[];

/** The keys the `--json` record copies from a summary. */
export type RecordKey = Extract<(typeof FIELDS)[number], { record: true }>['key'];

const isColumn = (f: Field): boolean => /^[a-z_][a-z0-9_]*$/.test(f.column);

/** `d.delivery_guid AS deliveryId, …`: rows come back keyed like a DeliverySummary. */
export const SUMMARY_COLUMNS = (FIELDS as readonly Field[]).map((f) => `${isColumn(f) ? `d.${f.column}` : f.column} AS ${f.key}`).join(', ');
/** The summary plus headers and the body (joined from `bodies`). */
export const FULL_COLUMNS = `${SUMMARY_COLUMNS}, d.headers AS headers, b.body AS body`;
export const FULL_FROM = 'deliveries d JOIN bodies b ON b.seq = d.seq';

const DECODED: readonly Field[] = (FIELDS as readonly Field[]).filter((f) => f.codec === 'json' || f.codec === 'bool');

/** Decode a row selected with SUMMARY_COLUMNS into a summary (in place). */
export function toSummary(row: Record<string, unknown>): DeliverySummary {
  for (const f of DECODED) {
    const v = row[f.key];
    if (f.codec === 'bool') row[f.key] = v === 1 || v === true;
    else row[f.key] = typeof v === 'string' ? JSON.parse(v) : null;
  }
  return row as unknown as DeliverySummary;
}

const INSERTED: readonly Field[] = (FIELDS as readonly Field[]).filter((f) => isColumn(f) && (!f.computed || f.key === 'id' || f.key === 'attempt'));

/** The INSERT of a delivery row (the body goes to `bodies`, see Store); `writer` is the store's own id. */
export const INSERT_SQL = `INSERT INTO deliveries (${[...INSERTED.map((f) => f.column), 'received_ms', 'headers', 'writer'].join(', ')})
  VALUES (${[...INSERTED.map((f) => `@${f.key}`), '@receivedMs', '@headers', '@writer'].join(', ')})`;

/** Named parameters of INSERT_SQL for `d` (without id, attempt and writer, which the store sets). */
export function insertParams(d: NewDelivery): Record<string, unknown> {
  const params: Record<string, unknown> = { receivedMs: d.receivedAt.getTime(), headers: JSON.stringify(d.rawHeaders) };
  for (const f of INSERTED) {
    if (f.computed) continue;
    const value = f.from ? f.from(d) : ((d as unknown as Record<string, unknown>)[f.key] ?? null);
    params[f.key] = f.codec === 'json' ? (value === null || value === undefined ? null : JSON.stringify(value)) : value;
  }
  return params;
}

/** The keys the record copies from a summary, in record order. */
export const RECORD_KEYS = (FIELDS as readonly Field[]).filter((f) => f.record).map((f) => f.key) as RecordKey[];
