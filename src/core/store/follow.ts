/**
 * Following a store: what OTHER writers did since the last turn — another listener's
 * deliveries, attempts and schema verdicts, `hookctl replay`'s attempts, `deliveries rm` and
 * `prune` — each told once, in order. What this process writes itself is never told here
 * (its writers tell it: the relay, the inspector's backend): a row, an attempt and a change
 * carry the id of the store that wrote it.
 *
 * New rows and attempts are found by row number (AUTOINCREMENT: never reused, so a deletion
 * never looks like anything else); removals and verdicts by the change log, kept to
 * CHANGES_KEPT entries. A follower further behind than the log keeps, one that would have to
 * tell more than FOLLOW_LIMIT of anything in one turn, and one whose file was replaced (a new
 * Store from the handle: file identity, not row numbers) gets a `reset` instead: start over
 * from the list. Each turn reads one snapshot of the file.
 */
import { ATTEMPT_COLUMNS, SUMMARY_COLUMNS, toAttempt, toSummary } from './fields.js';
import type { Store, StoreHandle } from './store.js';
import type { AttemptRecord, DeliverySummary } from './types.js';

export type StoreChange =
  | { type: 'delivery'; delivery: DeliverySummary }
  | { type: 'attempt'; id: string; attempt: AttemptRecord }
  /** A row whose forward, replay count or schema verdict changed: as it is now. */
  | { type: 'updated'; delivery: DeliverySummary }
  | { type: 'removed'; id: string }
  /** What was told before no longer holds (another file, or too much to tell): read it all again. */
  | { type: 'reset' };

/** The most new rows, attempts or changes one turn tells; more is a reset. */
export const FOLLOW_LIMIT = 1000;

const HEADS = `SELECT (SELECT COALESCE(MAX(seq), 0) FROM deliveries) AS delivery,
  (SELECT COALESCE(MAX(seq), 0) FROM attempts) AS attempt, (SELECT COALESCE(MAX(seq), 0) FROM changes) AS change,
  (SELECT MIN(seq) FROM changes) AS oldestChange`;
const NEW_ROWS = `SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.seq > ? AND d.writer IS NOT ? ORDER BY d.seq LIMIT ?`;
const NEW_ATTEMPTS = `SELECT d.id AS deliveryLocalId, ${ATTEMPT_COLUMNS}
  FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq WHERE a.seq > ? AND a.writer IS NOT ? ORDER BY a.seq LIMIT ?`;
const NEW_CHANGES = 'SELECT kind, delivery_id AS id FROM changes WHERE seq > ? AND writer IS NOT ? ORDER BY seq LIMIT ?';
const ROW = `SELECT ${SUMMARY_COLUMNS} FROM deliveries d WHERE d.id = ?`;

interface Heads {
  delivery: number;
  attempt: number;
  change: number;
  oldestChange: number | null;
}

export class StoreFollower {
  private store: Store;
  private told: Heads;

  constructor(private readonly handle: StoreHandle) {
    this.store = handle.current();
    this.told = this.heads(this.store);
  }

  /** What other writers did since the last turn (or since the follower was made), in order. */
  turn(): StoreChange[] {
    const store = this.handle.current();
    if (store !== this.store) return this.reset(store);
    return store.snapshot(() => this.read(store));
  }

  private heads(store: Store): Heads {
    return store.prepared(HEADS).get() as Heads;
  }

  private reset(store: Store): StoreChange[] {
    this.store = store;
    this.told = store.snapshot(() => this.heads(store));
    return [{ type: 'reset' }];
  }

  private read(store: Store): StoreChange[] {
    const heads = this.heads(store);
    // Changes trimmed before this follower read them: it cannot know what it missed.
    if (heads.oldestChange !== null && heads.oldestChange > this.told.change + 1) return this.reset(store);
    const me = store.writerId;
    const rows = (store.prepared(NEW_ROWS).all(this.told.delivery, me, FOLLOW_LIMIT + 1) as Record<string, unknown>[]).map(toSummary);
    const attempts = store.prepared(NEW_ATTEMPTS).all(this.told.attempt, me, FOLLOW_LIMIT + 1) as Record<string, unknown>[];
    const changes = store.prepared(NEW_CHANGES).all(this.told.change, me, FOLLOW_LIMIT + 1) as { kind: string; id: string }[];
    if (rows.length > FOLLOW_LIMIT || attempts.length > FOLLOW_LIMIT || changes.length > FOLLOW_LIMIT) return this.reset(store);
    // Row numbers only grow (AUTOINCREMENT), but the newest rows may have been deleted.
    this.told = {
      delivery: Math.max(this.told.delivery, heads.delivery),
      attempt: Math.max(this.told.attempt, heads.attempt),
      change: Math.max(this.told.change, heads.change),
      oldestChange: heads.oldestChange,
    };

    const told: StoreChange[] = rows.map((delivery) => ({ type: 'delivery', delivery }));
    const fresh = new Set(rows.map((row) => row.id));
    const changed = new Set<string>();
    for (const row of attempts) {
      const { deliveryLocalId, ...rest } = row;
      const id = deliveryLocalId as string;
      told.push({ type: 'attempt', id, attempt: toAttempt(rest) });
      changed.add(id);
    }
    const removed = new Set(changes.filter((change) => change.kind === 'removed').map((change) => change.id));
    for (const change of changes) if (change.kind === 'schema') changed.add(change.id);
    // A row told new this turn is told as it is now already; a removed one is gone.
    for (const id of changed) {
      if (fresh.has(id) || removed.has(id)) continue;
      const row = store.prepared(ROW).get(id) as Record<string, unknown> | undefined;
      if (row) told.push({ type: 'updated', delivery: toSummary(row) });
    }
    for (const id of removed) told.push({ type: 'removed', id });
    return told;
  }
}
