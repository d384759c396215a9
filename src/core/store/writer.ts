/**
 * Group commit: writes queued during one turn of the event loop are committed in ONE
 * transaction, so N concurrent deliveries pay for one sync. With `syncInBackground` (listen)
 * SQLite commits without syncing (synchronous=NORMAL) and this module fdatasyncs the WAL
 * itself on libuv's thread pool, resolving a batch only once that returned, while the next
 * batch is already being written: as durable as synchronous=FULL (see afterSync) without the
 * writer waiting on the disk.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { HookctlError } from '../../errors.js';

/** The store cannot be written (disk full, read-only, locked too long, removed). listen answers 503. */
export class StoreError extends HookctlError {}

/** The store's file was removed or replaced while open: what was committed is not at its path. */
export class StoreLostError extends StoreError {}

interface Queued {
  op: () => unknown;
  /** Told the op's result once its transaction is committed, before the sync (see enqueue). */
  onCommitted?: (value: unknown) => void;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** An op of a batch threw (as opposed to BEGIN or COMMIT failing). */
class OpFailed extends Error {
  constructor(readonly error: unknown) {
    super('an operation of the batch failed');
  }
}

export interface GroupCommitOptions {
  /** How long the first queued write waits for company before its batch commits (default 0: next turn). */
  groupCommitDelayMs?: number;
  syncInBackground?: boolean;
  /**
   * When another process holds the write lock: wait in SQLite (blocking this thread, the
   * default) or retry from the event loop so other work goes on (listen), up to lockTimeoutMs.
   */
  waitForLock?: 'block' | 'event-loop';
  lockTimeoutMs?: number;
  /** Checked after each commit (and its sync): a removed or replaced file fails the batch. */
  identity?: { problem(walFd: number | null): string | null };
  /** Told once when the file was found removed or replaced. */
  onLost?: (reason: string) => void;
}

/** Retries of a locked batch: short at first, never longer than this. */
const MAX_LOCK_RETRY_MS = 50;

export class GroupCommit {
  private queue: Queued[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly batchTx: Database.Transaction<(batch: Queued[]) => { ok: boolean; value: unknown }[]>;
  private readonly plainBatchTx: Database.Transaction<(batch: Queued[]) => unknown[]>;
  private readonly delayMs: number;
  /** Committed batches waiting for the WAL's fdatasync, and the ones the running sync covers. */
  private unsynced: Waiter[] = [];
  private syncing: Waiter[] | null = null;
  private walFd: number | null = null;
  /** Set once the file was found removed or replaced: every write fails from then on. */
  private lost: StoreLostError | null = null;
  /** When the batch waiting for another process's lock first found it taken. */
  private lockedSince: number | null = null;
  private retryDelayMs = 1;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly syncInBackground: boolean,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.delayMs = options.groupCommitDelayMs ?? 0;
    // A batch first runs as one plain transaction. Only if one of its ops throws is it run
    // again with each op in a savepoint (a nested transaction), so that op fails alone.
    this.plainBatchTx = db.transaction((batch: Queued[]) =>
      batch.map((item) => {
        try {
          return item.op();
        } catch (err) {
          throw new OpFailed(err);
        }
      }),
    );
    const one = db.transaction((op: () => unknown) => op());
    this.batchTx = db.transaction((batch: Queued[]) =>
      batch.map((item) => {
        try {
          return { ok: true, value: one(item.op) };
        } catch (err) {
          return { ok: false, value: err };
        }
      }),
    );
  }

  /**
   * Run `op` inside the next group-commit transaction; resolves with its result once that
   * transaction is committed (and, with syncInBackground, synced); rejects with StoreError if
   * it could not be written. One failing op does not undo the others.
   *
   * `onCommitted` is told the op's result as soon as its transaction is committed, before the
   * WAL's fdatasync: what it starts (listen's forward) may see a delivery that a crash then
   * loses, and whose sender gets a 503 (and sends it again). A throw there is ignored.
   */
  enqueue<T>(op: () => T, onCommitted?: (value: T) => void): Promise<T> {
    if (this.lost) return Promise.reject(this.lost);
    if (this.closed) return Promise.reject(new StoreError('the delivery store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, onCommitted: onCommitted as ((v: unknown) => void) | undefined, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        if (this.delayMs > 0) setTimeout(() => this.flush(), this.delayMs);
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
    if (this.lost) {
      for (const item of batch) item.reject(this.lost);
      return;
    }
    let results: { ok: boolean; value: unknown }[];
    try {
      try {
        results = this.plainBatchTx.immediate(batch).map((value) => ({ ok: true, value }));
      } catch (err) {
        if (!(err instanceof OpFailed)) throw err;
        results = this.batchTx.immediate(batch);
      }
    } catch (err) {
      if (this.retryWhenLocked(batch, err)) return;
      const e = this.writeError(err);
      for (const item of batch) item.reject(e);
      return;
    }
    this.lockedSince = null;
    this.retryDelayMs = 1;
    batch.forEach((item, i) => {
      if (!item.onCommitted || !results[i].ok) return;
      try {
        item.onCommitted(results[i].value);
      } catch {
        // The caller's business: the write itself stands.
      }
    });
    const fail = (err: unknown) => {
      const e = this.writeError(err);
      for (const item of batch) item.reject(e);
    };
    const settle = () => {
      const lost = this.checkFile();
      if (lost) return fail(lost);
      batch.forEach((item, i) => (results[i].ok ? item.resolve(results[i].value) : item.reject(this.writeError(results[i].value))));
    };
    if (!this.syncInBackground) settle();
    else this.afterSync(settle, fail);
  }

  /**
   * Another process holds the write lock: put the batch back and try again from the event
   * loop (so the receiver goes on answering), until lockTimeoutMs has passed.
   */
  private retryWhenLocked(batch: Queued[], err: unknown): boolean {
    if (this.options.waitForLock !== 'event-loop' || this.closed) return false;
    if ((err as { code?: string })?.code !== 'SQLITE_BUSY') return false;
    const now = Date.now();
    this.lockedSince ??= now;
    if (now - this.lockedSince >= (this.options.lockTimeoutMs ?? 5000)) {
      this.lockedSince = null;
      this.retryDelayMs = 1;
      return false;
    }
    this.queue = [...batch, ...this.queue];
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), this.retryDelayMs);
      this.retryDelayMs = Math.min(MAX_LOCK_RETRY_MS, this.retryDelayMs * 2);
    }
    return true;
  }

  /** After a commit: is it in the file at the store's path? (Once not, every write fails.) */
  checkFile(): StoreLostError | null {
    if (this.lost) return this.lost;
    const problem = this.options.identity?.problem(this.walFd);
    if (!problem) return null;
    this.lost = new StoreLostError(`the delivery store was lost: ${problem}`);
    this.options.onLost?.(problem);
    return this.lost;
  }

  writeError(err: unknown): HookctlError {
    if (err instanceof HookctlError) return err;
    if ((err as { code?: string })?.code === 'SQLITE_BUSY') {
      return new StoreError(`cannot write to the delivery store ${this.file}: another process held its lock for too long`);
    }
    return new StoreError(`cannot write to the delivery store ${this.file}: ${(err as Error)?.message ?? String(err)}`);
  }

  /** The WAL next to the file SQLite really opened (a symlinked store's WAL is by its target). */
  walPath(): string {
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
   * Run `resolve` once everything committed so far is on disk.
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

  /** Flush the queue and settle what still waits for the disk, before the file closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    if (this.unsynced.length > 0 || this.syncing) {
      // Taken out of the running sync's list too: its late callback must not settle them again
      // (settling checks the file, whose descriptor is closed by then).
      const waiting = [...(this.syncing?.splice(0) ?? []), ...this.unsynced];
      this.unsynced = [];
      try {
        fdatasyncSync(this.openWal());
        for (const b of waiting) b.resolve();
      } catch (err) {
        for (const b of waiting) b.reject(err);
      }
    }
  }

  /** Close the WAL descriptor (after the database closed); a running fdatasync closes it when it returns. */
  release(): void {
    if (this.walFd !== null && !this.syncing) closeSync(this.walFd);
  }
}
