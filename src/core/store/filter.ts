/**
 * Which deliveries a filter selects: the one predicate behind `deliveries list`, the
 * inspector's list and its live stream (the stream asks the store whether a delivery matches,
 * with this same SQL), and the checks of what a user typed for it (`--status 4xx`,
 * `status=4xx`), so the CLI and the API accept and refuse the same values.
 *
 * Case: repository and sender match ignoring ASCII case (GitHub's owner, repository and login
 * names are ASCII). Payload text (`q`) matches ignoring case as Unicode's default lowercase
 * mapping has it (JavaScript's toLowerCase), applied alike to the term and to the payload: the
 * JSON text of the body, or of a form body's `payload` field decoded.
 */
import type Database from 'better-sqlite3';
import { UsageError } from '../../errors.js';
import { bodyKindOf } from '../webhook/headers.js';
import { NOT_FORWARDED, type DeliveryFilter, type SignatureVerdict } from './types.js';

/** A forward attempt never made, with no later forward to its URL (types.ts NOT_FORWARDED). */
const NOT_FORWARDED_SQL = `EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward' AND a.status IS NULL AND a.error LIKE ?
  AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.delivery_seq = a.delivery_seq AND b.kind = 'forward' AND b.url = a.url AND b.seq > a.seq))`;

/** Every signature verdict a filter can ask for, in the order people read them. */
export const SIGNATURE_VERDICTS = ['valid', 'invalid', 'missing', 'unchecked'] as const satisfies readonly SignatureVerdict[];

const STATUS = /^([1-5]\d\d|[1-5]xx)$/i;

/** A status filter as typed (`401`, `4xx`), checked; `name` is the flag or field to blame. */
export function statusFilter(value: string, name: string): string {
  if (!STATUS.test(value)) throw new UsageError(`${name} takes an HTTP status (401) or a class (4xx), got ${JSON.stringify(value)}`, [], name);
  return value.toLowerCase();
}

/** A signature verdict as typed, checked; `name` is the flag or field to blame. */
export function signatureFilter(value: string, name: string): SignatureVerdict {
  if (!(SIGNATURE_VERDICTS as readonly string[]).includes(value)) {
    throw new UsageError(`${name} must be one of ${SIGNATURE_VERDICTS.join(', ')}, got ${JSON.stringify(value)}`, [], name);
  }
  return value as SignatureVerdict;
}

/** Split "event" or "event.action". */
function parseEventFilter(value: string): { event: string; action: string | null } {
  const dot = value.indexOf('.');
  return dot === -1 ? { event: value, action: null } : { event: value.slice(0, dot), action: value.slice(dot + 1) };
}

/** The case folding of payload search (see the top of this file). */
function foldCase(text: string): string {
  return text.toLowerCase();
}

/** The payload text searched in a body: the body, or a form body's decoded `payload` field. */
function searchedText(body: string, contentType: string | null): string {
  if (bodyKindOf(contentType) !== 'form') return body;
  return new URLSearchParams(body).get('payload') ?? '';
}

/** The SQL function the text condition calls (registered on every connection, see queries.ts). */
export function registerFilterFunctions(db: Database.Database): void {
  db.function('hookctl_payload_contains', { deterministic: true, varargs: false }, (body: unknown, contentType: unknown, folded: unknown) =>
    typeof body === 'string' && foldCase(searchedText(body, typeof contentType === 'string' ? contentType : null)).includes(String(folded)) ? 1 : 0,
  );
}

/**
 * The FROM and WHERE clauses over `deliveries d` for a filter (with `bodies b` joined when it
 * searches payload text), and their parameters.
 */
export function whereClause(filter: DeliveryFilter): { from: string; sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  if (filter.event) {
    const { event, action } = parseEventFilter(filter.event);
    add('d.event = ?', event);
    if (action) add('d.action = ?', action);
  }
  if (filter.since) add('d.received_ms >= ?', filter.since.getTime());
  if (filter.until) add('d.received_ms <= ?', filter.until.getTime());
  if (filter.repository) add('d.repository = ? COLLATE NOCASE', filter.repository);
  if (filter.sender) add('d.sender = ? COLLATE NOCASE', filter.sender);
  if (filter.status !== undefined) {
    const cls = typeof filter.status === 'string' ? /^([1-5])xx$/i.exec(filter.status) : null;
    if (cls) add('d.status BETWEEN ? AND ?', Number(cls[1]) * 100, Number(cls[1]) * 100 + 99);
    else add('d.status = ?', Number(filter.status));
  }
  if (filter.signature) add('d.signature = ?', filter.signature);
  if (filter.drift) add(`json_extract(d.schema, '$.status') = 'invalid'`);
  if (filter.hookId !== undefined) add('d.hook_id = ?', filter.hookId);
  if (filter.source) add('d.source = ?', filter.source);
  if (filter.beforeSeq !== undefined) add('d.seq < ?', filter.beforeSeq);
  if (filter.afterSeq !== undefined) add('d.seq > ?', filter.afterSeq);
  if (filter.deliveryId !== undefined) add('d.delivery_guid = ?', filter.deliveryId);
  if (filter.notForwarded) add(NOT_FORWARDED_SQL, `${NOT_FORWARDED}:%`);
  if (filter.text) add('hookctl_payload_contains(CAST(b.body AS TEXT), d.content_type, ?) = 1', foldCase(filter.text));
  return {
    from: filter.text ? 'deliveries d JOIN bodies b ON b.seq = d.seq' : 'deliveries d',
    sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '',
    params,
  };
}
