/**
 * Reading the store: one delivery, lookups by id/GUID/prefix, filtered lists (newest first,
 * paged by row number), streams in received order, attempts. Rows come back through the
 * field table (fields.ts).
 */
import type Database from 'better-sqlite3';
import { FULL_COLUMNS, FULL_FROM, SUMMARY_COLUMNS, toSummary } from './fields.js';
import { NOT_FORWARDED, type AttemptRecord, type DeliveryFilter, type DeliverySummary, type ReplayableDelivery, type ResolveResult, type StoredDelivery } from './types.js';

const PAGE_SIZE = 100;
const REPLAY_COLUMNS = 'd.seq AS seq, d.id AS id, d.delivery_guid AS deliveryId, d.event AS event, d.action AS action, d.url AS url, d.headers AS headers, b.body AS body, d.truncated AS truncated, d.body_bytes AS bodyBytes';
const ATTEMPT_COLUMNS = `a.kind AS kind, a.url AS url, a.status AS status, a.duration_ms AS durationMs, a.error AS error, a.at AS at,
  a.delivery_guid AS deliveryId, (a.body IS NOT NULL) AS edited, a.resigned AS resigned, COALESCE(a.bytes, 0) AS bytes, a.response AS response`;

/** A forward attempt never made, with no later forward to its URL (types.ts NOT_FORWARDED). */
const NOT_FORWARDED_SQL = `EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward' AND a.status IS NULL AND a.error LIKE ?
  AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.delivery_seq = a.delivery_seq AND b.kind = 'forward' AND b.url = a.url AND b.seq > a.seq))`;

/** Split "event" or "event.action". */
export function parseEventFilter(value: string): { event: string; action: string | null } {
  const dot = value.indexOf('.');
  return dot === -1 ? { event: value, action: null } : { event: value.slice(0, dot), action: value.slice(dot + 1) };
}

export function whereClause(filter: DeliveryFilter): { sql: string; params: unknown[] } {
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
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function toStored(row: Record<string, unknown>): StoredDelivery {
  const headers = row.headers as string | undefined;
  const body = row.body as Buffer | undefined;
  delete row.headers;
  delete row.body;
  const summary = toSummary(row);
  return Object.assign(summary, { rawHeaders: JSON.parse(headers ?? '[]') as string[], body: body ?? Buffer.alloc(0) });
}

function toAttempt(row: Record<string, unknown>, n: number): AttemptRecord {
  return { n, ...row, edited: row.edited === 1, resigned: row.resigned === 1 } as AttemptRecord;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class StoreReader {
  private readonly reads: {
    byId: Database.Statement;
    bySeq: Database.Statement;
    attempts: Database.Statement;
    attemptBody: Database.Statement;
    hasGuid: Database.Statement;
    count: Database.Statement;
    maxSeq: Database.Statement;
    idsAfter: Database.Statement;
    maxAttemptSeq: Database.Statement;
    attemptsAfter: Database.Statement;
  };

  constructor(
    protected readonly db: Database.Database,
    /** The store file. */
    readonly file: string,
  ) {
    this.reads = {
      byId: db.prepare(`SELECT ${FULL_COLUMNS} FROM ${FULL_FROM} WHERE d.id = ?`),
      bySeq: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.seq = ?`),
      attempts: db.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq WHERE d.id = ? ORDER BY a.seq`),
      attemptBody: db.prepare(
        `SELECT a.body FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq WHERE d.id = ? ORDER BY a.seq LIMIT 1 OFFSET ?`,
      ).pluck(),
      hasGuid: db.prepare('SELECT 1 FROM deliveries WHERE delivery_guid = ? LIMIT 1').pluck(),
      count: db.prepare('SELECT COUNT(*) FROM deliveries').pluck(),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM deliveries').pluck(),
      idsAfter: db.prepare('SELECT seq, id FROM deliveries WHERE seq > ? ORDER BY seq LIMIT ?'),
      maxAttemptSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM attempts').pluck(),
      attemptsAfter: db.prepare(
        `SELECT a.seq AS seq, d.id AS deliveryLocalId, (SELECT COUNT(*) FROM attempts p WHERE p.delivery_seq = a.delivery_seq AND p.seq <= a.seq) AS n, ${ATTEMPT_COLUMNS}
         FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq WHERE a.seq > ? ORDER BY a.seq LIMIT ?`,
      ),
    };
  }

  /** A delivery by exact local id, with body and headers. */
  get(localId: string): StoredDelivery | undefined {
    const row = this.reads.byId.get(localId) as Record<string, unknown> | undefined;
    return row ? toStored(row) : undefined;
  }

  /** A delivery's summary by row number. */
  summary(seq: number): DeliverySummary | undefined {
    const row = this.reads.bySeq.get(seq) as Record<string, unknown> | undefined;
    return row ? toSummary(row) : undefined;
  }

  /**
   * Find a delivery by local id, GUID, or a unique prefix of either. A GUID (or GUID prefix)
   * that names one delivery with several attempts resolves to its latest attempt.
   */
  resolve(ref: string): ResolveResult {
    const needle = ref.trim().toLowerCase();
    if (needle === '') return { kind: 'none' };
    const exact = this.get(needle);
    if (exact) return { kind: 'found', delivery: exact };
    const pattern = `${escapeLike(needle)}%`;
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.id LIKE ? ESCAPE '\\' OR lower(d.delivery_guid) LIKE ? ESCAPE '\\' ORDER BY d.seq DESC LIMIT 51`)
      .all(pattern, pattern) as Record<string, unknown>[];
    if (rows.length === 0) return { kind: 'none' };
    const key = (r: Record<string, unknown>) => (r.deliveryId as string | null) ?? `#${r.id as string}`;
    if (new Set(rows.map(key)).size === 1) return { kind: 'found', delivery: this.get(rows[0].id as string)! };
    // One delivery per GUID (its latest attempt), newest first.
    const seen = new Set<string>();
    const candidates: DeliverySummary[] = [];
    for (const r of rows) {
      if (seen.has(key(r))) continue;
      seen.add(key(r));
      candidates.push(toSummary(r));
    }
    return { kind: 'ambiguous', candidates };
  }

  /** Newest first, without bodies. Default limit 30. */
  list(filter: DeliveryFilter = {}): DeliverySummary[] {
    const where = whereClause(filter);
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries d ${where.sql} ORDER BY d.seq DESC LIMIT ?`)
      .all(...where.params, filter.limit ?? 30) as Record<string, unknown>[];
    return rows.map(toSummary);
  }

  /**
   * Newest first, rows whose payload contains `text` (case-insensitive for ASCII; in a form
   * body, `payload=` + the JSON form-encoded, also `text` form-encoded as GitHub encodes it), scanning
   * from `beforeSeq` down `sliceRows` rows at a time for at most `budgetMs` (at least one
   * slice): returns what it found and where it stopped (0 when it reached the oldest row), so
   * a caller can go on from there.
   */
  search(filter: DeliveryFilter, text: string, limit: number, budgetMs: number, sliceRows = 2000): { rows: DeliverySummary[]; stoppedAt: number } {
    const where = whereClause({ ...filter, beforeSeq: undefined });
    const cond = `${where.sql ? `${where.sql} AND` : 'WHERE'} d.seq < ? AND d.seq >= ?`;
    const needle = text.toLowerCase();
    // Spaces, quotes, colons… are escaped in a form body (%22, %3A, +); letters and digits are not.
    const formNeedle = new URLSearchParams({ q: text }).toString().slice(2).toLowerCase();
    const needles = formNeedle === needle ? [needle] : [needle, formNeedle];
    const match = needles.map(() => 'instr(lower(CAST(b.body AS TEXT)), ?) > 0').join(' OR ');
    const stmt = this.db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM deliveries d JOIN bodies b ON b.seq = d.seq ${cond} AND (${match}) ORDER BY d.seq DESC LIMIT ?`,
    );
    const found: DeliverySummary[] = [];
    const started = performance.now();
    let upper = filter.beforeSeq ?? (this.reads.maxSeq.get() as number) + 1;
    while (upper > 1 && found.length < limit) {
      const lower = Math.max(1, upper - Math.max(1, Math.floor(sliceRows)));
      const rows = stmt.all(...where.params, upper, lower, ...needles, limit - found.length) as Record<string, unknown>[];
      for (const r of rows) found.push(toSummary(r));
      if (found.length >= limit) return { rows: found, stoppedAt: found[found.length - 1].seq };
      upper = lower;
      if (performance.now() - started > budgetMs) break;
    }
    return { rows: found, stoppedAt: upper > 1 ? upper : 0 };
  }

  /** How many rows iterate(filter) would yield. */
  count(filter: DeliveryFilter = {}): number {
    const where = whereClause(filter);
    const n = this.db.prepare(`SELECT COUNT(*) FROM deliveries d ${where.sql}`).pluck().get(...where.params) as number;
    const last = filter.last ?? filter.limit;
    return last !== undefined ? Math.min(n, last) : n;
  }

  /** Row numbers and ids of the rows after `seq`, oldest first (cheap: to skip rows already told). */
  idsAfter(seq: number, limit = 200): { seq: number; id: string }[] {
    return this.reads.idsAfter.all(seq, limit) as { seq: number; id: string }[];
  }

  /** Attempts recorded after attempt row `seq`, oldest first (following the store). */
  attemptsAfter(seq: number, limit = 200): { seq: number; id: string; attempt: AttemptRecord }[] {
    return (this.reads.attemptsAfter.all(seq, limit) as Record<string, unknown>[]).map((row) => {
      const { seq: at, deliveryLocalId, n, ...rest } = row;
      return { seq: at as number, id: deliveryLocalId as string, attempt: toAttempt(rest, n as number) };
    });
  }

  maxAttemptSeq(): number {
    return this.reads.maxAttemptSeq.get() as number;
  }

  /** The newest row number (0 when empty). */
  maxSeq(): number {
    return this.reads.maxSeq.get() as number;
  }

  /**
   * Deliveries with body and headers in received order (oldest first), read PAGE_SIZE rows
   * at a time by row number, so 10,000 rows never sit in memory at once and the connection
   * is free between pages (callers may record attempts while iterating). `last`/`limit`
   * keeps only the last N matching rows. No filter = all rows.
   */
  *iterate(filter: DeliveryFilter = {}): Generator<StoredDelivery> {
    for (const row of this.pages(filter, FULL_COLUMNS)) yield toStored(row);
  }

  /** What a replay needs and nothing more: same order, filters and paging as iterate(). */
  *iterateReplayable(filter: DeliveryFilter = {}): Generator<ReplayableDelivery> {
    for (const row of this.pages(filter, REPLAY_COLUMNS)) {
      yield { ...(row as unknown as ReplayableDelivery), rawHeaders: JSON.parse((row.headers as string) ?? '[]') as string[], truncated: row.truncated === 1 };
    }
  }

  private *pages(filter: DeliveryFilter, columns: string): Generator<Record<string, unknown>> {
    const where = whereClause(filter);
    const last = filter.last ?? filter.limit;
    let after = 0;
    if (last !== undefined) {
      if (last <= 0) return;
      // Start just before the N-th newest matching row.
      const start = this.db
        .prepare(`SELECT d.seq FROM deliveries d ${where.sql} ORDER BY d.seq DESC LIMIT 1 OFFSET ?`)
        .pluck()
        .get(...where.params, Math.max(0, last - 1)) as number | undefined;
      after = start !== undefined ? start - 1 : 0;
    }
    const cond = where.sql ? `${where.sql} AND d.seq > ?` : 'WHERE d.seq > ?';
    const page = this.db.prepare(`SELECT ${columns} FROM ${FULL_FROM} ${cond} ORDER BY d.seq LIMIT ${PAGE_SIZE}`);
    while (true) {
      const rows = page.all(...where.params, after) as Record<string, unknown>[];
      yield* rows;
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1].seq as number;
    }
  }

  /** Every forward/replay attempt of a delivery, oldest first. */
  attempts(localId: string): AttemptRecord[] {
    return (this.reads.attempts.all(localId) as Record<string, unknown>[]).map((row, i) => toAttempt(row, i + 1));
  }

  /** The body an attempt sent when it was an edit (n is 1-based); null when it sent the stored body. */
  attemptBody(localId: string, n: number): Buffer | null | undefined {
    if (!Number.isSafeInteger(n) || n < 1) return undefined;
    return this.reads.attemptBody.get(localId, n - 1) as Buffer | null | undefined;
  }

  /** True when some row carries this X-GitHub-Delivery GUID (pull and catch-up skip known ones). */
  hasDeliveryGuid(guid: string): boolean {
    return this.reads.hasGuid.get(guid) !== undefined;
  }

  stats(): { deliveries: number } {
    return { deliveries: this.reads.count.get() as number };
  }
}
