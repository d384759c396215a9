/**
 * The one signal policy (commands/shared/signals.ts) that listen, tunnel and inspect stop
 * through: the first Ctrl+C, SIGTERM or SIGHUP stops gracefully; a second one stops at once
 * with InterruptedError (exit 130) after what must still happen (the hook's release) got its
 * 3 s at most. Signals come from an emitter here (one test uses the process's own); the 3 s
 * run on a fake clock. Isolated: it fakes timers and adds listeners to the process.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { AT_ONCE_MS, stopSignals, type StopSignals } from '../../src/commands/shared/signals.js';

/** A promise and its resolve, to play a graceful stop or a release that the test ends. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** How a promise has settled so far: 'pending', 'resolved' or the error. */
function watch(promise: Promise<unknown>): () => 'pending' | 'resolved' | unknown {
  let state: 'pending' | 'resolved' | unknown = 'pending';
  promise.then(
    () => (state = 'resolved'),
    (err: unknown) => (state = err),
  );
  return () => state;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('the signal policy', () => {
  let signals: StopSignals | undefined;
  let source: EventEmitter;
  const policy = (options: Parameters<typeof stopSignals>[0] = {}) => {
    source = new EventEmitter();
    signals = stopSignals({ source, ...options });
    return signals;
  };

  afterEach(() => {
    signals?.dispose();
    signals = undefined;
    vi.useRealTimers();
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s stops gracefully: start-up work is aborted, the graceful stop runs to its end, no error', async (first) => {
    const s = policy();
    const stopped = watch(s.stopped);
    await flush();
    expect(stopped()).toBe('pending');
    source.emit(first);
    expect(await s.stopped).toBe(first);
    expect(s.abort.aborted).toBe(true);
    const graceful = deferred();
    const stop = watch(s.stop(() => graceful.promise));
    await flush();
    expect(stop()).toBe('pending');
    graceful.resolve();
    await flush();
    expect(stop()).toBe('resolved');
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('a second signal (%s) cuts the graceful stop short: the hook release is still attempted and awaited, then InterruptedError (exit 130)', async (second) => {
    const s = policy();
    source.emit('SIGINT');
    const order: string[] = [];
    const release = deferred();
    const stop = s.stop(
      () => new Promise<void>(() => undefined), // a forward that hangs
      async () => {
        order.push('release asked');
        await release.promise;
        order.push('release done');
      },
    );
    const state = watch(stop);
    source.emit(second);
    await flush();
    expect(order).toEqual(['release asked']);
    expect(state()).toBe('pending'); // the release under way is waited for
    release.resolve();
    const err = await stop.catch((e: unknown) => e);
    expect(order).toEqual(['release asked', 'release done']);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).exitCode).toBe(130);
    expect((err as InterruptedError).message).toBe('Stopped at once.');
  });

  it(`a release that hangs gets ${AT_ONCE_MS} ms after the second signal, not a millisecond more`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(AT_ONCE_MS).toBe(3000);
    const s = policy();
    source.emit('SIGTERM');
    let asked = 0;
    const state = watch(
      s.stop(
        () => new Promise<void>(() => undefined),
        () => {
          asked++;
          return new Promise<void>(() => undefined);
        },
      ),
    );
    source.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(2999);
    expect(asked).toBe(1);
    expect(state()).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(state()).toBeInstanceOf(InterruptedError);
  });

  it('a release that fails does not hide the stop at once', async () => {
    const s = policy();
    source.emit('SIGINT');
    const stop = s.stop(
      () => new Promise<void>(() => undefined),
      () => Promise.reject(new Error('GitHub is down')),
    );
    source.emit('SIGINT');
    await expect(stop).rejects.toBeInstanceOf(InterruptedError);
  });

  it('the control signal (a test, a caller) counts as the first stop, but never as the second', async () => {
    const control = new AbortController();
    const s = policy({ control: control.signal });
    control.abort();
    expect(await s.stopped).toBe('abort');
    const graceful = deferred();
    const state = watch(s.stop(() => graceful.promise));
    source.emit('SIGINT'); // a real one after it: stopped at once
    await flush();
    expect(state()).toBeInstanceOf(InterruptedError);
  });

  it('until(): the first signal, or the other promise (a tunnel that died) if it comes first', async () => {
    const s = policy();
    const died = deferred<Error>();
    const first = s.until(died.promise);
    died.resolve(new Error('the tunnel died'));
    expect(await first).toEqual({ value: new Error('the tunnel died') });
    const again = s.until(new Promise<never>(() => undefined));
    source.emit('SIGHUP');
    expect(await again).toEqual({ signal: 'SIGHUP' });
    expect(await s.until(undefined)).toEqual({ signal: 'SIGHUP' });
  });

  it("by default listens to the process's own signals, and dispose() takes every handler away", () => {
    const before = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => process.listenerCount(sig));
    const s = stopSignals();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => process.listenerCount(sig))).toEqual(before.map((n) => n + 1));
    s.dispose();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => process.listenerCount(sig))).toEqual(before);
    const t = policy();
    t.dispose();
    expect(source.eventNames()).toEqual([]);
  });
});
