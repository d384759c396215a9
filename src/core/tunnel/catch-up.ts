/**
 * A tunnel session's catch-up: once the hook points at the tunnel, and after each restart,
 * what the hook's delivery log holds and the store lacks is asked to be redelivered
 * (core/github/catch-up.ts decides what). In the background (receiving never waits for it),
 * one at a time, its result reported as an event.
 */
import { catchUp } from '../github/catch-up.js';
import type { TunnelEvent } from './events.js';
import type { HookBinding } from './hook-binding.js';

/** What catch-up reads from the store, open for one catch-up. */
export interface CatchUpReader {
  /** When the newest delivery stored from this hook was received (null: none). */
  newestFrom(hookId: number): Date | null;
  /** Does the store hold this X-GitHub-Delivery? */
  has(deliveryGuid: string): boolean;
  close(): void;
}

export class CatchUpRunner {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly binding: HookBinding,
    private readonly openReader: () => CatchUpReader,
    private readonly now: () => Date,
    private readonly emit: (event: TunnelEvent) => void,
  ) {}

  /**
   * Catch up now, or once the catch-up under way ends (two at once would both read the same
   * "asked" and ask GitHub twice for the same deliveries).
   */
  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.once()
      .catch((err: Error) => this.emit({ type: 'catch-up-failed', hook: this.binding.name, message: err.message }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.run();
        }
      });
  }

  private async once(): Promise<void> {
    const binding = this.binding;
    let hookId = binding.hookId;
    if (hookId === null && binding.learnHookId) {
      hookId = await binding.learnHookId();
      // Learnt from the log's newest entry: none means the log is empty, nothing to catch up.
      if (hookId === null) return;
    }
    const reader = this.openReader();
    let result;
    try {
      result = await catchUp({
        log: binding.log(),
        redeliver: (d) => binding.redeliver(d),
        stored: (guid) => reader.has(guid),
        newestStored: hookId === null ? null : reader.newestFrom(hookId),
        asked: binding.asked(),
        remember: (guid, entry) => binding.remember(guid, entry),
        now: this.now(),
      });
    } finally {
      reader.close();
    }
    this.emit({
      type: 'catch-up',
      hook: binding.name,
      redelivered: result.redelivered.map((d) => d.guid),
      lost: result.lost.map((d) => ({ deliveryId: d.guid, deliveredAt: d.delivered_at })),
      failed: result.failed.map((f) => ({ deliveryId: f.delivery.guid, error: f.error })),
      more: result.more,
      pullCommand: binding.pullCommand,
    });
  }
}
