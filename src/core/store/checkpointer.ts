/**
 * listen's WAL checkpoints, off the main thread. A checkpoint copies the WAL's pages into the
 * database file and syncs both: done by the writer's own connection (SQLite's auto-checkpoint,
 * every 1,000 WAL pages) it stalls every delivery in flight for the copy and two fsyncs. So the
 * writer's connection never checkpoints (wal_autocheckpoint=0) and a second connection, on a
 * worker thread, checkpoints each time the writer committed about CHECKPOINT_PAGES pages since
 * the last one started. PASSIVE: it copies what was committed without waiting for, nor
 * blocking, the writer; the writer's next transaction starts the WAL over once everything in
 * it was copied. Under steady load that moment never comes (pages are appended while a
 * checkpoint runs; measured: a 204 MB WAL after 10,000 deliveries), so once the WAL holds
 * RESTART_PAGES the checkpoint that follows is a RESTART: it copies the rest while the writer
 * waits for the lock from the event loop (waitForLock 'event-loop': the main thread goes on
 * answering), and the WAL starts over.
 *
 * Durability is SQLite's own: a checkpoint syncs the WAL before copying and the database
 * before it lets the WAL be reused, whichever connection runs it; a crash mid-checkpoint
 * leaves the WAL to replay. If the worker cannot run (or fails), the writer checkpoints
 * itself again (auto-checkpoint back on): slower, never less safe.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL pages committed between two checkpoints: SQLite's auto-checkpoint default. */
export const CHECKPOINT_PAGES = 1000;

/** WAL pages (4 KiB each) past which a checkpoint makes the WAL start over, blocking the writer a moment. */
export const RESTART_PAGES = 4 * CHECKPOINT_PAGES;

/** How long the RESTART waits for the writer's transaction in progress (they take microseconds). */
const RESTART_WAIT_MS = 1000;

/** How long close() waits for a running checkpoint to end before it lets the worker go. */
const CLOSE_WAIT_MS = 10_000;

const require = createRequire(import.meta.url);

// CommonJS, run by the worker (eval: no file next to the compiled module is needed).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const closed = new Int32Array(workerData.closed);
let db = null;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  // How long the RESTART waits for the writer's transaction in progress to end.
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
} catch (err) {
  parentPort.postMessage({ error: String((err && err.message) || err) });
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    try { db?.close(); } catch {}
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    parentPort.close();
    return;
  }
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log >= workerData.restartPages) [result] = db.pragma('wal_checkpoint(RESTART)');
    parentPort.postMessage({ busy: result.busy, log: result.log, checkpointed: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

export class Checkpointer {
  private worker: Worker | null;
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private running = false;
  /** Pages committed (an estimate, see Store) since the last checkpoint started. */
  private pages = 0;

  /** `db` is the writer's connection: its auto-checkpoint goes off now, and back on if the worker fails. */
  constructor(
    private readonly db: Database.Database,
    file: string,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file, closed: this.closed.buffer, busyTimeoutMs: RESTART_WAIT_MS, restartPages: RESTART_PAGES } });
    this.worker.unref();
    this.worker.on('message', (m: { error?: string }) => {
      this.running = false;
      if (m.error !== undefined) this.fallBack();
    });
    this.worker.on('error', () => this.fallBack());
  }

  /** The writer committed about `pages` more pages (called after each synced batch). */
  committed(pages: number): void {
    this.pages += pages;
    if (this.running || this.pages < CHECKPOINT_PAGES || !this.worker) return;
    this.pages = 0;
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  /** The worker failed: the writer's connection checkpoints itself again. */
  private fallBack(): void {
    if (!this.worker) return;
    void this.worker.terminate();
    this.worker = null;
    this.running = false;
    try {
      this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    } catch {
      // the writer's connection is closing
    }
  }

  /**
   * Close the worker's connection, waiting for a running checkpoint to end: the writer's
   * close then is the last connection's (it checkpoints and removes the WAL).
   */
  close(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    worker.postMessage('close');
    Atomics.wait(this.closed, 0, 0, CLOSE_WAIT_MS);
    void worker.terminate();
  }
}
