/**
 * The inspector's live events, one feed per fact: a fact is told by whoever made it, once.
 * Inside `listen` the relay's events tell its deliveries, forwards and schema verdicts; the
 * backend tells what it does itself (a replay, a deletion); following the store tells only
 * what other processes wrote (another listener on the same store, `hookctl replay`,
 * `deliveries rm` or `prune` in another shell), in `hookctl inspect` and inside listen alike.
 * Nothing is reconciled: no source ever tells what another tells.
 *
 * Each subscription has a filter; a delivery (new or updated) reaches it only when the store
 * says the row matches (the very query of the list: filter.ts), so a page decides nothing.
 */
import type { RelayEvent } from '../relay/engine.js';
import { StoreFollower, type StoreChange } from '../store/follow.js';
import { toRecord } from '../store/records.js';
import type { StoreHandle } from '../store/store.js';
import type { DeliveryFilter } from '../store/types.js';
import type { InspectorEvent } from './backend.js';

export interface LiveOptions {
  store: StoreHandle;
  /** The relay's events (inside listen). */
  relay?: { subscribe(listener: (event: RelayEvent) => void): () => void };
  /** Runs the follower's `turn` now and then until the returned function is called (see every()). */
  follow: (turn: () => void) => () => void;
}

interface Subscription {
  listener: (event: InspectorEvent) => void;
  /** null: everything. */
  filter: DeliveryFilter | null;
}

/** A turn every `ms` (unref'd: following never keeps the process alive). */
export function every(ms: number): (turn: () => void) => () => void {
  return (turn) => {
    const timer = setInterval(turn, ms);
    timer.unref();
    return () => clearInterval(timer);
  };
}

export class LiveFeed {
  private readonly subscriptions = new Set<Subscription>();
  private stop: (() => void) | null = null;

  constructor(private readonly options: LiveOptions) {}

  /** Events matching `filter` (null: all) until the returned function is called; the feeds run while anyone listens. */
  subscribe(listener: (event: InspectorEvent) => void, filter: DeliveryFilter | null): () => void {
    const subscription = { listener, filter };
    this.subscriptions.add(subscription);
    if (this.subscriptions.size === 1) this.stop = this.start();
    return () => {
      if (!this.subscriptions.delete(subscription) || this.subscriptions.size > 0) return;
      this.stop?.();
      this.stop = null;
    };
  }

  /** A fact the backend made itself (a replay's attempt, a deletion). */
  tell(event: InspectorEvent): void {
    for (const subscription of [...this.subscriptions]) {
      try {
        if (this.belongs(subscription, event)) subscription.listener(event);
      } catch {
        // One subscriber's failure (a store busy for its filter) is not the others'.
      }
    }
  }

  close(): void {
    this.subscriptions.clear();
    this.stop?.();
    this.stop = null;
  }

  private belongs(subscription: Subscription, event: InspectorEvent): boolean {
    if (!subscription.filter || (event.type !== 'delivery' && event.type !== 'updated')) return true;
    return this.options.store.current().matches(subscription.filter, event.delivery.id);
  }

  private start(): () => void {
    const stopRelay = this.options.relay?.subscribe((event) => this.fromRelay(event));
    const follower = new StoreFollower(this.options.store);
    const stopFollowing = this.options.follow(() => {
      let changes: StoreChange[];
      try {
        changes = follower.turn();
      } catch {
        // The store is busy or being replaced: the next turn catches up.
        return;
      }
      for (const change of changes) this.tell(fromStore(change));
    });
    return () => {
      stopFollowing();
      stopRelay?.();
    };
  }

  private fromRelay(event: RelayEvent): void {
    if (event.type === 'delivery') this.tell({ type: 'delivery', delivery: toRecord(event.delivery) });
    else if (event.type === 'forward') this.tell({ type: 'attempt', id: event.id, attempt: event.attempt });
    // Nothing forwarded and no schema verdict: the row is as the page was told it (most
    // deliveries under load, where the schema check is rate limited), so no second record.
    else if (event.type === 'settled' && (event.forwards.length > 0 || event.delivery.schema !== null)) {
      this.tell({ type: 'updated', delivery: toRecord(event.delivery, event.forwards) });
    }
  }
}

function fromStore(change: StoreChange): InspectorEvent {
  if (change.type === 'delivery' || change.type === 'updated') return { type: change.type, delivery: toRecord(change.delivery) };
  return change;
}
