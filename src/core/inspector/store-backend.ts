/**
 * The inspector's backend over a delivery store: what the page lists, shows, replays, edits,
 * validates and sends. It reads and writes through the store it is handed (inside `listen`
 * the relay's own connection; in `hookctl inspect` a reader that follows its path) and never
 * opens or closes one. Its live events come from one feed per fact (live.ts), only while a
 * page is open.
 */
import { createHash } from 'node:crypto';
import { entryName, loadIndex, loadPayloadBytes, resolve } from '../catalog/catalog.js';
import { buildSample } from '../catalog/sample.js';
import { NotFoundError, UnavailableError, UsageError } from '../../errors.js';
import { curlCommand, fixture } from '../deliver/export.js';
import { post } from '../deliver/post.js';
import { compactJson, payloadText } from '../deliver/replay.js';
import { replayAndRecord, type ReplayTarget } from '../deliver/replay-record.js';
import { DEFAULT_TARGET, parseTargetUrl } from '../deliver/url.js';
import type { RelayEvent } from '../relay/engine.js';
import { toRecord } from '../store/records.js';
import { StoreError, type Store, type StoreHandle } from '../store/store.js';
import type { AttemptRecord, DeliveryFilter, DeliverySummary } from '../store/types.js';
import { headerPairs } from '../webhook/headers.js';
import { describeJsonError } from '../webhook/payload.js';
import {
  type DeliveryDetail,
  type DeliveryPage,
  type DeliveryQuery,
  type InspectorBackend,
  type InspectorEvent,
  type InspectorInfo,
  type ReplayRequest,
  type SendRequest,
  type StreamQuery,
  type ValidationOutcome,
} from './backend.js';
import { every, LiveFeed } from './live.js';

export interface StoreBackendOptions {
  /** The store to read and write through: listen's writer, or a reader following its path (inspect). */
  store: StoreHandle;
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
  /** Or who turns the follower: runs `turn` until the returned function is called (tests turn it by hand). */
  follow?: (turn: () => void) => () => void;
}

/** How long one payload search may scan before it answers (then the page asks for more). */
const SEARCH_BUDGET_MS = 80;
/** How long one synchronous slice of it may hold the event loop. */
const SEARCH_SLICE_MS = 5;
const DEFAULT_PAGE = 50;

function cursorOf(seq: number): string {
  return `s${seq}`;
}

/** A cursor is a row number the API gave out: `s` and a positive safe integer. */
function seqOfCursor(cursor: string): number {
  const m = /^s([1-9]\d{0,15})$/.exec(cursor);
  const seq = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(seq)) throw new UsageError(`cursor must be a row number from a page's "next" (s and digits, at most ${Number.MAX_SAFE_INTEGER}), got ${JSON.stringify(cursor)}`, [], 'cursor');
  return seq;
}

function isoDate(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${name} is not an ISO 8601 date: "${value}"`, [], name);
  return d;
}

/** The store's filter for the API's query (its values checked already by the routes). */
function filterOf(query: StreamQuery): DeliveryFilter {
  return {
    event: query.event,
    repository: query.repository,
    sender: query.sender,
    status: query.status,
    signature: query.signature,
    drift: query.drift,
    since: isoDate(query.since, 'since'),
    until: isoDate(query.until, 'until'),
    text: query.q,
  };
}

const isEmpty = (filter: DeliveryFilter) => Object.values(filter).every((value) => value === undefined);

export class StoreBackend implements InspectorBackend {
  private readonly live: LiveFeed;

  constructor(private readonly options: StoreBackendOptions) {
    this.live = new LiveFeed({ store: options.store, relay: options.relay, follow: options.follow ?? every(options.followMs ?? 200) });
  }

  /** The store as its file is now. */
  private get store(): Store {
    return this.options.store.current();
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
    const filter: DeliveryFilter = { ...filterOf(query), beforeSeq: query.cursor ? seqOfCursor(query.cursor) : undefined };
    if (filter.text) return this.search(filter as DeliveryFilter & { text: string }, limit);
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
  private async search(filter: DeliveryFilter & { text: string }, limit: number): Promise<DeliveryPage> {
    const started = performance.now();
    const rows: DeliverySummary[] = [];
    const page = (stoppedAt: number): DeliveryPage => ({ deliveries: rows.map((r) => toRecord(r)), next: stoppedAt > 1 ? cursorOf(stoppedAt) : null });
    let beforeSeq = filter.beforeSeq;
    for (;;) {
      const sliceStarted = performance.now();
      const found = this.store.searchSlice({ ...filter, beforeSeq }, limit - rows.length, this.searchSlice);
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

  /**
   * Where the page's replays go without a URL of its own, as `hookctl replay`'s would: inside
   * `listen`, this listener (the delivery's own path kept, unless it listens on one path only);
   * in `hookctl inspect`, where each delivery was first received, else the default target.
   */
  private replayTarget(to: string | undefined): ReplayTarget {
    if (to !== undefined) return { kind: 'url', url: to };
    const listener = this.options.listener;
    if (listener) return { kind: 'listener', url: listener, path: new URL(listener).pathname === '/' ? null : new URL(listener).pathname };
    return { kind: 'received', fallback: this.options.defaultTarget ?? DEFAULT_TARGET };
  }

  async replay(id: string, request: ReplayRequest): Promise<{ attempt: AttemptRecord }> {
    const d = this.store.get(id);
    if (!d) throw new NotFoundError(`no delivery ${id}`);
    const target = this.replayTarget(request.to);
    if (target.kind === 'url') parseTargetUrl(target.url);
    const secret = this.options.secret?.();
    const resign = request.resign ?? Boolean(secret);
    if (resign && !secret) throw new UsageError('no secret is known here, so the replay cannot be signed anew; replay it unsigned or with its original signatures', [], 'resign');
    const edit = request.payload !== undefined ? { json: request.payload } : undefined;
    // The same plan, post and record as `hookctl replay` (core/deliver/replay-record.ts).
    const { attempt } = await this.unavailable(() => replayAndRecord(this.store, d, { target, secret: resign ? secret : undefined, newDeliveryId: request.newDeliveryId, edit }));
    // This backend made the attempt: it tells it (following the store tells only others').
    this.live.tell({ type: 'attempt', id, attempt });
    const row = this.store.get(id);
    if (row) this.live.tell({ type: 'updated', delivery: toRecord(row) });
    return { attempt };
  }

  /** A store that cannot be written (locked too long, removed) is unavailable (503), with the reason. */
  private async unavailable<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof StoreError) throw new UnavailableError(err.message);
      throw err;
    }
  }

  async remove(id: string): Promise<boolean> {
    // Through the write queue: another process's lock is waited for (from the event loop), not a 500.
    const removed = (await this.unavailable(() => this.store.enqueue(() => this.store.remove([id])))) > 0;
    if (removed) this.live.tell({ type: 'removed', id });
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
    if (!to) throw new UsageError('no target: give a URL to send to', [], 'to');
    parseTargetUrl(to);
    let payload: Buffer | undefined;
    if (request.payload !== undefined) {
      // Edited in the page: new bytes, in GitHub's compact form (refused when not JSON or too deep).
      payload = compactJson(request.payload, 'the payload');
    }
    const secret = this.options.secret?.();
    const sign = request.sign ?? Boolean(secret);
    if (sign && !secret) throw new UsageError('no secret is known here, so the sample cannot be signed; send it unsigned', [], 'sign');
    // The same sampler as `hookctl send` (with an edited payload, the name gives the event).
    const sample = buildSample({ name: request.name, payload, secret: sign ? secret : undefined });
    const result = await post({ url: to, body: sample.body, headers: sample.headers });
    return { url: to, deliveryId: sample.headers['X-GitHub-Delivery'], status: result.status, durationMs: result.durationMs, error: result.error, response: result.responseSnippet ?? null };
  }

  subscribe(listener: (event: InspectorEvent) => void, query: StreamQuery = {}): () => void {
    const filter = filterOf(query);
    return this.live.subscribe(listener, isEmpty(filter) ? null : filter);
  }

  /** Stop the live feeds (the store is its owner's to close). */
  close(): void {
    this.live.close();
  }
}

export function createStoreBackend(options: StoreBackendOptions): StoreBackend {
  return new StoreBackend(options);
}
