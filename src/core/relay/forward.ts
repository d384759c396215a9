/**
 * Where listen forwards a delivery (--forward-to [EVENT=]URL routes) and the fan-out itself:
 * the exact bytes and original headers (minus hop-by-hop) to every target, over one pool.
 *
 * Bounded: at most `inFlight` posts at once, and at most `deliveries` deliveries (and `bytes`
 * of their bodies) posted or waiting. A delivery beyond that is not forwarded (`backlog`): it
 * was stored and answered all the same, and `replay --not-forwarded` sends it later. An app
 * that hangs therefore costs the listener at most those bytes, whatever arrives. Stopping
 * forwards nothing more: what still waits is `stopped`, what is in flight finishes within its
 * deadline.
 */
import { parseEventList } from '../catalog/events.js';
import type { DeliveryResult } from '../deliver/post.js';
import { parseTargetUrl } from '../deliver/url.js';
import { forwardableHeaders } from '../webhook/headers.js';

export interface ForwardRoute {
  /** Events (event or event.action) this route takes; null = every event not routed elsewhere. */
  events: string[] | null;
  url: string;
}

/** `EVENT=URL` or `URL`; EVENT may be a comma list, event.action, or `*`. Names are checked. */
export function parseForwardRoutes(values: string[]): ForwardRoute[] {
  return values.map((value) => {
    const m = /^([A-Za-z0-9_.,*-]+)=(.+)$/.exec(value);
    const [events, url] = m && !/^https?:/i.test(value) ? [parseEventList(m[1], { flag: '--forward-to' }), m[2]] : [null, value];
    parseTargetUrl(url, { field: '--forward-to', details: ['Use --forward-to http://localhost:3000/webhooks or --forward-to push=http://localhost:3000/push'] });
    return { events, url };
  });
}

/** Where a delivery goes: the routes naming its event (or event.action), else the catch-alls. */
function routesFor(routes: readonly ForwardRoute[], event: string, action: string | null): string[] {
  const names = action ? [event, `${event}.${action}`] : [event];
  const named = routes.filter((r) => r.events?.some((e) => names.includes(e)));
  return (named.length ? named : routes.filter((r) => r.events === null)).map((r) => r.url);
}

export interface ForwardLimits {
  /** Posts at once (the pool's connections). */
  inFlight: number;
  /** Deliveries being forwarded or waiting to be, at most. */
  deliveries: number;
  /** Bytes of their bodies, at most (a bigger body still goes when nothing else is held). */
  bytes: number;
}

const FORWARD_LIMITS: ForwardLimits = { inFlight: 32, deliveries: 1000, bytes: 8 * 1024 * 1024 };

/** Why a forward was not attempted: the app was not keeping up, or listen stopped first. */
export type NotForwarded = 'backlog' | 'stopped';

/** What became of one target's forward: a post's result, or not attempted. */
export type ForwardOutcome = DeliveryResult | { url: string; notForwarded: NotForwarded };

/** The app stopped keeping up (`full`), or caught up again (`cleared`, with what was skipped meanwhile). */
export type BacklogChange = { state: 'full'; deliveries: number; bytes: number } | { state: 'cleared'; skipped: number };

export interface ForwarderOptions {
  /** Each post's total deadline. */
  timeoutMs?: number;
  limits?: Partial<ForwardLimits>;
  /** Told once when forwards start being skipped, and once when they no longer are. */
  onBacklog?: (change: BacklogChange) => void;
}

type Deliver = Pick<typeof import('../deliver/post.js'), 'createNodePool' | 'post'>;

interface Held {
  body: Uint8Array;
  headers: Record<string, string>;
  outcomes: ForwardOutcome[];
  remaining: number;
  resolve: (outcomes: ForwardOutcome[]) => void;
}

interface Job {
  held: Held;
  index: number;
  url: string;
}

/** Forwards over one keep-alive pool (created on the first forward), bounded as said above. */
export class Forwarder {
  private deliver: Promise<Deliver> | undefined;
  private pool: import('../deliver/post.js').NodePool | undefined;
  private readonly limits: ForwardLimits;
  private waiting: Job[] = [];
  private running = 0;
  private heldDeliveries = 0;
  private heldBytes = 0;
  private stopped = false;
  /** Set while forwards are being skipped: how many so far. */
  private burst: { skipped: number } | null = null;

  constructor(
    readonly routes: readonly ForwardRoute[],
    private readonly options: ForwarderOptions = {},
  ) {
    this.limits = { ...FORWARD_LIMITS, ...options.limits };
  }

  /**
   * POST the delivery to every target of its route; one outcome per target, in route order.
   * Queued synchronously (stopping right after a call still counts the delivery as waiting).
   */
  forward(d: { event: string; action: string | null; rawHeaders: readonly string[]; body: Uint8Array }): Promise<ForwardOutcome[]> {
    const targets = routesFor(this.routes, d.event, d.action);
    if (targets.length === 0) return Promise.resolve([]);
    if (this.stopped) return Promise.resolve(targets.map((url) => ({ url, notForwarded: 'stopped' as const })));
    const bytes = d.body.byteLength;
    const full = this.heldDeliveries >= this.limits.deliveries || (this.heldDeliveries > 0 && this.heldBytes + bytes > this.limits.bytes);
    if (full) {
      this.skip();
      return Promise.resolve(targets.map((url) => ({ url, notForwarded: 'backlog' as const })));
    }
    this.heldDeliveries++;
    this.heldBytes += bytes;
    return new Promise<ForwardOutcome[]>((resolve) => {
      const held: Held = { body: d.body, headers: forwardableHeaders(d.rawHeaders), outcomes: [], remaining: targets.length, resolve };
      targets.forEach((url, index) => this.waiting.push({ held, index, url }));
      this.pump();
    });
  }

  /** Deliveries held (in flight or waiting) and their bytes. */
  get load(): { deliveries: number; bytes: number } {
    return { deliveries: this.heldDeliveries, bytes: this.heldBytes };
  }

  /** Start nothing more: what waits is not forwarded (`stopped`); what is in flight goes on. */
  stop(): void {
    this.stopped = true;
    const waiting = this.waiting;
    this.waiting = [];
    for (const job of waiting) this.settle(job, { url: job.url, notForwarded: 'stopped' });
  }

  /** Close the pool at once (call after stop() and once what was in flight is done or given up on). */
  async close(): Promise<void> {
    this.stop();
    this.pool?.destroy();
  }

  private skip(): void {
    if (this.burst) {
      this.burst.skipped++;
      return;
    }
    this.burst = { skipped: 1 };
    this.options.onBacklog?.({ state: 'full', deliveries: this.heldDeliveries, bytes: this.heldBytes });
  }

  private pump(): void {
    while (this.running < this.limits.inFlight && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.post(job);
    }
  }

  private async post(job: Job): Promise<void> {
    let outcome: ForwardOutcome;
    try {
      const deliver = await (this.deliver ??= import('../deliver/post.js').then(({ createNodePool, post }) => ({ createNodePool, post })));
      this.pool ??= deliver.createNodePool(this.limits.inFlight);
      const agent = await this.pool.agentFor(job.url);
      outcome = await deliver.post({ url: job.url, body: job.held.body, headers: job.held.headers }, { agent, timeoutMs: this.options.timeoutMs });
    } catch (err) {
      outcome = { url: job.url, status: null, durationMs: 0, error: (err as Error).message };
    }
    this.running--;
    this.settle(job, outcome);
    this.pump();
  }

  private settle(job: Job, outcome: ForwardOutcome): void {
    const { held } = job;
    held.outcomes[job.index] = outcome;
    if (--held.remaining > 0) return;
    this.heldDeliveries--;
    this.heldBytes -= held.body.byteLength;
    held.resolve(held.outcomes);
    // Caught up: half the room is free again (stopping is not catching up).
    if (this.burst && !this.stopped && this.heldDeliveries <= this.limits.deliveries / 2 && this.heldBytes <= this.limits.bytes / 2) {
      const { skipped } = this.burst;
      this.burst = null;
      this.options.onBacklog?.({ state: 'cleared', skipped });
    }
  }
}
