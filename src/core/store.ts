/**
 * The delivery store: one SQLite file (better-sqlite3). This is the only module that imports
 * the SQLite driver. It never prints.
 *
 * Durability: WAL journal with synchronous=FULL, so every COMMIT fsyncs the WAL before it
 * returns; or, for `listen` (syncInBackground), synchronous=NORMAL plus an fdatasync of the
 * WAL that the store runs itself on libuv's thread pool before it resolves anything (see
 * afterSync: the same guarantee, without blocking the thread). A 200 from `listen` is sent
 * only after the row is committed and synced, so "200" means "on disk", even across a power
 * cut. The cost of the sync is shared by group commit: `enqueue()` puts writes in a queue
 * that is flushed in ONE transaction on the next turn of the event loop, so N concurrent
 * deliveries pay for one sync.
 *
 * Sharing: busy_timeout lets two processes (two listeners, `deliveries list` while
 * listening, replay recording attempts) use one file; writers take the lock with
 * BEGIN IMMEDIATE so they queue instead of failing with SQLITE_BUSY mid-transaction.
 *
 * API summary (used by listen, deliveries, replay and deliveries pull):
 *   openStore(file)                      → Store (creates folders, migrates)
 *   store.insertDelivery(d)              → StoredDelivery   (sync, own transaction)
 *   store.enqueue(() => store.insertDelivery(d)) → Promise   (group commit)
 *   store.insertReceived(d)              → StoredDelivery   (listen: reads the payload, settles 200/400)
 *   openDeliveryWriter(file)             → DeliveryWriter   (listen's write side)
 *   store.insertImported(d)              → StoredDelivery   (source 'github')
 *   store.get(localId)                   → StoredDelivery | undefined (with body + headers)
 *   store.resolve(idOrGuidOrPrefix)      → {kind:'found'|'ambiguous'|'none', ...}
 *   store.list({event, since, limit})    → DeliverySummary[] newest first (no bodies)
 *   store.iterate({all|event|since|last})→ Generator<StoredDelivery> in received order,
 *                                          streamed page by page (connection never held)
 *   store.count(filter)                  → number (for progress totals)
 *   store.recordAttempt(localId, a)      → AttemptRecord ('forward' | 'replay')
 *   store.attempts(localId)              → AttemptRecord[] oldest first
 *   store.setSchemaVerdict(localId, v)
 *   store.hasDeliveryGuid(guid)          → boolean
 *   store.stats()                        → {deliveries}
 *   toDeliveryRecord(summary, attempts?) → DeliveryRecord (the --json shape)
 *   store.close()                        → flushes the queue, closes the file
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { HookctlError } from '../errors.js';
import { jsonBytes, NO_FORM_PAYLOAD, readJson } from './payload.js';

export type SignatureVerdict = 'valid' | 'invalid' | 'missing' | 'unchecked';
export type SignatureAlgorithm = 'sha256' | 'sha1';
export type DeliverySource = 'listen' | 'github';

/** Result of checking a payload against GitHub's schema for its event.action. */
export interface SchemaVerdict {
  /** valid; invalid (drift: violations listed); unknown (no schema for this event.action). */
  status: 'valid' | 'invalid' | 'unknown';
  violations: { path: string; message: string }[];
}

/** What GitHub's delivery log said about an imported delivery. */
export interface GithubDeliveryInfo {
  /** GitHub's numeric delivery id (hook delivery log). */
  id: number | null;
  /** GitHub's status text, e.g. "OK", "Invalid HTTP Response: 500". */
  status: string | null;
  /** The HTTP status GitHub recorded from the target. */
  statusCode: number | null;
  redelivery: boolean;
  durationMs: number | null;
  hookId: number | null;
}

/** A delivery as received (input of insertDelivery / insertImported). */
export interface NewDelivery {
  /** X-GitHub-Delivery GUID, or null when the request had none. */
  deliveryId: string | null;
  event: string | null;
  action: string | null;
  /** Every header as received, node rawHeaders layout: [name, value, name, value, …]. */
  rawHeaders: string[];
  /** Exact body bytes. */
  body: Uint8Array;
  receivedAt: Date;
  remoteAddress: string | null;
  method?: string;
  /** Request path with query, e.g. /webhooks. */
  path: string;
  /** Full URL it was received at (scheme://host:port/path), so replay can default to it. */
  url: string | null;
  signature: SignatureVerdict;
  /** Why a signature is not valid, in words a user can act on (null when valid/unchecked). */
  signatureReason: string | null;
  signatureAlgorithm: SignatureAlgorithm | null;
  /** The HTTP status listen answered (for imported: the status GitHub recorded). */
  status: number;
  /** Why the delivery was rejected (400/401/415…), or null. */
  rejectReason?: string | null;
  /** repository.full_name, sender.login when the payload had them. */
  repository: string | null;
  sender: string | null;
  contentType?: string | null;
  schema?: SchemaVerdict | null;
}

/**
 * A delivery as `listen` read it off the wire, before anyone parsed its payload. The store
 * reads the payload itself while it keeps the row (SQLite's JSON parser, off JavaScript's
 * heap): action, repository and sender come from it, and a 200 whose payload is not JSON
 * (or a form without `payload=`) is settled as 400 (CONTRACT: "unreadable JSON").
 */
export interface ReceivedForStore extends Omit<NewDelivery, 'action' | 'repository' | 'sender'> {
  bodyKind: 'json' | 'form';
}

/** Payloads this big are read by readJson instead of SQLite (see readPayload). */
const PROBE_MAX_BYTES = 1024 * 1024;

/** What reading a received payload settled (see ReceivedForStore). */
interface PayloadSettled {
  status: number;
  rejectReason: string | null;
  action: string | null;
  repository: string | null;
  sender: string | null;
}

export interface NewImportedDelivery extends Omit<NewDelivery, 'remoteAddress' | 'signature' | 'signatureReason' | 'signatureAlgorithm'> {
  signature?: SignatureVerdict;
  signatureReason?: string | null;
  signatureAlgorithm?: SignatureAlgorithm | null;
  remoteAddress?: string | null;
  github: GithubDeliveryInfo;
}

/** A row without its body and headers (cheap to list). */
export interface DeliverySummary {
  /** Monotonic row number (received order). */
  seq: number;
  /** Short local id (7 hex). */
  id: string;
  deliveryId: string | null;
  /** 1 for the first time a GUID was seen, 2 for its first redelivery, … */
  attempt: number;
  event: string | null;
  action: string | null;
  receivedAt: string;
  remoteAddress: string | null;
  method: string;
  path: string;
  url: string | null;
  signature: SignatureVerdict;
  signatureReason: string | null;
  signatureAlgorithm: SignatureAlgorithm | null;
  status: number;
  rejectReason: string | null;
  repository: string | null;
  sender: string | null;
  contentType: string | null;
  bytes: number;
  schema: SchemaVerdict | null;
  source: DeliverySource;
  github: GithubDeliveryInfo | null;
  /** The latest forward attempt, or null. */
  forward: AttemptRecord | null;
}

export interface StoredDelivery extends DeliverySummary {
  rawHeaders: string[];
  body: Buffer;
}

/** The columns a replay needs (see Store.iterateReplayable). */
export type ReplayableDelivery = Pick<StoredDelivery, 'seq' | 'id' | 'deliveryId' | 'event' | 'action' | 'url' | 'rawHeaders' | 'body'>;

export type AttemptKind = 'forward' | 'replay';

export interface NewAttempt {
  kind: AttemptKind;
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** When it was made (default: now). */
  at?: Date;
}

export interface AttemptRecord {
  kind: AttemptKind;
  url: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  at: string;
}

/** Filters for list/iterate/count. `event` is "event" or "event.action". */
export interface DeliveryFilter {
  event?: string;
  since?: Date;
  /** list: at most N rows (newest first). iterate/count: the last N received, in received order. */
  limit?: number;
  last?: number;
  /** Only these sources (default: all). */
  source?: DeliverySource;
}

export type ResolveResult =
  | { kind: 'found'; delivery: StoredDelivery }
  | { kind: 'ambiguous'; candidates: DeliverySummary[] }
  | { kind: 'none' };

/** The store cannot be written (disk full, read-only, locked too long). listen answers 503. */
export class StoreError extends HookctlError {}

const MIGRATIONS: string[] = [
  // 1: deliveries + attempts
  `
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    delivery_guid TEXT,
    attempt INTEGER NOT NULL,
    event TEXT,
    action TEXT,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    bytes INTEGER NOT NULL,
    content_type TEXT,
    received_at TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    remote_address TEXT,
    method TEXT NOT NULL DEFAULT 'POST',
    path TEXT NOT NULL,
    url TEXT,
    signature TEXT NOT NULL,
    signature_reason TEXT,
    signature_algorithm TEXT,
    status INTEGER NOT NULL,
    reject_reason TEXT,
    repository TEXT,
    sender TEXT,
    schema_status TEXT,
    schema_violations TEXT,
    source TEXT NOT NULL DEFAULT 'listen',
    github TEXT
  );
  CREATE INDEX deliveries_guid ON deliveries(delivery_guid);
  CREATE INDEX deliveries_event ON deliveries(event, action, seq);
  CREATE INDEX deliveries_received ON deliveries(received_ms);
  CREATE TABLE attempts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_seq INTEGER NOT NULL REFERENCES deliveries(seq) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    at TEXT NOT NULL
  );
  CREATE INDEX attempts_delivery ON attempts(delivery_seq, seq);
  `,
];

const SUMMARY_COLUMNS = `d.seq, d.id, d.delivery_guid, d.attempt, d.event, d.action, d.bytes, d.content_type,
  d.received_at, d.remote_address, d.method, d.path, d.url, d.signature, d.signature_reason, d.signature_algorithm,
  d.status, d.reject_reason, d.repository, d.sender, d.schema_status, d.schema_violations, d.source, d.github,
  (SELECT json_object('kind', a.kind, 'url', a.url, 'status', a.status, 'durationMs', a.duration_ms, 'error', a.error, 'at', a.at)
     FROM attempts a WHERE a.delivery_seq = d.seq AND a.kind = 'forward' ORDER BY a.seq DESC LIMIT 1) AS forward`;
const FULL_COLUMNS = `${SUMMARY_COLUMNS}, d.headers, d.body`;
const REPLAY_COLUMNS = 'd.seq, d.id, d.delivery_guid, d.event, d.action, d.url, d.headers, d.body';

interface Row {
  seq: number;
  id: string;
  delivery_guid: string | null;
  attempt: number;
  event: string | null;
  action: string | null;
  bytes: number;
  content_type: string | null;
  received_at: string;
  remote_address: string | null;
  method: string;
  path: string;
  url: string | null;
  signature: SignatureVerdict;
  signature_reason: string | null;
  signature_algorithm: SignatureAlgorithm | null;
  status: number;
  reject_reason: string | null;
  repository: string | null;
  sender: string | null;
  schema_status: SchemaVerdict['status'] | null;
  schema_violations: string | null;
  source: DeliverySource;
  github: string | null;
  forward: string | null;
  headers?: string;
  body?: Buffer;
}

function toSummary(row: Row): DeliverySummary {
  return {
    seq: row.seq,
    id: row.id,
    deliveryId: row.delivery_guid,
    attempt: row.attempt,
    event: row.event,
    action: row.action,
    receivedAt: row.received_at,
    remoteAddress: row.remote_address,
    method: row.method,
    path: row.path,
    url: row.url,
    signature: row.signature,
    signatureReason: row.signature_reason,
    signatureAlgorithm: row.signature_algorithm,
    status: row.status,
    rejectReason: row.reject_reason,
    repository: row.repository,
    sender: row.sender,
    contentType: row.content_type,
    bytes: row.bytes,
    schema: row.schema_status ? { status: row.schema_status, violations: row.schema_violations ? JSON.parse(row.schema_violations) : [] } : null,
    source: row.source,
    github: row.github ? (JSON.parse(row.github) as GithubDeliveryInfo) : null,
    forward: row.forward ? (JSON.parse(row.forward) as AttemptRecord) : null,
  };
}

/**
 * The machine-readable delivery record (`--json` of listen and deliveries; CONTRACT
 * "Machine output"; schemas/delivery-record.schema.json).
 */
export interface DeliveryRecord {
  id: string;
  deliveryId: string | null;
  event: string | null;
  action: string | null;
  receivedAt: string;
  path: string;
  url: string | null;
  signature: SignatureVerdict;
  signatureReason: string | null;
  signatureAlgorithm: SignatureAlgorithm | null;
  status: number;
  rejectReason: string | null;
  repository: string | null;
  sender: string | null;
  bytes: number;
  attempt: number;
  redelivery: boolean;
  forward: { url: string; status: number | null; durationMs: number; error: string | null } | null;
  forwards: { url: string; status: number | null; durationMs: number; error: string | null }[];
  schema: SchemaVerdict | null;
  remoteAddress: string | null;
  contentType: string | null;
  source: DeliverySource;
  github?: GithubDeliveryInfo;
  replays?: AttemptRecord[];
}

/** Build the record from a row; `attempts` (when known) fills forwards and replays. */
export function toDeliveryRecord(d: DeliverySummary, attempts?: AttemptRecord[]): DeliveryRecord {
  const pick = (a: AttemptRecord) => ({ url: a.url, status: a.status, durationMs: a.durationMs, error: a.error });
  const forwards = attempts ? attempts.filter((a) => a.kind === 'forward').map(pick) : d.forward ? [pick(d.forward)] : [];
  const record: DeliveryRecord = {
    id: d.id,
    deliveryId: d.deliveryId,
    event: d.event,
    action: d.action,
    receivedAt: d.receivedAt,
    path: d.path,
    url: d.url,
    signature: d.signature,
    signatureReason: d.signatureReason,
    signatureAlgorithm: d.signatureAlgorithm,
    status: d.status,
    rejectReason: d.rejectReason,
    repository: d.repository,
    sender: d.sender,
    bytes: d.bytes,
    attempt: d.attempt,
    redelivery: d.attempt > 1,
    forward: forwards.length ? forwards[forwards.length - 1] : null,
    forwards,
    schema: d.schema,
    remoteAddress: d.remoteAddress,
    contentType: d.contentType,
    source: d.source,
  };
  if (d.github) record.github = d.github;
  if (attempts) record.replays = attempts.filter((a) => a.kind === 'replay');
  return record;
}

function toStored(row: Row): StoredDelivery {
  return { ...toSummary(row), rawHeaders: JSON.parse(row.headers ?? '[]') as string[], body: row.body ?? Buffer.alloc(0) };
}

/** Split "event" or "event.action". */
export function parseEventFilter(value: string): { event: string; action: string | null } {
  const dot = value.indexOf('.');
  return dot === -1 ? { event: value, action: null } : { event: value.slice(0, dot), action: value.slice(dot + 1) };
}

function whereClause(filter: DeliveryFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.event) {
    const { event, action } = parseEventFilter(filter.event);
    parts.push('d.event = ?');
    params.push(event);
    if (action) {
      parts.push('d.action = ?');
      params.push(action);
    }
  }
  if (filter.since) {
    parts.push('d.received_ms >= ?');
    params.push(filter.since.getTime());
  }
  if (filter.source) {
    parts.push('d.source = ?');
    params.push(filter.source);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Random bytes drawn 4 KiB at a time: one randomBytes() call per id measured ~30 µs under load. */
let idPool = Buffer.alloc(0);
let idPoolAt = 0;
function shortId(): string {
  if (idPoolAt + 4 > idPool.length) {
    idPool = randomBytes(4096);
    idPoolAt = 0;
  }
  idPoolAt += 4;
  return idPool.toString('hex', idPoolAt - 4, idPoolAt).slice(0, 7);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const PAGE_SIZE = 100;

export interface StoreOptions {
  /** How long a write waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** WAL pages after which a commit also checkpoints (SQLite's default 1000; 0 = never). */
  autoCheckpointPages?: number;
  /**
   * How long the first queued write waits for company before its batch commits (default 0:
   * the next turn of the event loop). A little wait makes bigger batches: fewer fsyncs.
   */
  groupCommitDelayMs?: number;
  /**
   * Group commits do not fsync in SQLite (synchronous=NORMAL); the store fdatasyncs the WAL
   * itself on libuv's thread pool and resolves a batch only once that returns, while the
   * next batch is already being written. Same durability as synchronous=FULL for every
   * resolved op (see syncWal), without the writer waiting on the disk. For `listen`.
   */
  syncInBackground?: boolean;
}

export class Store {
  readonly file: string;
  private readonly db: Database.Database;
  private queue: { op: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Cached transaction wrappers (creating one per call is measurably slow). */
  private readonly insertTx: (d: NewDelivery & { source: DeliverySource; github: GithubDeliveryInfo | null }) => StoredDelivery;
  private readonly batchTx: Database.Transaction<(batch: { op: () => unknown }[]) => { ok: boolean; value: unknown }[]>;
  private readonly plainBatchTx: Database.Transaction<(batch: { op: () => unknown }[]) => unknown[]>;
  private readonly stmts: {
    nextAttempt: Database.Statement;
    insert: Database.Statement;
    bySeq: Database.Statement;
    byId: Database.Statement;
    attempt: Database.Statement;
    attempts: Database.Statement;
    schema: Database.Statement;
    hasGuid: Database.Statement;
    count: Database.Statement;
    probe: Database.Statement;
  };

  private readonly groupCommitDelayMs: number;
  private syncInBackground = false;
  /** Committed batches waiting for the WAL's fdatasync, and whether one is running. */
  private unsynced: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** The batches the running fdatasync covers (null when none runs). */
  private syncing: { resolve: () => void; reject: (e: unknown) => void }[] | null = null;
  private walFd: number | null = null;

  constructor(file: string, options: StoreOptions = {}) {
    this.file = file;
    this.groupCommitDelayMs = options.groupCommitDelayMs ?? 0;
    let syncInBackground = options.syncInBackground ?? false;
    try {
      this.db = new Database(file);
      // Background syncs need a WAL; where SQLite cannot keep one, commits fsync themselves.
      if (this.db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') syncInBackground = false;
      this.db.pragma(syncInBackground ? 'synchronous = NORMAL' : 'synchronous = FULL');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      this.db.pragma('foreign_keys = ON');
      if (options.autoCheckpointPages !== undefined) this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.autoCheckpointPages))}`);
      this.migrate();
    } catch (err) {
      throw new StoreError(`cannot open the delivery store ${file}: ${(err as Error).message}`, [
        'Choose another file with --store FILE, or set HOOKCTL_HOME.',
      ]);
    }
    this.syncInBackground = syncInBackground;
    const db = this.db;
    this.stmts = {
      nextAttempt: db.prepare('SELECT COALESCE(MAX(attempt), 0) + 1 AS n FROM deliveries WHERE delivery_guid = ?').pluck(),
      insert: db.prepare(`INSERT INTO deliveries (id, delivery_guid, attempt, event, action, headers, body, bytes, content_type,
        received_at, received_ms, remote_address, method, path, url, signature, signature_reason, signature_algorithm,
        status, reject_reason, repository, sender, schema_status, schema_violations, source, github)
        VALUES (@id, @guid, @attempt, @event, @action, @headers, @body, @bytes, @contentType, @receivedAt, @receivedMs,
        @remoteAddress, @method, @path, @url, @signature, @signatureReason, @signatureAlgorithm, @status, @rejectReason,
        @repository, @sender, @schemaStatus, @schemaViolations, @source, @github)`),
      bySeq: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.seq = ?`),
      byId: db.prepare(`SELECT ${FULL_COLUMNS} FROM deliveries d WHERE d.id = ?`),
      attempt: db.prepare(
        'INSERT INTO attempts (delivery_seq, kind, url, status, duration_ms, error, at) SELECT seq, ?, ?, ?, ?, ?, ? FROM deliveries WHERE id = ?',
      ),
      attempts: db.prepare(
        'SELECT a.kind, a.url, a.status, a.duration_ms AS durationMs, a.error, a.at FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq WHERE d.id = ? ORDER BY a.seq',
      ),
      schema: db.prepare('UPDATE deliveries SET schema_status = ?, schema_violations = ? WHERE id = ?'),
      hasGuid: db.prepare('SELECT 1 FROM deliveries WHERE delivery_guid = ? LIMIT 1').pluck(),
      count: db.prepare('SELECT COUNT(*) FROM deliveries').pluck(),
      // One parse (SQLite caches it within the statement) answers "is it JSON?" and reads the
      // fields a delivery line shows: ~50 µs for a 24 KB payload, half of JSON.parse, and
      // no garbage for the collector.
      probe: db.prepare(`SELECT json_valid(t) AS valid,
        CASE WHEN json_valid(t) THEN json_extract(t, '$.action', '$.repository.full_name', '$.organization.login', '$.sender.login') END AS fields
        FROM (SELECT CAST(@b AS TEXT) AS t)`),
    };
    this.insertTx = db.transaction((d: NewDelivery & { source: DeliverySource; github: GithubDeliveryInfo | null }) => this.insertInTransaction(d));
    // A batch first runs as one plain transaction. Only if one of its ops throws is it run
    // again with each op in a savepoint (a nested transaction), so that op fails alone.
    this.plainBatchTx = db.transaction((batch: { op: () => unknown }[]) =>
      batch.map((item) => {
        try {
          return item.op();
        } catch (err) {
          throw new OpFailed(err);
        }
      }),
    );
    const one = db.transaction((op: () => unknown) => op());
    this.batchTx = db.transaction((batch: { op: () => unknown }[]) =>
      batch.map((item) => {
        try {
          return { ok: true, value: one(item.op) };
        } catch (err) {
          return { ok: false, value: err };
        }
      }),
    );
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`it was written by a newer hookctl (store version ${version}); upgrade hookctl`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        // Another process may have migrated meanwhile: re-check inside the write lock.
        const now = this.db.pragma('user_version', { simple: true }) as number;
        if (now > v) return;
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  }

  /**
   * Run `op` inside the next group-commit transaction; resolves with its result once that
   * transaction is COMMITTED (fsynced), rejects with StoreError if it could not be written.
   * Each op runs in its own savepoint, so one failing op does not undo the others.
   */
  enqueue<T>(op: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('the delivery store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        if (this.groupCommitDelayMs > 0) setTimeout(() => this.flush(), this.groupCommitDelayMs);
        else setImmediate(() => this.flush());
      }
    });
  }

  /** Commit everything queued now (also called by close()). */
  flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: { ok: boolean; value: unknown }[];
    try {
      try {
        results = this.plainBatchTx.immediate(batch).map((value) => ({ ok: true, value }));
      } catch (err) {
        if (!(err instanceof OpFailed)) throw err;
        results = this.batchTx.immediate(batch);
      }
    } catch (err) {
      const e = new StoreError(`cannot write to the delivery store ${this.file}: ${(err as Error).message}`);
      for (const item of batch) item.reject(e);
      return;
    }
    const settle = () => batch.forEach((item, i) => (results[i].ok ? item.resolve(results[i].value) : item.reject(wrapError(results[i].value, this.file))));
    if (!this.syncInBackground) {
      settle();
      return;
    }
    this.afterSync(settle, (err) => {
      const e = new StoreError(`cannot write to the delivery store ${this.file}: ${(err as Error)?.message ?? String(err)}`);
      for (const item of batch) item.reject(e);
    });
  }

  /** The WAL next to the file SQLite really opened (a symlinked store's WAL is by its target). */
  private walPath(): string {
    const main = (this.db.pragma('database_list') as { name: string; file: string }[]).find((d) => d.name === 'main');
    return `${main?.file || this.file}-wal`;
  }

  /**
   * The WAL, opened once for syncing. Its folder is synced then too: a WAL SQLite just
   * created is only sure to be found after a power cut once its directory entry is on disk.
   */
  private openWal(): number {
    if (this.walFd !== null) return this.walFd;
    const path = this.walPath();
    const fd = openSync(path, 'r');
    try {
      const dir = openSync(dirname(path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.walFd = fd;
    return fd;
  }

  /**
   * With syncInBackground: run `resolve` once everything committed so far is on disk.
   *
   * Why this is as durable as synchronous=FULL: a commit appends the transaction's pages to
   * the WAL, ending in a commit frame whose checksum chains over every frame before it;
   * recovery replays the WAL up to the last valid commit frame. fdatasync of the WAL file
   * (any descriptor of it: the sync is per file) after the commit wrote its frames puts them,
   * and the WAL header, on disk; SQLite's NORMAL mode still syncs the WAL before each
   * checkpoint and the database after it, so a checkpoint never loses a committed frame.
   * One fdatasync runs at a time (on libuv's thread pool); batches committed meanwhile wait
   * for the next one, which covers them all: group commit again, at the disk's pace.
   */
  private afterSync(resolve: () => void, reject: (e: unknown) => void): void {
    this.unsynced.push({ resolve, reject });
    if (this.syncing === null) this.syncWal();
  }

  private syncWal(): void {
    const covered = this.unsynced;
    this.unsynced = [];
    let fd: number;
    try {
      fd = this.openWal();
    } catch (err) {
      for (const b of covered) b.reject(err);
      return;
    }
    this.syncing = covered;
    fdatasync(fd, (err) => {
      this.syncing = null;
      for (const b of covered) {
        if (err) b.reject(err);
        else b.resolve();
      }
      if (this.closed) closeSync(fd);
      else if (this.unsynced.length > 0) this.syncWal();
    });
  }

  /** Insert a received delivery in its own transaction (or inside enqueue()). */
  insertDelivery(d: NewDelivery): StoredDelivery {
    return this.insertRow({ ...d, source: 'listen', github: null });
  }

  /**
   * Insert a delivery `listen` received (its own transaction, or inside enqueue()), reading
   * the payload on the way: see ReceivedForStore. The result's status is what to answer.
   */
  insertReceived(d: ReceivedForStore): StoredDelivery {
    return this.insertRow({ ...d, ...this.readPayload(d, d.bodyKind), source: 'listen', github: null });
  }

  private readPayload(d: ReceivedForStore, kind: 'json' | 'form'): PayloadSettled {
    const settled = (reason: string): PayloadSettled => ({
      status: d.status === 200 ? 400 : d.status,
      rejectReason: d.status === 200 ? reason : (d.rejectReason ?? null),
      action: null,
      repository: null,
      sender: null,
    });
    const accepted = (action: unknown, repository: unknown, organization: unknown, sender: unknown): PayloadSettled => {
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      return { status: d.status, rejectReason: d.rejectReason ?? null, action: str(action), repository: str(repository) ?? str(organization), sender: str(sender) };
    };
    const bytes = jsonBytes(kind, d.body);
    if (bytes === null) return settled(NO_FORM_PAYLOAD);
    // The common case: SQLite's JSON parser (C, ~50 µs for 24 KB, half of JSON.parse). It
    // reads text up to a NUL byte and refuses nesting deeper than 1000, and it would hold
    // copies of a big body: those cases, and whatever it refuses, go to readJson, which
    // accepts exactly what JSON.parse accepts and says where the text breaks.
    if (bytes.length < PROBE_MAX_BYTES && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0) === -1) {
      const row = this.stmts.probe.get({ b: bytes }) as { valid: number; fields: string | null };
      if (row.valid) {
        const [action, repository, organization, sender] = JSON.parse(row.fields as string) as unknown[];
        return accepted(action, repository, organization, sender);
      }
    }
    const read = readJson(bytes);
    return read.readable ? accepted(read.action, read.repository, null, read.sender) : settled(read.error as string);
  }

  /** Insert a delivery imported from GitHub's delivery log (`deliveries pull`). */
  insertImported(d: NewImportedDelivery): StoredDelivery {
    return this.insertRow({
      ...d,
      remoteAddress: d.remoteAddress ?? null,
      signature: d.signature ?? 'unchecked',
      signatureReason: d.signatureReason ?? null,
      signatureAlgorithm: d.signatureAlgorithm ?? null,
      source: 'github',
      github: d.github,
    });
  }

  private insertRow(d: NewDelivery & { source: DeliverySource; github: GithubDeliveryInfo | null }): StoredDelivery {
    return this.insertTx(d);
  }

  private insertInTransaction(d: NewDelivery & { source: DeliverySource; github: GithubDeliveryInfo | null }): StoredDelivery {
    {
      const attempt = d.deliveryId ? (this.stmts.nextAttempt.get(d.deliveryId) as number) : 1;
      const body = Buffer.isBuffer(d.body) ? d.body : Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength);
      const params = {
        guid: d.deliveryId,
        attempt,
        event: d.event,
        action: d.action,
        headers: JSON.stringify(d.rawHeaders),
        body,
        bytes: body.length,
        contentType: d.contentType ?? null,
        receivedAt: d.receivedAt.toISOString(),
        receivedMs: d.receivedAt.getTime(),
        remoteAddress: d.remoteAddress,
        method: d.method ?? 'POST',
        path: d.path,
        url: d.url,
        signature: d.signature,
        signatureReason: d.signatureReason,
        signatureAlgorithm: d.signatureAlgorithm,
        status: d.status,
        rejectReason: d.rejectReason ?? null,
        repository: d.repository,
        sender: d.sender,
        schemaStatus: d.schema?.status ?? null,
        schemaViolations: d.schema ? JSON.stringify(d.schema.violations) : null,
        source: d.source,
        github: d.github ? JSON.stringify(d.github) : null,
      };
      for (let tries = 0; ; tries++) {
        try {
          const id = shortId();
          const info = this.stmts.insert.run({ ...params, id });
          return {
            seq: Number(info.lastInsertRowid),
            id,
            deliveryId: d.deliveryId,
            attempt,
            event: d.event,
            action: d.action,
            receivedAt: params.receivedAt,
            remoteAddress: d.remoteAddress,
            method: params.method,
            path: d.path,
            url: d.url,
            signature: d.signature,
            signatureReason: d.signatureReason,
            signatureAlgorithm: d.signatureAlgorithm,
            status: d.status,
            rejectReason: params.rejectReason,
            repository: d.repository,
            sender: d.sender,
            contentType: params.contentType,
            bytes: body.length,
            schema: d.schema ?? null,
            source: d.source,
            github: d.github,
            forward: null,
            rawHeaders: d.rawHeaders,
            body,
          };
        } catch (err) {
          // A short-id collision: draw another one.
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && tries < 10) continue;
          throw err;
        }
      }
    }
  }

  /** A delivery by exact local id, with body and headers. */
  get(localId: string): StoredDelivery | undefined {
    const row = this.stmts.byId.get(localId) as Row | undefined;
    return row ? toStored(row) : undefined;
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
    const rows = this.db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.id LIKE ? ESCAPE '\\' OR lower(d.delivery_guid) LIKE ? ESCAPE '\\' ORDER BY d.seq DESC LIMIT 51`,
      )
      .all(`${escapeLike(needle)}%`, `${escapeLike(needle)}%`) as Row[];
    if (rows.length === 0) return { kind: 'none' };
    const guids = new Set(rows.map((r) => r.delivery_guid ?? `#${r.id}`));
    if (guids.size === 1) return { kind: 'found', delivery: this.get(rows[0].id)! };
    // One delivery per GUID (its latest attempt), newest first.
    const seen = new Set<string>();
    const candidates: DeliverySummary[] = [];
    for (const r of rows) {
      const key = r.delivery_guid ?? `#${r.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      candidates.push(toSummary(r));
    }
    return { kind: 'ambiguous', candidates };
  }

  /** Newest first, without bodies. Default limit 30. */
  list(filter: DeliveryFilter = {}): DeliverySummary[] {
    const where = whereClause(filter);
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM deliveries d ${where.sql} ORDER BY d.seq DESC LIMIT ?`)
      .all(...where.params, filter.limit ?? 30) as Row[];
    return rows.map(toSummary);
  }

  /** How many rows iterate(filter) would yield. */
  count(filter: DeliveryFilter = {}): number {
    const where = whereClause(filter);
    const n = this.db.prepare(`SELECT COUNT(*) FROM deliveries d ${where.sql}`).pluck().get(...where.params) as number;
    const last = filter.last ?? filter.limit;
    return last !== undefined ? Math.min(n, last) : n;
  }

  /**
   * Deliveries with body and headers in received order (oldest first), read PAGE_SIZE rows
   * at a time by row number, so 10,000 rows never sit in memory at once and the
   * connection is free between pages (callers may record attempts while iterating).
   * `last`/`limit` keeps only the last N matching rows. No filter = all rows.
   */
  *iterate(filter: DeliveryFilter = {}): Generator<StoredDelivery> {
    for (const row of this.pages(filter, FULL_COLUMNS)) yield toStored(row);
  }

  /**
   * What a replay needs and nothing more (no summary columns, no latest-forward subquery):
   * same order, filters and paging as iterate().
   */
  *iterateReplayable(filter: DeliveryFilter = {}): Generator<ReplayableDelivery> {
    for (const row of this.pages(filter, REPLAY_COLUMNS)) {
      yield {
        seq: row.seq,
        id: row.id,
        deliveryId: row.delivery_guid,
        event: row.event,
        action: row.action,
        url: row.url,
        rawHeaders: JSON.parse(row.headers ?? '[]') as string[],
        body: row.body ?? Buffer.alloc(0),
      };
    }
  }

  private *pages(filter: DeliveryFilter, columns: string): Generator<Row> {
    const where = whereClause(filter);
    const last = filter.last ?? filter.limit;
    let after = 0;
    if (last !== undefined) {
      // Start just before the N-th newest matching row.
      const start = this.db
        .prepare(`SELECT d.seq FROM deliveries d ${where.sql} ORDER BY d.seq DESC LIMIT 1 OFFSET ?`)
        .pluck()
        .get(...where.params, Math.max(0, last - 1)) as number | undefined;
      if (last <= 0) return;
      after = start !== undefined ? start - 1 : 0;
    }
    const cond = where.sql ? `${where.sql} AND d.seq > ?` : 'WHERE d.seq > ?';
    const page = this.db.prepare(`SELECT ${columns} FROM deliveries d ${cond} ORDER BY d.seq LIMIT ${PAGE_SIZE}`);
    while (true) {
      const rows = page.all(...where.params, after) as Row[];
      yield* rows;
      if (rows.length < PAGE_SIZE) return;
      after = rows[rows.length - 1].seq;
    }
  }

  /** Record a forward or replay attempt against a stored delivery (by local id). */
  recordAttempt(localId: string, attempt: NewAttempt): AttemptRecord {
    const at = (attempt.at ?? new Date()).toISOString();
    const info = this.stmts.attempt.run(attempt.kind, attempt.url, attempt.status, Math.round(attempt.durationMs), attempt.error, at, localId);
    if (info.changes === 0) throw new StoreError(`no stored delivery with id ${localId}`);
    return { kind: attempt.kind, url: attempt.url, status: attempt.status, durationMs: Math.round(attempt.durationMs), error: attempt.error, at };
  }

  /** Every forward/replay attempt of a delivery, oldest first. */
  attempts(localId: string): AttemptRecord[] {
    return this.stmts.attempts.all(localId) as AttemptRecord[];
  }

  setSchemaVerdict(localId: string, verdict: SchemaVerdict): void {
    this.stmts.schema.run(verdict.status, JSON.stringify(verdict.violations), localId);
  }

  /** True when some row carries this X-GitHub-Delivery GUID (pull uses it to skip known ones). */
  hasDeliveryGuid(guid: string): boolean {
    return this.stmts.hasGuid.get(guid) !== undefined;
  }

  stats(): { deliveries: number } {
    return { deliveries: this.stmts.count.get() as number };
  }

  /** Flush the group-commit queue and close the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.unsynced.length > 0 || this.syncing) {
      // Settle what still waits for the disk now, before the file goes away.
      const waiting = [...(this.syncing ?? []), ...this.unsynced];
      this.unsynced = [];
      try {
        fdatasyncSync(this.openWal());
        for (const b of waiting) b.resolve();
      } catch (err) {
        for (const b of waiting) b.reject(err);
      }
    }
    this.db.close();
    // A running fdatasync closes the descriptor when it returns.
    if (this.walFd !== null && !this.syncing) closeSync(this.walFd);
  }
}

/** An op of a group commit threw (as opposed to BEGIN or COMMIT failing). */
class OpFailed extends Error {
  constructor(readonly error: unknown) {
    super('an operation of the batch failed');
  }
}

function wrapError(err: unknown, file: string): unknown {
  if (err instanceof HookctlError) return err;
  return new StoreError(`cannot write to the delivery store ${file}: ${(err as Error)?.message ?? String(err)}`);
}

/** Open (creating folders and the file, migrating) the store at `file`. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const path = resolvePath(file);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the folder for the delivery store ${path}: ${(err as Error).message}`, [
      'Choose another file with --store FILE, or set HOOKCTL_HOME.',
    ]);
  }
  return new Store(path, options);
}

/**
 * The write side used by `listen`: inserts, attempts and schema verdicts, each resolving once
 * its group-commit transaction is on disk. Writes run in this thread: a 24 KB insert costs
 * less here than handing the body to another thread and back (measured: a writer thread
 * was no faster and cost another V8 heap). Commits do not wait for the disk
 * (syncInBackground: the WAL is fdatasync'ed on libuv's thread pool while the next batch is
 * written). SQLite's automatic checkpoint (every 1000 WAL pages) keeps the WAL a few MB that
 * are rewritten in place, which keeps those fdatasyncs short; a checkpointing thread was
 * measured too: no more throughput, and another V8 heap (README, Performance).
 */
export interface DeliveryWriter {
  readonly file: string;
  /** Keep a received delivery (reading its payload: see ReceivedForStore). */
  receive(d: ReceivedForStore): Promise<StoredDelivery>;
  recordAttempt(localId: string, attempt: NewAttempt): Promise<AttemptRecord>;
  setSchemaVerdict(localId: string, verdict: SchemaVerdict): Promise<void>;
  /** Rows in the store (for listen's `GET /`). */
  count(): number;
  /** Commit what is queued and close. */
  close(): void;
}

/** Open the write side for `listen` (see DeliveryWriter). */
export function openDeliveryWriter(file: string, options: StoreOptions = {}): DeliveryWriter {
  const store = openStore(file, { syncInBackground: true, ...options });
  return {
    file: store.file,
    receive: (d) => store.enqueue(() => store.insertReceived(d)),
    recordAttempt: (localId, attempt) => store.enqueue(() => store.recordAttempt(localId, attempt)),
    setSchemaVerdict: (localId, verdict) => store.enqueue(() => store.setSchemaVerdict(localId, verdict)),
    count: () => store.stats().deliveries,
    close: () => store.close(),
  };
}
