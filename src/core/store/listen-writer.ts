/**
 * listen's write side of the store: its group-commit writer over whichever file is at the
 * store's path now (a removed or replaced file is reopened, and said). Split from store.ts,
 * which opens stores and holds the Store itself.
 */
import { openStore, newWriterId, StoreError, type Store, type StoreHandle, type StoreOptions } from './store.js';
import type { AttemptRecord, NewAttempt, NewDelivery, SchemaVerdict, StoredDelivery } from './types.js';

/**
 * The write side used by `listen`: inserts, attempts and schema verdicts, each resolving once
 * its group-commit transaction is on disk and the file is still at the store's path. Writes
 * run in this thread; another process's lock is waited for from the event loop. When the
 * file is removed or replaced, what could not be kept fails (503) and the writer carries on
 * into a fresh store at the same path. Its connection is the one the inspector and catch-up
 * read through (current()).
 */
export interface DeliveryWriter extends StoreHandle {
  readonly file: string;
  /**
   * Keep a received delivery. `onCommitted` is told once its row is committed, before the
   * WAL's fdatasync that the returned promise waits for (listen forwards from there).
   */
  receive(d: NewDelivery, onCommitted?: (stored: StoredDelivery) => void): Promise<StoredDelivery>;
  recordAttempt(localId: string, attempt: NewAttempt): Promise<AttemptRecord>;
  setSchemaVerdict(localId: string, verdict: SchemaVerdict): Promise<void>;
  /** Rows in the store (for listen's `GET /`). */
  count(): number;
  /** Commit what is queued and close. */
  close(): void;
}

/** Open the write side for `listen` (see DeliveryWriter); `onReplaced` hears of a lost file and the fresh one. */
export function openDeliveryWriter(file: string, options: StoreOptions & { onReplaced?: (reason: string, error: StoreError | null) => void } = {}): DeliveryWriter {
  // One writer id across the files it writes: what it wrote is its own whichever file holds it.
  const writerId = options.writerId ?? newWriterId();
  const open = (): Store => {
    const opened: Store = openStore(file, {
      syncInBackground: true, waitForLock: 'event-loop', checkWritable: true, watchFile: true, ...options, writerId,
      onLost: (reason) => queueMicrotask(() => replace(opened, reason)),
    });
    return opened;
  };
  let store = open();
  let reopenError: StoreError | null = null;
  /** `lost` was found removed or replaced: open a fresh store (once per lost store). */
  const replace = (lost: Store, reason: string) => {
    if (lost !== store) return;
    try {
      store = open();
      reopenError = null;
    } catch (err) {
      reopenError = err instanceof StoreError ? err : new StoreError(String(err));
    }
    // The old one only fails from now on; close it once its last batches have settled.
    setImmediate(() => lost.close());
    options.onReplaced?.(reason, reopenError);
  };
  const write = <T>(op: (s: Store) => T, onCommitted?: (value: T) => void): Promise<T> => {
    if (reopenError) {
      // The fresh store could not be opened at the last loss: try again now.
      const failed = reopenError;
      try {
        store = open();
        reopenError = null;
      } catch {
        return Promise.reject(failed);
      }
    }
    const current = store;
    return current.enqueue(() => op(current), onCommitted);
  };
  return {
    file: store.file,
    current: () => {
      // A reader asking finds out a replaced file as a write would.
      const lost = store;
      const problem = lost.checkFile();
      if (problem) replace(lost, problem);
      return store;
    },
    receive: (d, onCommitted) => write((s) => s.insertDelivery(d), onCommitted),
    recordAttempt: (localId, attempt) => write((s) => s.recordAttempt(localId, attempt)),
    setSchemaVerdict: (localId, verdict) => write((s) => s.setSchemaVerdict(localId, verdict)),
    count: () => {
      try {
        return store.stats().deliveries;
      } catch {
        return -1;
      }
    },
    close: () => store.close(),
  };
}
