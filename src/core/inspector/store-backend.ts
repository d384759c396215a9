/**
 * The inspector's backend over a delivery store: what the page lists, shows, replays, edits,
 * validates and sends. Live events come from the relay when the inspector runs inside
 * `listen`, and from following the store (new rows and attempts other processes write, e.g. a
 * listener in another terminal or `hookctl replay`) — only while a page is open.
 */
import { createHash } from 'node:crypto';
import { entryName, loadIndex, loadPayloadBytes, resolve } from '../catalog/catalog.js';
import { buildSample } from '../catalog/sample.js';
import { UsageError } from '../../errors.js';
import { curlCommand, fixture } from '../deliver/export.js';
import { post } from '../deliver/post.js';
import { compactJson, EditError, payloadText, planReplay, TruncatedBodyError } from '../deliver/replay.js';
import { parseTargetUrl } from '../deliver/url.js';
import type { RelayEvent } from '../relay/engine.js';
import { toRecord } from '../store/records.js';
import { FileIdentity } from '../store/file.js';
import { openStore, StoreError, type Store } from '../store/store.js';
import type { AttemptRecord, DeliveryFilter, DeliverySummary, SignatureVerdict } from '../store/types.js';
import { headerPairs } from '../webhook/headers.js';
import { describeJsonError } from '../webhook/payload.js';
import {
  InspectorError,
  type DeliveryDetail,
  type DeliveryPage,
  type DeliveryQuery,
  type InspectorBackend,
  type InspectorEvent,
  type InspectorInfo,
  type ReplayRequest,
  type SendRequest,
  type ValidationOutcome,
} from './backend.js';

export interface StoreBackendOptions {
  store: string;
  version: string;
  /** The listener's secret (it may change: the tunnel's generated one): replays and samples are signed with it; never exposed. */
  secret?: () => string | undefined;
  /** The listener's local URL (inside listen). */
  listener?: string | null;
  /** Where a sample goes by default (the listener; else the contract's http://127.0.0.1:5000/). */
  defaultTarget?: string;
  /** The tunnel's public payload URL, when tunnelling (may change on a restart). */
  publicUrl?: () => string | null;
  forwardTargets?: string[];
  /** The relay's events (inside listen). */
  relay?: { subscribe(listener: (event: RelayEvent) => void): () => void };
  /** How often the store is followed for what other processes write (default 200 ms). */
  followMs?: number;
}

/** How long one payload search may scan before it answers (then the page asks for more). */
const SEARCH_BUDGET_MS = 80;
/** How long one synchronous slice of it may hold the event loop. */
const SEARCH_SLICE_MS = 5;
const DEFAULT_PAGE = 50;

function cursorOf(seq: number): string {
  return `s${seq}`;
}

function seqOfCursor(cursor: string): number {
  const m = /^s(\d+)$/.exec(cursor);
  if (!m) throw new InspectorError(400, `not a cursor of this store: "${cursor}"`);
  return Number(m[1]);
}

function isoDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InspectorError(400, `${name} is not an ISO 8601 date: "${value}"`);
  return d;
}

export class StoreBackend implements InspectorBackend {
  private opened: { store: Store; identity: FileIdentity } | null = null;
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  private stopLive: (() => void) | null = null;

  constructor(private readonly options: StoreBackendOptions) {
    // Opened now, so a store that cannot be opened fails at start, not at the first request.
    this.opened = this.open();
  }

  private open(): { store: Store; identity: FileIdentity } {
    const store = openStore(this.options.store, { waitForLock: 'event-loop' });
    return { store, identity: new FileIdentity(store.file) };
  }

  /**
   * Its own connection, reopened when the path names another file (a store removed and
   * started afresh by listen); waiting for another writer's lock never blocks the event loop.
   */
  private get store(): Store {
    if (this.opened && this.opened.identity.problem(null) === null) return this.opened.store;
    this.closeStore();
    const opened = this.open();
    this.opened = opened;
    return opened.store;
  }

  private closeStore(): void {
    if (!this.opened) return;
    this.opened.identity.close();
    this.opened.store.close();
    this.opened = null;
  }

  info(): InspectorInfo {
    return {
      version: this.options.version,
      store: this.store.file,
      listener: this.options.listener ?? null,
      publicUrl: this.options.publicUrl?.() ?? null,
      forwardTargets: this.options.forwardTargets ?? [],
      canSign: Boolean(this.options.secret?.()),
    };
  }

  async list(query: DeliveryQuery): Promise<DeliveryPage> {
    const limit = Math.min(200, Math.max(1, query.limit ?? DEFAULT_PAGE));
    const filter: DeliveryFilter = {
      event: query.event,
      repository: query.repository,
      sender: query.sender,
      status: query.status,
      signature: query.signature as SignatureVerdict | undefined,
      drift: query.drift,
      since: isoDate(query.since, 'since'),
      until: isoDate(query.until, 'until'),
      beforeSeq: query.cursor ? seqOfCursor(query.cursor) : undefined,
    };
    if (query.q) return this.search(filter, query.q, limit);
    const rows = this.store.list({ ...filter, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { deliveries: page.map((r) => toRecord(r)), next: rows.length > limit ? cursorOf(page[page.length - 1].seq) : null };
  }

  /** Rows one synchronous slice of a payload search scans; adapted to take about SEARCH_SLICE_MS. */
  private searchSlice = 200;

  /**
   * A payload search, in short synchronous slices with the event loop free between them
   * (inside listen, the receiver goes on answering), for about SEARCH_BUDGET_MS; the page
   * asks again with `next` for older rows.
   */
  private async search(filter: DeliveryFilter, text: string, limit: number): Promise<DeliveryPage> {
    const started = performance.now();
    const rows: DeliverySummary[] = [];
    const page = (stoppedAt: number): DeliveryPage => ({ deliveries: rows.map((r) => toRecord(r)), next: stoppedAt > 1 ? cursorOf(stoppedAt) : null });
    let beforeSeq = filter.beforeSeq;
    for (;;) {
      const sliceStarted = performance.now();
      const found = this.store.search({ ...filter, beforeSeq }, text, limit - rows.length, 0, this.searchSlice);
      const took = performance.now() - sliceStarted;
      this.searchSlice = Math.round(Math.min(4000, Math.max(16, this.searchSlice * Math.min(2, SEARCH_SLICE_MS / Math.max(took, 0.1)))));
      rows.push(...found.rows);
      if (rows.length >= limit || found.stoppedAt <= 1 || performance.now() - started > SEARCH_BUDGET_MS) return page(found.stoppedAt);
      beforeSeq = found.stoppedAt;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async get(id: string): Promise<DeliveryDetail | null> {
    const d = this.store.get(id);
    if (!d) return null;
    const attempts = this.store.attempts(id);
    // The other attempts of its GUID (the page puts this one among them by its attempt number).
    const siblings = d.deliveryId ? this.store.list({ deliveryId: d.deliveryId, limit: 100 }).map((r) => r.id).reverse().filter((other) => other !== d.id) : [];
    const text = payloadText(d);
    return {
      ...toRecord(d, attempts),
      headers: headerPairs(d.rawHeaders),
      attempts,
      payloadText: text !== null && !text.includes('\ufffd') ? text : null,
      bodySha256: d.bodySha256 ?? createHash('sha256').update(d.body).digest('hex'),
      siblings,
    };
  }

  async raw(id: string, attempt?: number): Promise<{ body: Buffer; contentType: string | null } | null> {
    const d = this.store.get(id);
    if (!d) return null;
    if (attempt === undefined) return { body: d.body, contentType: d.contentType };
    const edited = this.store.attemptBody(id, attempt);
    if (edited === undefined) return null;
    return { body: edited ?? d.body, contentType: d.contentType };
  }

  async exportDelivery(id: string, format: 'curl' | 'fixture'): Promise<string | null> {
    const d = this.store.get(id);
    if (!d) return null;
    return format === 'curl' ? curlCommand(d) : JSON.stringify(fixture(d), null, 2);
  }

  async replay(id: string, request: ReplayRequest): Promise<{ attempt: AttemptRecord }> {
    const d = this.store.get(id);
    if (!d) throw new InspectorError(404, `no delivery ${id}`);
    const url = request.to ?? d.url ?? this.options.listener;
    if (!url) throw new InspectorError(400, 'no target: give a URL to replay to');
    checkUrl(url);
    const secret = this.options.secret?.();
    const resign = request.resign ?? Boolean(secret);
    if (resign && !secret) throw new InspectorError(400, 'no secret is known here, so the replay cannot be signed anew; replay it unsigned or with its original signatures');
    let plan;
    try {
      plan = planReplay(d, url, { secret: resign ? secret : undefined, newDeliveryId: request.newDeliveryId, edit: request.payload !== undefined ? { json: request.payload } : undefined });
    } catch (err) {
      if (err instanceof EditError) throw new InspectorError(400, err.message);
      if (err instanceof TruncatedBodyError) throw new InspectorError(409, `cannot replay ${id}: ${err.message}`);
      throw err;
    }
    const result = await post(plan.request);
    const attempt = await this.write(() =>
      this.store.recordAttempt(id, { kind: 'replay', url: result.url, status: result.status, durationMs: result.durationMs, error: result.error, deliveryId: plan.deliveryId, body: plan.editedBody, bytes: plan.request.body.length, resigned: plan.resigned, response: result.responseSnippet ?? null }),
    );
    if (this.toldAttempts.first(`${id}:${attempt.n}`)) {
      this.emit({ type: 'attempt', id, attempt });
      this.tellUpdated(id);
    }
    return { attempt };
  }

  /** A write through the store's queue; a store that cannot be written (locked too long, removed) is a 503 with the reason. */
  private async write<T>(op: () => T): Promise<T> {
    try {
      return await this.store.enqueue(op);
    } catch (err) {
      if (err instanceof StoreError) throw new InspectorError(503, err.message);
      throw err;
    }
  }

  async remove(id: string): Promise<boolean> {
    // Through the write queue: another process's lock is waited for (from the event loop), not a 500.
    const removed = (await this.write(() => this.store.remove([id]))) > 0;
    if (removed) this.emit({ type: 'removed', id });
    return removed;
  }

  async validate(event: string, action: string | null, text: string): Promise<ValidationOutcome> {
    const problem = describeJsonError(text);
    if (problem) {
      const m = /^line (\d+), column (\d+): (.*)$/.exec(problem);
      return { syntaxError: m ? { line: Number(m[1]), column: Number(m[2]), message: m[3] } : { line: 1, column: 1, message: problem }, schemaFound: false, violations: [] };
    }
    const { validatePayload } = await import('../schemas/validate.js');
    const result = await validatePayload(event, action, JSON.parse(text));
    return { syntaxError: null, schemaFound: result.schemaFound, violations: result.violations };
  }

  async catalog() {
    return loadIndex().entries.map((e) => ({ name: entryName(e), event: e.event, action: e.action, description: e.description }));
  }

  async sample(name: string) {
    const found = resolve(name);
    if (!found.ok) return null;
    return { event: found.entry.event, action: found.entry.action, payload: loadPayloadBytes(found.entry).toString('utf8') };
  }

  async send(request: SendRequest) {
    const to = request.to ?? this.options.listener ?? this.options.defaultTarget;
    if (!to) throw new InspectorError(400, 'no target: give a URL to send to');
    checkUrl(to);
    let payload: Buffer | undefined;
    if (request.payload !== undefined) {
      // Edited in the page: new bytes, in GitHub's compact form (refused when not JSON or too deep).
      try {
        payload = compactJson(request.payload);
      } catch (err) {
        if (err instanceof EditError) throw new InspectorError(400, err.message.replace('the edited payload', 'the payload'));
        throw err;
      }
    }
    const secret = this.options.secret?.();
    const sign = request.sign ?? Boolean(secret);
    if (sign && !secret) throw new InspectorError(400, 'no secret is known here, so the sample cannot be signed; send it unsigned');
    let sample;
    try {
      // The same sampler as `hookctl send` (with an edited payload, the name gives the event).
      sample = buildSample({ name: request.name, payload, secret: sign ? secret : undefined });
    } catch (err) {
      if (err instanceof UsageError) throw new InspectorError(400, err.message);
      throw err;
    }
    const result = await post({ url: to, body: sample.body, headers: sample.headers });
    return { url: to, deliveryId: sample.headers['X-GitHub-Delivery'], status: result.status, durationMs: result.durationMs, error: result.error, response: result.responseSnippet ?? null };
  }

  subscribe(listener: (event: InspectorEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.stopLive = this.startLive();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopLive?.();
        this.stopLive = null;
      }
    };
  }

  close(): void {
    this.stopLive?.();
    this.closeStore();
  }

  private emit(event: InspectorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Deliveries and attempts told by one source (the relay, this backend, following the store), so the other repeats none. */
  private readonly toldDeliveries = new ToldOnce();
  private readonly toldAttempts = new ToldOnce();

  /**
   * Rows told from the store whose schema verdict is still to come (the listener that wrote
   * them records it after answering): id → its row number, and when to stop waiting.
   */
  private readonly awaitingVerdict = new Map<string, { seq: number; until: number }>();

  private awaitVerdict(id: string, seq: number): void {
    this.awaitingVerdict.set(id, { seq, until: Date.now() + VERDICT_WAIT_MS });
    if (this.awaitingVerdict.size > VERDICT_WAITING_MAX) this.awaitingVerdict.delete(this.awaitingVerdict.keys().next().value as string);
  }

  /** The row as it is now (its forward, replay count or schema verdict changed), as `updated`. */
  private tellUpdated(id: string): void {
    const d = this.store.get(id);
    if (d) this.emit({ type: 'updated', delivery: toRecord(d) });
  }

  /** Live events while someone listens: the relay's (in listen) and what the store gains meanwhile. */
  private startLive(): () => void {
    const stopRelay = this.options.relay?.subscribe((event) => this.fromRelay(event));
    let lastSeq = this.store.maxSeq();
    let lastAttempt = this.store.maxAttemptSeq();
    const timer = setInterval(() => {
      try {
        // A fresh store (the old one was removed) numbers its rows from 1 again.
        if (this.store.maxSeq() < lastSeq) lastSeq = lastAttempt = 0;
        // Everything new, a page at a time: a busy listener writes more than a page a turn,
        // and a follower that fell behind would tell rows the relay told long ago.
        for (let page = 0, rows = FOLLOW_PAGE; rows === FOLLOW_PAGE && page < FOLLOW_PAGES; page += 1) {
          // Ids first: inside listen the relay told most of them already, and a summary costs more.
          const found = this.store.idsAfter(lastSeq, FOLLOW_PAGE);
          rows = found.length;
          for (const row of found) {
            lastSeq = row.seq;
            if (!this.toldDeliveries.first(row.id)) continue;
            const d = this.store.summary(row.seq);
            if (!d) continue;
            this.emit({ type: 'delivery', delivery: toRecord(d) });
            if (d.schema === null && d.status === 200 && d.event !== null) this.awaitVerdict(d.id, d.seq);
          }
        }
        const changed = new Set<string>();
        for (let page = 0, rows = FOLLOW_PAGE; rows === FOLLOW_PAGE && page < FOLLOW_PAGES; page += 1) {
          const found = this.store.attemptsAfter(lastAttempt, FOLLOW_PAGE);
          rows = found.length;
          for (const a of found) {
            lastAttempt = a.seq;
            if (!this.toldAttempts.first(`${a.id}:${a.attempt.n}`)) continue;
            this.emit({ type: 'attempt', id: a.id, attempt: a.attempt });
            changed.add(a.id);
          }
        }
        // Another process forwarded or replayed: the row's forward and replay count changed.
        for (const id of changed) this.tellUpdated(id);
        const now = Date.now();
        for (const [id, { seq, until }] of this.awaitingVerdict) {
          const d = this.store.summary(seq);
          if (d && d.schema !== null) this.emit({ type: 'updated', delivery: toRecord(d) });
          if (!d || d.schema !== null || now > until) this.awaitingVerdict.delete(id);
        }
      } catch {
        // The store is busy or being replaced: the next turn catches up.
      }
    }, this.options.followMs ?? 200);
    timer.unref();
    return () => {
      clearInterval(timer);
      stopRelay?.();
    };
  }

  private fromRelay(event: RelayEvent): void {
    // The relay tells a delivery once its commit is synced; following the store may have seen it already.
    if (event.type === 'delivery') {
      if (this.toldDeliveries.first(event.delivery.id)) this.emit({ type: 'delivery', delivery: toRecord(event.delivery) });
    } else if (event.type === 'forward') {
      if (this.toldAttempts.first(`${event.id}:${event.attempt.n}`)) this.emit({ type: 'attempt', id: event.id, attempt: event.attempt });
    } else if (event.type === 'settled') {
      this.awaitingVerdict.delete(event.delivery.id);
      // Nothing forwarded and no schema verdict: the row is as the page was told it (most
      // deliveries under load, where the schema check is rate limited), so no second record.
      if (event.forwards.length === 0 && event.delivery.schema === null) return;
      this.emit({ type: 'updated', delivery: toRecord(event.delivery, event.forwards) });
    }
  }
}

/**
 * Keys (a delivery's id, an attempt's id:n) that two sources may each tell once: the first to
 * tell wins and the second is dropped. A key is forgotten at its second sight; keys only one
 * source ever tells (another process's rows) are forgotten oldest first, past `max`.
 */
class ToldOnce {
  private readonly keys = new Set<string>();
  constructor(private readonly max = 10_000) {}

  /** True the first time `key` is told (tell it), false the second time (already told). */
  first(key: string): boolean {
    if (this.keys.delete(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}

/** Following the store reads new rows FOLLOW_PAGE at a time, at most FOLLOW_PAGES pages a turn. */
const FOLLOW_PAGE = 200;
const FOLLOW_PAGES = 50;

/** How long a row told from the store may wait for its schema verdict, and how many may wait at once. */
const VERDICT_WAIT_MS = 30_000;
const VERDICT_WAITING_MAX = 500;

function checkUrl(url: string): void {
  try {
    parseTargetUrl(url);
  } catch (err) {
    throw new InspectorError(400, (err as Error).message);
  }
}

export function createStoreBackend(options: StoreBackendOptions): StoreBackend {
  return new StoreBackend(options);
}
