/**
 * The one signal policy (CONTRACT "Signals"): Ctrl+C (SIGINT), SIGTERM and SIGHUP stop
 * gracefully; a second one stops at once (exit 130). Commands race their graceful stop
 * against `forced`, so only main ever exits the process.
 */
import { InterruptedError } from '../../errors.js';

export type StopReason = NodeJS.Signals | 'abort';

export interface StopSignals {
  /** Resolves with the first signal (or 'abort' when the control signal aborted). */
  stopped: Promise<StopReason>;
  /** Aborted at the first signal: cancels start-up work (a tunnel starting, a batch). */
  abort: AbortSignal;
  /** Rejects with InterruptedError at the second signal. */
  forced: Promise<never>;
  /** Remove the handlers. */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function stopSignals(options: { control?: AbortSignal; onFirst?: (reason: StopReason) => void; forcedMessage?: string } = {}): StopSignals {
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
  for (const s of SIGNALS) process.on(s, handler);
  const onAbort = () => handler('abort');
  options.control?.addEventListener('abort', onAbort, { once: true });
  return {
    stopped,
    abort: controller.signal,
    forced,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
      options.control?.removeEventListener('abort', onAbort);
    },
  };
}
