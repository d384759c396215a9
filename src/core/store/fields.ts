/**
 * The one table of a delivery's fields: which column keeps each, how it is encoded, and
 * whether it is part of the `--json` record. The SELECT lists, the INSERT, the row → summary
 * mapping and the record (records.ts) are all derived from it: a new column is one line
 * here (plus its migration in schema.ts).
 */
import type { AttemptRecord, DeliverySummary, NewAttempt, NewDelivery } from './types.js';

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

/**
 * The one table of an attempt's fields (a forward or a replay): the column of `attempts` it is
 * kept in, how the record reads it (over `a`, a row of `attempts`) and how a NewAttempt fills
 * it. ATTEMPT_COLUMNS, the latest forward of a summary, the INSERT and its parameters, and
 * the row → record mapping are derived from it.
 */
interface AttemptField {
  key: keyof AttemptRecord;
  /** Column of `attempts` it is written to (none: computed). */
  column?: string;
  /** What a SELECT reads (default `a.column`). */
  select?: string;
  /** What the INSERT writes (default `@column`): `bytes` may come from the delivery's row. */
  insert?: string;
  codec?: 'bool';
  /** How to fill the column from a NewAttempt (default: the same key, null when absent). */
  from?: (a: NewAttempt) => unknown;
}

const ATTEMPT_FIELDS = [
  { key: 'n', select: '(SELECT COUNT(*) FROM attempts p WHERE p.delivery_seq = a.delivery_seq AND p.seq <= a.seq)' },
  { key: 'kind', column: 'kind' },
  { key: 'url', column: 'url' },
  { key: 'status', column: 'status' },
  { key: 'durationMs', column: 'duration_ms', from: (a) => Math.round(a.durationMs) },
  { key: 'error', column: 'error' },
  { key: 'at', column: 'at', from: (a) => (a.at ?? new Date()).toISOString() },
  { key: 'deliveryId', column: 'delivery_guid' },
  // An edit keeps the body it sent; the record says only that there was one.
  { key: 'edited', column: 'body', select: '(a.body IS NOT NULL)', codec: 'bool', from: (a) => (a.body ? Buffer.from(a.body.buffer, a.body.byteOffset, a.body.byteLength) : null) },
  { key: 'resigned', column: 'resigned', codec: 'bool', from: (a) => (a.resigned ? 1 : 0) },
  // Bytes sent: given, else the edited body's length, else the stored body's.
  { key: 'bytes', column: 'bytes', select: 'COALESCE(a.bytes, 0)', insert: 'COALESCE(@bytes, bytes)', from: (a) => a.bytes ?? a.body?.byteLength ?? null },
  { key: 'response', column: 'response' },
] as const satisfies readonly AttemptField[];

const selectOf = (f: AttemptField): string => f.select ?? `a.${f.column}`;

/** `a.kind AS kind, …`: rows of `attempts a` come back keyed like an AttemptRecord (toAttempt decodes them). */
export const ATTEMPT_COLUMNS = (ATTEMPT_FIELDS as readonly AttemptField[]).map((f) => `${selectOf(f)} AS ${f.key}`).join(', ');

/** Decode a row selected with ATTEMPT_COLUMNS into a record (in place). */
export function toAttempt(row: Record<string, unknown>): AttemptRecord {
  for (const f of ATTEMPT_FIELDS as readonly AttemptField[]) if (f.codec === 'bool') row[f.key] = row[f.key] === 1 || row[f.key] === true;
  return row as unknown as AttemptRecord;
}

const ATTEMPT_WRITTEN = (ATTEMPT_FIELDS as readonly AttemptField[]).filter((f): f is AttemptField & { column: string } => f.column !== undefined);

/** The INSERT of an attempt against the delivery whose local id is `@id`; `@writer` is the store's own id. */
export const ATTEMPT_INSERT_SQL = `INSERT INTO attempts (delivery_seq, ${[...ATTEMPT_WRITTEN.map((f) => f.column), 'writer'].join(', ')})
  SELECT seq, ${[...ATTEMPT_WRITTEN.map((f) => f.insert ?? `@${f.column}`), '@writer'].join(', ')} FROM deliveries WHERE id = @id`;

/** Named parameters of ATTEMPT_INSERT_SQL for `a` (without id and writer). */
export function attemptParams(a: NewAttempt): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const f of ATTEMPT_WRITTEN) params[f.column] = f.from ? f.from(a) : ((a as unknown as Record<string, unknown>)[f.key] ?? null);
  return params;
}

/**
 * An attempt the store could not keep, told as a kept one reads (n 0: it has no place among
 * the delivery's attempts); `storedBytes` is the delivery's body length.
 */
export function unkeptAttempt(a: NewAttempt, storedBytes: number): AttemptRecord {
  const params = attemptParams(a);
  const record: Record<string, unknown> = { n: 0 };
  for (const f of ATTEMPT_WRITTEN) record[f.key] = params[f.column];
  record.edited = params.body !== null;
  record.resigned = params.resigned === 1;
  record.bytes = params.bytes ?? storedBytes;
  return record as unknown as AttemptRecord;
}

/** The latest forward as a JSON object, inside a query over `d` (a summary's `forward`). */
const LATEST_FORWARD = `(SELECT json_object(${(ATTEMPT_FIELDS as readonly AttemptField[])
  .map((f) => `'${f.key}', ${f.codec === 'bool' ? `json(CASE WHEN ${selectOf(f)} THEN 'true' ELSE 'false' END)` : selectOf(f)}`)
  .join(', ')})
  FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward' ORDER BY a.seq DESC LIMIT 1)`;

const FIELDS = [
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
