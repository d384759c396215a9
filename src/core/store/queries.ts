/**
 * Reading the store: one delivery, lookups by id/GUID/prefix, filtered lists (newest first,
 * paged by row number), streams in received order, attempts. Rows come back through the
 * field table (fields.ts).
 */
import type Database from 'better-sqlite3';
import { ATTEMPT_COLUMNS, FULL_COLUMNS, FULL_FROM, SUMMARY_COLUMNS, toAttempt, toSummary } from './fields.js';
import { registerFilterFunctions, whereClause } from './filter.js';
import type { AttemptRecord, DeliveryFilter, DeliverySummary, ReplayableDelivery, ResolveResult, StoredDelivery } from './types.js';

const PAGE_SIZE = 100;
const REPLAY_COLUMNS = 'd.seq AS seq, d.id AS id, d.delivery_guid AS deliveryId, d.event AS event, d.action AS action, d.url AS url, d.headers AS headers, b.body AS body, d.truncated AS truncated, d.body_bytes AS bodyBytes';
function toStored(row: Record<string, unknown>): StoredDelivery {
  const headers = row.headers as string | undefined;
  const body = row.body as Buffer | undefined;
  delete row.headers;
  delete row.body;
  const summary = toSummary(row);
  return Object.assign(summary, { rawHeaders: JSON.parse(headers ?? '[]') as string[], body: body ?? Buffer.alloc(0) });
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
    newestFromHook: Database.Statement;
  };
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    protected readonly db: Database.Database,
    /** The store file. */
    readonly file: string,
  ) {
    registerFilterFunctions(db);
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
      newestFromHook: db.prepare('SELECT received_at FROM deliveries WHERE hook_id = ? ORDER BY received_ms DESC, seq DESC LIMIT 1').pluck(),
    };
  }

  /** A statement of this connection, prepared once (for the store's own modules: follow.ts). */
  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Run `read` in one read transaction: everything it reads comes from one snapshot of the file. */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read)();
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
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM ${where.from} ${where.sql} ORDER BY d.seq DESC LIMIT ?`)
      .all(...where.params, filter.limit ?? 30) as Record<string, unknown>[];
    return rows.map(toSummary);
  }

  /** Does the delivery with local id `id` pass `filter`? The same predicate as list() (the inspector's live stream asks). */
  matches(filter: DeliveryFilter, id: string): boolean {
    const where = whereClause(filter);
    const cond = where.sql ? `${where.sql} AND d.id = ?` : 'WHERE d.id = ?';
    return this.prepared(`SELECT 1 FROM ${where.from} ${cond}`).get(...where.params, id) !== undefined;
  }

  /** Rows after row `seq` that pass `filter`, oldest first, without bodies, a page at a time (`deliveries list --follow`). */
  *summariesAfter(filter: DeliveryFilter, seq: number): Generator<DeliverySummary> {
    for (const row of this.pages({ ...filter, afterSeq: undefined }, SUMMARY_COLUMNS, 'deliveries d', seq)) yield toSummary(row);
  }

  /** When the newest delivery from this hook (X-GitHub-Hook-ID) was received; null when none is stored. */
  newestFromHook(hookId: number): Date | null {
    const at = this.reads.newestFromHook.get(hookId) as string | undefined;
    return at === undefined ? null : new Date(at);
  }

  /**
   * One slice of a payload search: newest first, the rows whose payload contains `filter.text`
   * (see filter.ts) among the `sliceRows` rows below `filter.beforeSeq` (default: from the
   * newest), at most `limit`. Returns what it found and the row number to go on below (0 when
   * it reached the oldest row), so a caller scans in slices with other work between them.
   */
  searchSlice(filter: DeliveryFilter & { text: string }, limit: number, sliceRows: number): { rows: DeliverySummary[]; stoppedAt: number } {
    const where = whereClause({ ...filter, beforeSeq: undefined });
    const cond = `${where.sql} AND d.seq < ? AND d.seq >= ?`;
    // A cursor past the newest row starts at the newest row: a scan never walks empty slices.
    const upper = Math.min(filter.beforeSeq ?? Infinity, (this.reads.maxSeq.get() as number) + 1);
    if (upper <= 1 || limit <= 0) return { rows: [], stoppedAt: Math.max(0, upper) <= 1 ? 0 : upper };
    const lower = Math.max(1, upper - Math.max(1, Math.floor(sliceRows)));
    const rows = (this.prepared(`SELECT ${SUMMARY_COLUMNS} FROM ${where.from} ${cond} ORDER BY d.seq DESC LIMIT ?`).all(...where.params, upper, lower, limit) as Record<string, unknown>[]).map(toSummary);
    if (rows.length >= limit) return { rows, stoppedAt: rows[rows.length - 1].seq };
    return { rows, stoppedAt: lower > 1 ? lower : 0 };
  }

  /** How many rows iterate(filter) would yield. */
  count(filter: DeliveryFilter = {}): number {
    const where = whereClause(filter);
    const n = this.db.prepare(`SELECT COUNT(*) FROM ${where.from} ${where.sql}`).pluck().get(...where.params) as number;
    const last = filter.last ?? filter.limit;
    return last !== undefined ? Math.min(n, last) : n;
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

  /** Rows (of `from`) passing `filter`, oldest first, after row `after` (or the last N: filter.last), PAGE_SIZE at a time. */
  private *pages(filter: DeliveryFilter, columns: string, from = FULL_FROM, after = 0): Generator<Record<string, unknown>> {
    const where = whereClause(filter);
    // A payload condition needs the bodies, which FULL_FROM joins already.
    if (from === 'deliveries d') from = where.from;
    const last = filter.last ?? filter.limit;
    if (last !== undefined) {
      if (last <= 0) return;
      // Start just before the N-th newest matching row.
      const start = this.db
        .prepare(`SELECT d.seq FROM ${where.from} ${where.sql} ORDER BY d.seq DESC LIMIT 1 OFFSET ?`)
        .pluck()
        .get(...where.params, Math.max(0, last - 1)) as number | undefined;
      after = start !== undefined ? start - 1 : 0;
    }
    const cond = where.sql ? `${where.sql} AND d.seq > ?` : 'WHERE d.seq > ?';
    const page = this.db.prepare(`SELECT ${columns} FROM ${from} ${cond} ORDER BY d.seq LIMIT ${PAGE_SIZE}`);
    while (true) {
      const rows = page.all(...where.params, after) as Record<string, unknown>[];
      yield* rows;
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1].seq as number;
    }
  }

  /** Every forward/replay attempt of a delivery, oldest first. */
  attempts(localId: string): AttemptRecord[] {
    return (this.reads.attempts.all(localId) as Record<string, unknown>[]).map(toAttempt);
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
