/**
 * Worker thread that owns the store's write connection for `listen` (see DeliveryWriter in
 * store.ts). Requests that arrive while a batch is being committed (fsync) form the next
 * batch: group commit that never blocks the HTTP server's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HookctlError } from '../errors.js';
import { openStore, runWriterRequest, type Store, type StoreOptions, type WriterReply, type WriterRequest } from './store.js';

const port = parentPort!;
const { file, options, role } = workerData as { file: string; options: StoreOptions; role: 'writer' | 'checkpointer' };

function reply(msg: WriterReply): void {
  port.postMessage(msg);
}

function failure(err: unknown): { error: string; details?: string[] } {
  return { error: (err as Error)?.message ?? String(err), ...(err instanceof HookctlError ? { details: err.details } : {}) };
}

/** Checkpoint every CHECKPOINT_EVERY_MS from this thread's own connection. */
const CHECKPOINT_EVERY_MS = 200;

let store: Store;
if (role === 'checkpointer') {
  store = openStore(file, options);
  setInterval(() => {
    try {
      store.checkpoint();
    } catch {
      /* busy: try again next time */
    }
  }, CHECKPOINT_EVERY_MS);
} else try {
  store = openStore(file, options);
  reply({ seq: 0, ready: true });
} catch (err) {
  reply({ seq: 0, ok: false, ...failure(err) });
  process.exit(1);
}

if (role !== 'checkpointer') port.on('message', (req: WriterRequest) => {
  runWriterRequest(store, req).then(
    (value) => {
      reply({ seq: req.seq, ok: true, value });
      if (req.op === 'close') port.close();
    },
    (err) => reply({ seq: req.seq, ok: false, ...failure(err) }),
  );
});
