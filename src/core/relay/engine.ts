/**
 * The relay: the engine behind `hookctl listen`. Receive → verify → keep → answer → forward →
 * check schema, and a typed event for each step. It knows no terminal and no browser: the
 * terminal renderer and the inspector are two subscribers of the same events, and a new
 * subscriber never needs a change here.
 *
 *   receiver.ts  node:http, limits, checks        policy.ts  the one 200/400/401 answer
 *   forward.ts   --forward-to routes and fan-out   drift.ts   schema drift, rate-limited
 */
import type { AddressInfo } from 'node:net';
import { eventMatches } from '../catalog/events.js';
import { DELIVERY_TIMEOUT_MS, isSuccess } from '../deliver/post.js';
import { openDeliveryWriter, type DeliveryWriter } from '../store/listen-writer.js';
import type { StoreHandle } from '../store/store.js';
import { unkeptAttempt } from '../store/fields.js';
import { NOT_FORWARDED, type AttemptRecord, type NewAttempt, type SchemaVerdict, type StoredDelivery } from '../store/types.js';
import { Subscribers } from '../subscribers.js';
import { DriftChecker } from './drift.js';
import { Forwarder, type BacklogChange, type ForwardLimits, type ForwardOutcome, type ForwardRoute, type NotForwarded } from './forward.js';
import { createReceiver, type ReceivedDelivery, type Receiver, type RefusedRequest } from './receiver.js';

export type { ReceivedDelivery };
export { ListenError } from './receiver.js';

export type RelayEvent =
  /** A delivery was kept and answered (200, 400 or 401). `matches`: it passes --events. */
  | { type: 'delivery'; delivery: StoredDelivery; received: ReceivedDelivery; matches: boolean }
  /** A forward of a kept delivery came back (or failed, or was not attempted) and was recorded. */
  | { type: 'forward'; id: string; attempt: AttemptRecord }
  /** The app stopped keeping up: forwards are skipped (stored, answered, not forwarded) until it catches up again. */
  | ({ type: 'backlog' } & BacklogChange)
  /** The schema check of a kept delivery gave a verdict. */
  | { type: 'schema'; id: string; schema: SchemaVerdict }
  /** Everything after the answer is done: forwards and the schema check. */
  | { type: 'settled'; delivery: StoredDelivery; forwards: AttemptRecord[]; matches: boolean }
  /** A request answered without being stored (404, 405, 413, 415, 503). */
  | { type: 'refused'; refused: RefusedRequest }
  /** The store's file was removed or replaced while listening: what it held since is lost (answered 503); a fresh one took over, or could not be opened. */
  | { type: 'store-lost'; file: string; reason: string; error: string | null }
  /**
   * Something after the answer failed (recording a forward, the schema check) or a subscriber
   * threw (`stage: 'subscriber'`, told once per subscriber, to the others). The relay goes on:
   * the delivery is kept and answered, the other subscribers and forwards are unaffected.
   */
  | { type: 'failure'; stage: 'forward' | 'schema' | 'subscriber'; id: string | null; message: string };

export interface RelayOptions {
  /** The store file. */
  store: string;
  secrets: string[];
  /** Accept deliveries only on this path. */
  path?: string;
  routes: ForwardRoute[];
  /** --events: forward (and, for renderers, show) only these; null = all. Everything is stored. */
  events: string[] | null;
  /** Each forward's total deadline (--forward-timeout; default 10 s, GitHub's). */
  forwardTimeoutMs?: number;
  /** Bounds of the forwards in flight and waiting (tests make them small). */
  forwardLimits?: Partial<ForwardLimits>;
}

export interface RelayTotals {
  accepted: number;
  redeliveries: number;
  rejected: number;
  refused: number;
  /** Requests refused as a browser's (403): a web page is never a webhook sender. */
  browser: number;
  forwarded: number;
  forwardFailed: number;
  /** Forwards never attempted: the app was not keeping up, or listen stopped first. */
  notForwarded: number;
  drift: number;
}

/** What a forward that was not attempted is recorded as (store/types NOT_FORWARDED). */
const NOT_FORWARDED_REASON: Record<NotForwarded, string> = {
  backlog: `${NOT_FORWARDED}: the app was not keeping up`,
  stopped: `${NOT_FORWARDED}: listen stopped before it was sent`,
};

export class Relay {
  readonly totals: RelayTotals = { accepted: 0, redeliveries: 0, rejected: 0, refused: 0, browser: 0, forwarded: 0, forwardFailed: 0, notForwarded: 0, drift: 0 };
  private readonly listeners = new Subscribers<RelayEvent>((message, event) => ({ type: 'failure', stage: 'subscriber', id: idOf(event), message }));
  private readonly writer: DeliveryWriter;
  private readonly receiver: Receiver;
  private readonly forwarder: Forwarder;
  private readonly drift = new DriftChecker();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: RelayOptions) {
    this.writer = openDeliveryWriter(options.store, {
      onReplaced: (reason, error) => this.emit({ type: 'store-lost', file: this.writer.file, reason, error: error?.message ?? null }),
    });
    this.forwarder = new Forwarder(options.routes, {
      timeoutMs: options.forwardTimeoutMs,
      limits: options.forwardLimits,
      onBacklog: (change) => this.emit({ type: 'backlog', ...change }),
    });
    this.receiver = createReceiver<Kept>({
      secrets: options.secrets,
      path: options.path,
      sink: (delivery) => this.keep(delivery),
      onDelivery: (received, kept) => this.answered(received, kept),
      onRefused: (refused) => {
        this.totals.refused++;
        if (refused.browser) this.totals.browser++;
        this.emit({ type: 'refused', refused });
      },
    });
  }

  /** The store file as opened. */
  get storeFile(): string {
    return this.writer.file;
  }

  /** The store as the relay writes it: the inspector and catch-up read through this one connection. */
  get store(): StoreHandle {
    return this.writer;
  }

  /** Receive every event; returns the unsubscribe function. */
  subscribe(listener: (event: RelayEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return this.receiver.listen(port, host);
  }

  setSecrets(secrets: string[]): void {
    this.receiver.setSecrets(secrets);
  }

  secretCount(): number {
    return this.receiver.secretCount();
  }

  /**
   * Stop accepting and answer what is in flight; forwards still waiting are recorded as not
   * forwarded, those in flight finish within their deadline; then close the store.
   */
  async stop(): Promise<void> {
    await this.receiver.close();
    this.forwarder.stop();
    const grace = (this.options.forwardTimeoutMs ?? DELIVERY_TIMEOUT_MS) + 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => (timer = setTimeout(r, grace)))]);
    clearTimeout(timer);
    await this.forwarder.close();
    this.writer.close();
  }

  /** Close without listening (start-up failed). */
  closeStore(): void {
    this.writer.close();
  }

  /** Every subscriber in its own try (core/subscribers.ts): one that throws is told about once and the rest go on. */
  private emit(event: RelayEvent): void {
    this.listeners.emit(event);
  }

  /**
   * Keep a delivery; the app is sent it as soon as its row is committed, while the WAL's
   * fdatasync (which the 200 waits for) runs: the app may see a delivery a crash then loses and
   * whose sender was answered 503 and sends again (at least once, as GitHub itself). Its
   * outcome is recorded after the answer (forward()), so events keep their order. The forward
   * travels with the answer, not in a map of the relay's: one keyed by delivery until its
   * answer measured +30 MB of peak RSS under a forward backlog (1 MiB bodies freed later by
   * the collector, not retained).
   */
  private keep(received: ReceivedDelivery): Promise<Kept> {
    // Decided once per delivery: whether --events shows it, and so whether it is forwarded.
    const matches = eventMatches(this.options.events, received.event, received.action);
    let forwarding: Promise<ForwardOutcome[]> | null = null;
    const onCommitted = received.status === 200 && received.event !== null && matches
      ? () => {
          forwarding = this.forwarder.forward({ event: received.event!, action: received.action, rawHeaders: received.rawHeaders, body: received.body });
        }
      : undefined;
    // Not kept (a rejection: 503): a forward already started goes on, unrecorded.
    return this.writer.receive(received, onCommitted).then((stored) => ({ id: stored.id, attempt: stored.attempt, stored, matches, forwarding }));
  }

  private answered(received: ReceivedDelivery, { stored, matches, forwarding }: Kept): void {
    const accepted = received.status === 200;
    if (accepted) {
      this.totals.accepted++;
      if (stored.attempt > 1) this.totals.redeliveries++;
    } else this.totals.rejected++;
    this.emit({ type: 'delivery', delivery: stored, received, matches });
    const work = this.afterAnswer(received, stored, matches, forwarding);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async afterAnswer(received: ReceivedDelivery, stored: StoredDelivery, matches: boolean, forwarding: Promise<ForwardOutcome[]> | null): Promise<void> {
    const accepted = received.status === 200 && received.event !== null;
    // Each part reports its own failure and leaves the delivery settled: a renderer waiting
    // for `settled` (--json) always gets its record.
    const [forwards, schema] = await Promise.all([
      accepted && matches ? this.forward(received, stored, forwarding).catch((err): AttemptRecord[] => this.failed('forward', stored.id, err, [])) : [],
      accepted ? this.checkSchema(received, stored).catch((err) => this.failed('schema', stored.id, err, null)) : null,
    ]);
    const delivery = { ...stored, schema: schema ?? stored.schema, forward: forwards.length ? forwards[forwards.length - 1] : null };
    this.emit({ type: 'settled', delivery, forwards, matches });
  }

  private failed<T>(stage: 'forward' | 'schema', id: string, err: unknown, value: T): T {
    this.emit({ type: 'failure', stage, id, message: errorMessage(err) });
    return value;
  }

  /** Record the outcomes of the forward keep() started when the delivery was committed. */
  private async forward(received: ReceivedDelivery, stored: StoredDelivery, forwarding: Promise<ForwardOutcome[]> | null): Promise<AttemptRecord[]> {
    const outcomes = (await forwarding) ?? [];
    const records: AttemptRecord[] = [];
    for (const outcome of outcomes) {
      const attempt = attemptOf(outcome);
      const record = await this.writer.recordAttempt(stored.id, attempt).catch(() => unkeptAttempt(attempt, received.body.length));
      records.push(record);
      if ('notForwarded' in outcome) this.totals.notForwarded++;
      else if (isSuccess(outcome)) this.totals.forwarded++;
      else this.totals.forwardFailed++;
      this.emit({ type: 'forward', id: stored.id, attempt: record });
    }
    return records;
  }

  private async checkSchema(received: ReceivedDelivery, stored: StoredDelivery): Promise<SchemaVerdict | null> {
    const verdict = await this.drift.check({ event: received.event!, action: received.action, bodyKind: received.bodyKind, body: received.body });
    if (!verdict) return null;
    await this.writer.setSchemaVerdict(stored.id, verdict).catch((err) => this.failed('schema', stored.id, err, undefined));
    if (verdict.status === 'invalid') this.totals.drift++;
    this.emit({ type: 'schema', id: stored.id, schema: verdict });
    return verdict;
  }
}

/** What the store's sink gives the receiver: the answer's id and attempt, the row, and the forward started once it was committed. */
interface Kept {
  id: string;
  attempt: number;
  stored: StoredDelivery;
  /** Whether --events shows it (and so forwards it). */
  matches: boolean;
  forwarding: Promise<ForwardOutcome[]> | null;
}

/** The attempt a forward's outcome is recorded as. */
function attemptOf(outcome: ForwardOutcome): NewAttempt & { kind: 'forward'; status: number | null; durationMs: number; error: string | null } {
  if ('notForwarded' in outcome) return { kind: 'forward', url: outcome.url, status: null, durationMs: 0, error: NOT_FORWARDED_REASON[outcome.notForwarded], response: null };
  return { kind: 'forward', url: outcome.url, status: outcome.status, durationMs: outcome.durationMs, error: outcome.error, response: outcome.responseSnippet ?? null };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The delivery an event is about, if any. */
function idOf(event: RelayEvent): string | null {
  if ('id' in event && typeof event.id === 'string') return event.id;
  return 'delivery' in event ? event.delivery.id : null;
}
