/**
 * An engine's subscribers: each called in its own try, so one that throws cannot stop the
 * engine or the others; its failure is told once, to the others, as an event the engine
 * shapes (STYLE "a subscriber is a guest"). Knows nothing of any engine's events.
 */
export class Subscribers<E extends { type: string }> {
  /** Each subscriber, and whether its failure was told already (once is enough). */
  private readonly listeners = new Map<(event: E) => void, { failed: boolean }>();

  /** `failure`: the event that tells the others a subscriber failed on `event`. */
  constructor(private readonly failure: (message: string, event: E) => E) {}

  /** Returns the unsubscribe function. */
  add(listener: (event: E) => void): () => void {
    this.listeners.set(listener, { failed: false });
    return () => this.listeners.delete(listener);
  }

  emit(event: E): void {
    for (const [listener, state] of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        if (state.failed) continue;
        state.failed = true;
        const message = `a subscriber failed on a ${event.type} event: ${err instanceof Error ? err.message : String(err)}`;
        this.tellOthers(listener, this.failure(message, event));
      }
    }
  }

  private tellOthers(failed: (event: E) => void, event: E): void {
    for (const listener of this.listeners.keys()) {
      if (listener === failed) continue;
      try {
        listener(event);
      } catch {
        // Its own failure is told when it fails on an event of the engine's.
      }
    }
  }
}
