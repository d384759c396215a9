/**
 * The one signal policy (CONTRACT "Signals"): Ctrl+C (SIGINT), SIGTERM and SIGHUP stop
 * gracefully; a second one stops at once (exit 130, InterruptedError: only main exits the
 * process, and its exit kills any cloudflared left). A command hands stop() its graceful stop
 * and what must still happen when stopped at once; the race between them lives here only.
 * (A cloudflared child needs no signal handling of its own: it runs behind a watchdog that
 * stops it once hookctl is gone, however hookctl ended.)
 */
import { InterruptedError } from '../../errors.js';

type StopReason = NodeJS.Signals | 'abort';

/** Where the signals come from: the process, or a test's emitter. */
interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface StopSignals {
  /** Resolves with the first signal (or 'abort' when the control signal aborted). */
  stopped: Promise<StopReason>;
  /** Aborted at the first signal: cancels start-up work (a tunnel starting, a batch). */
  abort: AbortSignal;
  /** Rejects with InterruptedError at the second signal. */
  forced: Promise<never>;
  /** The first signal, or `other` settling first (a tunnel that died): whichever comes first. */
  until<T>(other: Promise<T> | undefined): Promise<{ signal: StopReason } | { value: T }>;
  /**
   * Stop gracefully with `graceful`. A second signal cuts it short: `atOnce` (what must still
   * happen, e.g. the hook's release already under way) gets AT_ONCE_MS at most, then
   * InterruptedError is thrown.
   */
  stop(graceful: () => Promise<void>, atOnce?: () => Promise<unknown>): Promise<void>;
  /** Remove the handlers. */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** After a second Ctrl+C, how long what must still happen (one API call, already under way) may take. */
export const AT_ONCE_MS = 3000;

interface StopSignalOptions {
  /** Aborting it counts as a first signal (tests, and callers that stop without a signal). */
  control?: AbortSignal;
  onFirst?: (reason: StopReason) => void;
  forcedMessage?: string;
  source?: SignalSource;
  /** Instead of AT_ONCE_MS (tests). */
  atOnceMs?: number;
}

export function stopSignals(options: StopSignalOptions = {}): StopSignals {
  const source = options.source ?? process;
  const controller = new AbortController();
  let resolveStopped!: (reason: StopReason) => void;
  let rejectForced!: (err: Error) => void;
  const stopped = new Promise<StopReason>((r) => (resolveStopped = r));
  const forced = new Promise<never>((_, reject) => (rejectForced = reject));
  forced.catch(() => undefined); // a stop that finished in time never looks at it
  let count = 0;
  const handler = (reason: StopReason) => {
    count++;
    if (count === 1) {
      controller.abort();
      options.onFirst?.(reason);
      resolveStopped(reason);
    } else if (reason !== 'abort') {
      rejectForced(new InterruptedError(options.forcedMessage ?? 'Stopped at once.'));
    }
  };
  const listeners = SIGNALS.map((s) => [s, () => handler(s)] as const);
  for (const [s, listener] of listeners) source.on(s, listener);
  const onAbort = () => handler('abort');
  options.control?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    abort: controller.signal,
    forced,
    until: (other) =>
      Promise.race([stopped.then((signal) => ({ signal })), ...(other ? [other.then((value) => ({ value }))] : [])]),
    stop: async (graceful, atOnce) => {
      await Promise.race([
        graceful(),
        forced.catch(async (err: unknown) => {
          if (atOnce) await Promise.race([atOnce().catch(() => undefined), delay(options.atOnceMs ?? AT_ONCE_MS)]);
          throw err;
        }),
      ]);
    },
    dispose: () => {
      for (const [s, listener] of listeners) source.off(s, listener);
      options.control?.removeEventListener('abort', onAbort);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
