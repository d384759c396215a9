/**
 * Replaying a stored delivery and recording the attempt, for `hookctl replay` and the
 * inspector's Replay button alike, so the two cannot disagree: where it goes (replayUrl), what
 * is refused (a body kept only in part: ConflictError; an edit that is not JSON: EditError),
 * the request (replay.ts's plan: the stored bytes, or an edit's new bytes signed anew, the
 * stored original never touched), and the attempt it is recorded as (replayAttempt, written
 * through the store's queue).
 *
 * replayAndRecord is the three steps for one delivery (the page). `hookctl replay` runs many
 * through one pool (postAll): the same planStoredReplay builds each request and the same
 * recordReplays writes their attempts, a batch to a transaction.
 */
import { ConflictError } from '../../errors.js';
import type { Store } from '../store/store.js';
import type { AttemptKind, AttemptRecord } from '../store/types.js';
import { post, type DeliveryResult, type PostOptions } from './post.js';
import { notReplayable, planReplay, replayAttempt, type PayloadEdit, type ReplayPlan, type ReplaySource } from './replay.js';

/**
 * Where a replay goes: a URL as given (--to, $HOOKCTL_URL, the page's field); a running
 * listener (the delivery's own path kept, unless the listener takes only its --path); or where
 * each delivery was first received, else `fallback` (the default target).
 */
export type ReplayTarget =
  | { kind: 'url'; url: string }
  | { kind: 'listener'; url: string; path: string | null }
  | { kind: 'received'; fallback: string };

/** A stored delivery's URL for a replay to `target` (`receivedAt`: where it was first received). */
function replayUrl(target: ReplayTarget, receivedAt: string | null): string {
  if (target.kind === 'url') return target.url;
  if (target.kind === 'received') return receivedAt ?? target.fallback;
  if (target.path || !receivedAt) return target.url;
  try {
    const original = new URL(receivedAt);
    return new URL(`${original.pathname}${original.search}`, target.url).href;
  } catch {
    return target.url;
  }
}

export interface StoredReplayRequest {
  target: ReplayTarget;
  /** Sign anew with this secret; without one, the original signatures go (an edit goes unsigned). */
  secret?: string;
  newDeliveryId?: boolean;
  edit?: PayloadEdit;
  /** Recorded as a replay (default), or as the forward it was owed (`replay --not-forwarded`). */
  kind?: AttemptKind;
}

/** A stored delivery: its id, where it was received, and what replay.ts needs of it. */
export type StoredSource = ReplaySource & { id: string; url: string | null };

export interface PlannedReplay {
  id: string;
  kind: AttemptKind;
  plan: ReplayPlan;
}

/** A delivery kept only in part cannot be replayed as received (nor edited from what is left): a ConflictError, with the caller's hints. */
export function assertReplayable(d: StoredSource, edit?: PayloadEdit, details: string[] = []): void {
  const refused = notReplayable(d, edit);
  if (refused) throw new ConflictError(`cannot replay ${d.id}: ${refused}`, details);
}

/** Step 1: the request to send. Throws ConflictError (kept only in part) or EditError (an edit that is not JSON). */
export function planStoredReplay(d: StoredSource, request: StoredReplayRequest): PlannedReplay {
  assertReplayable(d, request.edit);
  const plan = planReplay(d, replayUrl(request.target, d.url), { secret: request.secret, newDeliveryId: request.newDeliveryId, edit: request.edit });
  return { id: d.id, kind: request.kind ?? 'replay', plan };
}

type AttemptStore = Pick<Store, 'enqueue' | 'recordAttempt'>;

/** Step 3: the attempts of sent replays, in one transaction through the store's queue (a StoreError when it cannot be written). */
export function recordReplays(store: AttemptStore, sent: readonly { replay: PlannedReplay; result: DeliveryResult }[]): Promise<AttemptRecord[]> {
  return store.enqueue(() => sent.map(({ replay, result }) => store.recordAttempt(replay.id, replayAttempt(replay.kind, replay.plan, result))));
}

export interface ReplayDone extends PlannedReplay {
  result: DeliveryResult;
  attempt: AttemptRecord;
}

/** Plan, post, record: one stored delivery replayed and its attempt written. */
export async function replayAndRecord(store: AttemptStore, d: StoredSource, request: StoredReplayRequest, postOptions?: PostOptions): Promise<ReplayDone> {
  const replay = planStoredReplay(d, request);
  const result = await post(replay.plan.request, postOptions);
  const [attempt] = await recordReplays(store, [{ replay, result }]);
  return { ...replay, result, attempt };
}
