/**
 * Many deliveries at once (send --count, replay batches): one keep-alive pool, at most
 * --concurrency in flight, and one output policy on a terminal: a progress bar, a line for
 * each failure (every line with --verbose), a summary; Ctrl+C stops taking new ones and
 * prints what was done before exit 130.
 */
import type { AppContext } from '../../context.js';
import { InterruptedError } from '../../errors.js';
import { createDispatcher, isSuccess, postAll, type DeliveryResult, type OutgoingDelivery } from '../../core/deliver/post.js';
import { count, formatDuration } from '../../ui/format.js';
import { Progress } from '../../ui/progress.js';
import { stopSignals } from './signals.js';

export interface Tally {
  ok: number;
  non2xx: number;
  failed: number;
}

export interface BatchOptions<T> {
  total: number;
  concurrency: number;
  json?: boolean;
  verbose?: boolean;
  /** "Sent", "Replayed". */
  verb: string;
  /** Each delivery's total deadline (--timeout). */
  timeoutMs?: number;
  source: Iterable<T> | AsyncIterable<T>;
  build: (item: T, index: number) => OutgoingDelivery;
  /** Record the result; return the line to print (or the JSON record with --json). */
  onResult: (result: DeliveryResult, item: T) => { line: string; record: unknown };
}

function summary(ctx: AppContext, tally: Tally, done: number, total: number, ms: number, verb: string, interrupted: boolean): string {
  const c = ctx.io.errColor;
  const parts = [
    c.green(`${tally.ok} 2xx`),
    tally.non2xx ? c.yellow(`${tally.non2xx} non-2xx`) : '0 non-2xx',
    tally.failed ? c.red(`${tally.failed} failed to connect`) : '0 failed to connect',
  ];
  const rate = done > 1 ? ` (${Math.round(done / Math.max(ms / 1000, 0.001))}/s)` : '';
  const what = interrupted ? `Interrupted: ${verb.toLowerCase()} ${done} of ${count(total, 'delivery', 'deliveries')}` : `${verb} ${count(done, 'delivery', 'deliveries')}`;
  return `${what} in ${formatDuration(ms)}${rate}: ${parts.join(', ')}`;
}

/** Post every item; returns the tally. Ctrl+C: the partial summary, then exit 130. */
export async function runBatch<T>(ctx: AppContext, options: BatchOptions<T>): Promise<Tally> {
  const { io } = ctx;
  const tally: Tally = { ok: 0, non2xx: 0, failed: 0 };
  const progress = !options.json && io.isStderrTTY && options.total > 1 ? new Progress(io, options.total) : undefined;
  const signals = stopSignals();
  // A batch of one (replay ID) goes out like send: over node:http, without loading undici's pool.
  const dispatcher = options.total > 1 ? createDispatcher(options.concurrency) : null;
  const started = performance.now();
  let done = 0;
  try {
    await Promise.race([
      postAll(options.source, options.build, {
        concurrency: Math.min(options.concurrency, Math.max(1, options.total)),
        dispatcher,
        signal: signals.abort,
        timeoutMs: options.timeoutMs,
        onResult: (result, item) => {
          done++;
          const success = isSuccess(result);
          if (success) tally.ok++;
          else if (result.status !== null) tally.non2xx++;
          else tally.failed++;
          const { line, record } = options.onResult(result, item);
          if (options.json) io.out(JSON.stringify(record));
          else if (!progress || !success || options.verbose) {
            if (progress) progress.above(() => io.out(line));
            else io.out(line);
          }
          progress?.tick();
        },
      }),
      signals.forced,
    ]);
  } finally {
    progress?.clear();
    await dispatcher?.close().catch(() => undefined);
    signals.dispose();
  }
  const interrupted = signals.abort.aborted;
  const ms = performance.now() - started;
  if (interrupted) throw new InterruptedError(summary(ctx, tally, done, options.total, ms, options.verb, true));
  if (!options.json && (options.total > 1 || tally.ok !== 1)) io.err(summary(ctx, tally, done, options.total, ms, options.verb, false));
  return tally;
}
