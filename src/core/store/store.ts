/**
 * The delivery store: one SQLite file (better-sqlite3), the only module that imports the
 * SQLite driver. It keeps deliveries exactly as given (bytes, headers), their forward and
 * replay attempts and schema verdicts; it never decides what to answer, never prints.
 *
 *   schema.ts   tables and migrations          fields.ts   the one table of a delivery's fields
 *   queries.ts  every read                      records.ts  the `--json` record
 *   filter.ts   which rows a filter selects     follow.ts   what other processes did since
 *   writer.ts   group commit and WAL sync       store.ts    opening, the Store
 *   listen-writer.ts  listen's writer over whatever file is at the path
 *
 * Durability: WAL journal with synchronous=FULL (every commit syncs), or, for `listen`,
 * synchronous=NORMAL plus the writer's own fdatasync of the WAL (writer.ts): a delivery
 * resolves only once it is on disk. Sharing: busy_timeout lets two processes (two listeners,
 * `deliveries list` while listening, replay recording attempts) use one file; writers take
 * the lock with BEGIN IMMEDIATE so they queue instead of failing mid-transaction. Every row,
 * attempt and change carries the id of the Store that wrote it (`writer`), so a follower
 * (follow.ts) tells only what others did; removals and late schema verdicts also go to a
 * change log kept to CHANGES_KEPT rows.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../../errors.js';
import { ATTEMPT_COLUMNS, ATTEMPT_INSERT_SQL, INSERT_SQL, attemptParams, insertParams, toAttempt } from './fields.js';
import { createPrivateFile, FileIdentity, prepareFolder, tightenModes } from './file.js';
import { StoreReader } from './queries.js';
import { nativeModuleProblem } from './native.js';
import { migrate } from './schema.js';
import type { AttemptRecord, NewAttempt, NewDelivery, SchemaVerdict, StoredDelivery } from './types.js';
import { GroupCommit, StoreError, type GroupCommitOptions } from './writer.js';

export { StoreError };

/** A store a reading command was pointed at does not exist (a mistyped --store): exit 2, nothing created. */
export class StoreMissingError extends UsageError {
  constructor(readonly path: string) {
    super(`no deliveries stored yet: ${path} does not exist`, [], 'store');
  }
}

/** How many entries the change log keeps; a follower further behind starts over (a reset). */
export const CHANGES_KEPT = 1000;

export interface StoreOptions extends Pick<GroupCommitOptions, 'groupCommitDelayMs' | 'waitForLock' | 'onLost'> {
  /** How long a write waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** WAL pages after which a commit also checkpoints (SQLite's default 1000; 0 = never). */
  autoCheckpointPages?: number;
  /** Commits do not sync; the writer fdatasyncs the WAL itself (listen). See writer.ts. */
  syncInBackground?: boolean;
  /** Check at open that the file can be written (a read-only store fails then, not at the first delivery). */
  checkWritable?: boolean;
  /** After each commit, check the path still names the open file (listen: a 200 means "in the file"). */
  watchFile?: boolean;
  /** Refuse a file that does not exist (a reading command), instead of creating it. */
  mustExist?: boolean;
  /** The id this store's writes carry (default: a fresh random one; listen keeps one across a replaced file). */
  writerId?: string;
}

/**
 * Whoever holds a store for others to read and write through: listen's writer (which opens a
 * fresh file when the old one was removed) or a reader that follows its path (reopening).
 */
export interface StoreHandle {
  /** The store at the path as it is now: after the file was replaced, another Store. */
  current(): Store;
}

/** A writer id: random, so two processes (or two stores of one) never share one. */
export function newWriterId(): string {
  return randomBytes(6).toString('hex');
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

export class Store extends StoreReader {
  /** The id every row, attempt and change this store writes carries. */
  readonly writerId: string;
  private readonly commits: GroupCommit;
  private closed = false;
  private readonly writes: {
    nextAttempt: Database.Statement;
    insert: Database.Statement;
    insertBody: Database.Statement;
    attempt: Database.Statement;
    attemptRow: Database.Statement;
    schema: Database.Statement;
    change: Database.Statement;
    trimChanges: Database.Statement;
    remove: Database.Statement;
  };
  /** Cached transaction wrapper (creating one per call is measurably slow). */
  private readonly insertTx: (d: NewDelivery) => StoredDelivery;

  private readonly identity: FileIdentity | undefined;

  constructor(file: string, db: Database.Database, syncInBackground: boolean, options: StoreOptions) {
    super(db, file);
    this.writerId = options.writerId ?? newWriterId();
    this.identity = options.watchFile ? new FileIdentity(mainFile(db, file)) : undefined;
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.commits = new GroupCommit(db, file, syncInBackground, { ...options, lockTimeoutMs: busyTimeoutMs, identity: this.identity });
    this.writes = {
      nextAttempt: db.prepare('SELECT COALESCE(MAX(attempt), 0) + 1 AS n FROM deliveries WHERE delivery_guid = ?').pluck(),
      insert: db.prepare(INSERT_SQL),
      insertBody: db.prepare('INSERT INTO bodies (seq, body) VALUES (?, ?)'),
      attempt: db.prepare(ATTEMPT_INSERT_SQL),
      attemptRow: db.prepare(`SELECT ${ATTEMPT_COLUMNS} FROM attempts a WHERE a.seq = ?`),
      schema: db.prepare('UPDATE deliveries SET schema = ? WHERE id = ?'),
      change: db.prepare('INSERT INTO changes (kind, delivery_id, writer) VALUES (?, ?, ?)'),
      trimChanges: db.prepare('DELETE FROM changes WHERE seq <= (SELECT MAX(seq) FROM changes) - ?'),
      remove: db.prepare('DELETE FROM deliveries WHERE id = ?'),
    };
    this.insertTx = db.transaction((d: NewDelivery) => this.insertInTransaction(d));
  }

  /** Run `op` in the next group commit (writer.ts); resolves once it is committed and synced; `onCommitted` hears of it once committed, before the sync. */
  enqueue<T>(op: () => T, onCommitted?: (value: T) => void): Promise<T> {
    return this.commits.enqueue(op, onCommitted);
  }

  /** Insert a delivery in its own transaction (or inside enqueue()). */
  insertDelivery(d: NewDelivery): StoredDelivery {
    return this.insertTx(d);
  }

  /** Insert a delivery imported from GitHub's delivery log (`deliveries pull`). */
  insertImported(d: Omit<NewDelivery, 'remoteAddress' | 'signature' | 'signatureReason' | 'signatureAlgorithm'> & Partial<NewDelivery>): StoredDelivery {
    return this.insertTx({
      ...d,
      remoteAddress: d.remoteAddress ?? null,
      signature: d.signature ?? 'unchecked',
      signatureReason: d.signatureReason ?? null,
      signatureAlgorithm: d.signatureAlgorithm ?? null,
      source: 'github',
    });
  }

  private insertInTransaction(d: NewDelivery): StoredDelivery {
    const attempt = d.deliveryId ? (this.writes.nextAttempt.get(d.deliveryId) as number) : 1;
    const body = Buffer.isBuffer(d.body) ? d.body : Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength);
    const params = insertParams(d);
    params.attempt = attempt;
    params.writer = this.writerId;
    for (let tries = 0; ; tries++) {
      try {
        params.id = shortId();
        const seq = Number(this.writes.insert.run(params).lastInsertRowid);
        this.writes.insertBody.run(seq, body);
        return {
          seq,
          id: params.id as string,
          deliveryId: d.deliveryId,
          attempt,
          event: d.event,
          action: d.action,
          receivedAt: params.receivedAt as string,
          remoteAddress: d.remoteAddress,
          method: params.method as string,
          path: d.path,
          url: d.url,
          signature: d.signature,
          signatureReason: d.signatureReason,
          signatureAlgorithm: d.signatureAlgorithm,
          status: d.status,
          rejectReason: d.rejectReason ?? null,
          repository: d.repository,
          sender: d.sender,
          contentType: d.contentType ?? null,
          bytes: body.length,
          bodyBytes: params.bodyBytes as number,
          bodySha256: d.bodySha256 ?? null,
          truncated: params.truncated === 1,
          hookId: d.hookId ?? null,
          schema: d.schema ?? null,
          source: d.source ?? 'listen',
          github: d.github ?? null,
          forward: null,
          replayCount: 0,
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

  /** Record a forward or replay attempt against a stored delivery (by local id). */
  recordAttempt(localId: string, attempt: NewAttempt): AttemptRecord {
    const info = this.writes.attempt.run({ ...attemptParams(attempt), id: localId, writer: this.writerId });
    if (info.changes === 0) throw new StoreError(`no stored delivery with id ${localId}`);
    // Read back as every reader reads it (core/store/fields.ts): n, bytes and all.
    return toAttempt(this.writes.attemptRow.get(info.lastInsertRowid) as Record<string, unknown>);
  }


  /** Record a delivery's schema verdict (after its row: the change log tells followers). */
  setSchemaVerdict(localId: string, verdict: SchemaVerdict): void {
    this.db.transaction(() => {
      if (this.writes.schema.run(JSON.stringify(verdict), localId).changes === 0) return;
      const seq = Number(this.writes.change.run('schema', localId, this.writerId).lastInsertRowid);
      // Trimmed now and then: verdicts come at most a few a second.
      if (seq % 100 === 0) this.writes.trimChanges.run(CHANGES_KEPT);
    })();
  }

  /** Delete deliveries by local id (their bodies and attempts go with them); how many were deleted. */
  remove(localIds: readonly string[]): number {
    return this.db.transaction(() => {
      let removed = 0;
      for (const id of localIds) {
        if (this.writes.remove.run(id).changes === 0) continue;
        this.writes.change.run('removed', id, this.writerId);
        removed += 1;
      }
      if (removed > 0) this.writes.trimChanges.run(CHANGES_KEPT);
      return removed;
    }).immediate();
  }

  /**
   * Delete deliveries received before `olderThan` and (when both are given) not among the newest
   * `keep`; how many were deleted. Then give the space back to the file system.
   */
  prune(options: { olderThan?: Date; keep?: number }): number {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (options.olderThan) {
      parts.push('received_ms < ?');
      params.push(options.olderThan.getTime());
    }
    if (options.keep !== undefined) {
      parts.push('seq NOT IN (SELECT seq FROM deliveries ORDER BY seq DESC LIMIT ?)');
      params.push(options.keep);
    }
    if (parts.length === 0) return 0;
    const where = parts.join(' AND ');
    const deleted = this.db
      .transaction(() => {
        this.db.prepare(`INSERT INTO changes (kind, delivery_id, writer) SELECT 'removed', id, ? FROM deliveries WHERE ${where} ORDER BY seq`).run(this.writerId, ...params);
        const n = this.db.prepare(`DELETE FROM deliveries WHERE ${where}`).run(...params).changes;
        this.writes.trimChanges.run(CHANGES_KEPT);
        return n;
      })
      .immediate();
    if (deleted > 0) this.reclaim();
    return deleted;
  }

  /** Why the path no longer names this store's file (removed, replaced), or null; needs watchFile. Once said, every write fails. */
  checkFile(): string | null {
    if (this.closed) return null;
    return this.commits.checkFile()?.message ?? null;
  }

  /** Give freed pages back: incrementally where the file allows it, else a VACUUM. */
  reclaim(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    if ((this.db.pragma('auto_vacuum', { simple: true }) as number) === 2) this.db.pragma('incremental_vacuum');
    else this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Flush the group-commit queue and close the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.commits.close();
    this.db.close();
    this.commits.release();
    this.identity?.close();
  }
}

/** The file SQLite really opened (a symlinked store is its target). */
function mainFile(db: Database.Database, file: string): string {
  const main = (db.pragma('database_list') as { name: string; file: string }[]).find((d) => d.name === 'main');
  return main?.file || file;
}

/** A write that is rolled back: fails now on a store SQLite may only read. */
function checkWritable(db: Database.Database, path: string): void {
  try {
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      db.pragma(`user_version = ${version}`);
      throw new RollBack();
    }).immediate();
  } catch (err) {
    if (err instanceof RollBack) return;
    if ((err as { code?: string }).code === 'SQLITE_READONLY' || (err as { code?: string }).code === 'SQLITE_CANTOPEN') {
      throw new StoreError(`the delivery store ${path} is read-only: hookctl cannot keep deliveries in it`, [
        `Make it writable (chmod u+w ${path}, and its folder), or choose another file with --store FILE.`,
      ]);
    }
    throw err;
  }
}

class RollBack extends Error {}

/** Open (creating folders and the file, migrating) the store at `file`; with mustExist, only a file that exists. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const path = resolvePath(file);
  if (options.mustExist && !existsSync(path)) throw new StoreMissingError(path);
  if (!options.mustExist) prepareFolder(path);
  let db: Database.Database | undefined;
  let syncInBackground = options.syncInBackground ?? false;
  try {
    if (!options.mustExist) createPrivateFile(path);
    db = new Database(path, { fileMustExist: Boolean(options.mustExist) });
    // Background syncs need a WAL; where SQLite cannot keep one, commits sync themselves.
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') syncInBackground = false;
    db.pragma(syncInBackground ? 'synchronous = NORMAL' : 'synchronous = FULL');
    // Waiting for another process's lock from the event loop: SQLite itself must not wait.
    const busyTimeoutMs = options.waitForLock === 'event-loop' ? 0 : Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -256'); // 256 KiB, not 2 MB: SQLite's cache of 1 MiB bodies' pages cost listen 15–20 MB of RSS (the OS caches the file anyway)
    if (options.autoCheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(options.autoCheckpointPages))}`);
    migrate(db);
    if (options.checkWritable) checkWritable(db, path);
    tightenModes(mainFile(db, path));
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    if (options.mustExist && !existsSync(path)) throw new StoreMissingError(path);
    throw nativeModuleProblem(err) ?? new StoreError(`cannot open the delivery store ${path}: ${(err as Error).message}`, ['Choose another file with --store FILE, or set HOOKCTL_HOME.']);
  }
  return new Store(path, db, syncInBackground, options);
}

/**
 * A store opened for reading that follows its path (`hookctl inspect`): when the path names
 * another file (the store removed and started afresh by a listener), the next current() opens
 * that one. A path that names no file keeps the last store: a reader never creates one.
 */
export function followPath(store: Store, options: StoreOptions = {}): StoreHandle & { close(): void } {
  let current = store;
  let identity = new FileIdentity(store.file);
  return {
    current() {
      if (identity.problem(null) === null || !existsSync(current.file)) return current;
      let next: Store;
      try {
        next = openStore(current.file, { ...options, mustExist: true });
      } catch {
        return current;
      }
      identity.close();
      current.close();
      current = next;
      identity = new FileIdentity(next.file);
      return current;
    },
    close() {
      identity.close();
      current.close();
    },
  };
}

/** What catch-up asks the store (core/tunnel's CatchUpReader), through a connection someone else owns: close() closes nothing. */
export function catchUpLookups(handle: StoreHandle): { newestFrom(hookId: number): Date | null; has(guid: string): boolean; close(): void } {
  return {
    newestFrom: (hookId) => handle.current().newestFromHook(hookId),
    has: (guid) => handle.current().hasDeliveryGuid(guid),
    close: () => undefined,
  };
}
