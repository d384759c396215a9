/**
 * An in-memory InspectorBackend for the inspector's server and browser tests: realistic
 * records built from the catalog's real sample payloads, filters and keyset paging like the
 * store's, recorded calls, and live events on demand (emitDelivery, emit).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type AttemptRecord, type CatalogItem, type DeliveryDetail, type DeliveryPage, type DeliveryQuery, type DeliveryRecord,
  type InspectorBackend, type InspectorEvent, type InspectorInfo, type ReplayOutcome, type ReplayRequest,
  type SendOutcome, type SendRequest, type SignatureVerdict, type StreamQuery, type ValidationOutcome,
} from '../../src/core/inspector/backend.js';
import { NotFoundError, UsageError } from '../../src/errors.js';
import { PAYLOADS, REPOSITORIES, SENDERS, TEMPLATES, bodyFor, generatedIndexOf, metaOf, prng, sample, sha256Of, shortId, signatureOf, textOf } from './fake-inspector-samples.js';

export const FAKE_SECRET = 'It\'s a Secret to Everybody';

interface StoredDelivery {
  detail: DeliveryDetail;
  body: Buffer;
  attemptBodies: Map<number, Buffer>;
}

export interface FakeCall {
  method: string;
  args: unknown[];
}

export interface DeliveryInit {
  event?: string;
  action?: string | null;
  /** The exact body; default: the catalog sample, compact, with repository and sender set. */
  body?: Buffer;
  repository?: string;
  sender?: string;
  signature?: SignatureVerdict;
  status?: number;
  receivedAt?: string;
  deliveryId?: string;
  attempt?: number;
  drift?: boolean;
  forwardStatus?: number | null;
  /** The forward's error (default: connection refused for a 502, else none). */
  forwardError?: string;
}

export interface FakeBackendOptions {
  /**
   * Generated deliveries, one a minute back from `now` (at most 1,000,000). Each is made the
   * first time something reads it, so a store of 100,000 costs only what the page reads of it.
   */
  count?: number;
  now?: number;
  canSign?: boolean;
  /** A text search scans at most this many rows per call (the store's time budget). */
  searchBudgetRows?: number;
}

const MAX_GENERATED = 1_000_000;
/** Ids of deliveries added by a test start here (see shortId), above every generated one. */
const ADDED_IDS = MAX_GENERATED;
const DEFAULT_REPLAY_ANSWER = { status: 200, error: null, response: null, durationMs: 12 };

/** Where a row sits in the list: an added one (index into `added`) or a generated one (n). */
type Position = { added: number } | { generated: number };

export class FakeInspectorBackend implements InspectorBackend {
  readonly calls: FakeCall[] = [];
  /** Deliveries added by the test (addDelivery), newest first, above every generated one. */
  private added: StoredDelivery[] = [];
  /** Generated deliveries made so far, by n (0 = the newest generated one). */
  private readonly made = new Map<number, StoredDelivery>();
  private readonly removedGenerated = new Set<number>();
  private count = 0;
  private now = 0;
  private readonly listeners = new Map<(event: InspectorEvent) => void, StreamQuery>();
  private serial = 0;
  /** What the next replay answers. */
  replayAnswer: { status: number | null; error: string | null; response: string | null; durationMs: number } = { ...DEFAULT_REPLAY_ANSWER };
  private info_!: InspectorInfo;
  private searchBudgetRows = Infinity;

  constructor(options: FakeBackendOptions = {}) {
    this.reset(options);
  }

  /**
   * Start over as `new FakeInspectorBackend(options)` would (rows, calls, replay answer), with
   * the same subscribers: a page open on an inspector over this backend sees the new rows
   * after a reload.
   */
  reset(options: FakeBackendOptions = {}): void {
    const count = options.count ?? 0;
    if (!Number.isInteger(count) || count < 0 || count > MAX_GENERATED) throw new Error(`count must be an integer from 0 to ${MAX_GENERATED}`);
    this.info_ = {
      version: '0.1.0-test',
      store: '/tmp/hookctl-test/deliveries.db',
      listener: 'http://127.0.0.1:5000/',
      publicUrl: null,
      forwardTargets: ['http://127.0.0.1:3000/api/github/webhooks'],
      canSign: options.canSign ?? true,
    };
    this.searchBudgetRows = options.searchBudgetRows ?? Infinity;
    this.now = options.now ?? Date.now();
    this.count = count;
    this.added = [];
    this.made.clear();
    this.removedGenerated.clear();
    this.calls.length = 0;
    this.serial = 0;
    this.replayAnswer = { ...DEFAULT_REPLAY_ANSWER };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** How many deliveries the backend holds. */
  get size(): number {
    return this.added.length + this.count - this.removedGenerated.size;
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Every delivery, newest first (with a large generated count, prefer slice). */
  all(): DeliveryRecord[] {
    return this.slice(0, Infinity);
  }

  /** The deliveries at positions start… end-1 of the list, newest first, as `list` would page them (not recorded as a call). */
  slice(start: number, end: number): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    let index = 0;
    for (const row of this.rowsFrom({ added: 0 })) {
      if (index >= end) break;
      if (index >= start) records.push(recordOf(row.detail));
      index += 1;
    }
    return records;
  }

  /** The rows from `position` on, newest first, each generated one made as it is reached. */
  private *rowsFrom(position: Position): Generator<StoredDelivery> {
    if ('added' in position) yield* this.added.slice(position.added);
    const first = 'generated' in position ? position.generated : 0;
    for (let n = first; n < this.count; n += 1) {
      if (!this.removedGenerated.has(n)) yield this.generatedRow(n);
    }
  }

  /** Generated delivery n: always the same for the same n and `now`, whatever was read before. */
  private generatedRow(n: number): StoredDelivery {
    const made = this.made.get(n);
    if (made) return made;
    const random = prng(rowSeed(n));
    const [event, action, file] = TEMPLATES[Math.floor(random() * TEMPLATES.length)];
    const roll = random();
    const signature: SignatureVerdict = roll < 0.06 ? 'invalid' : roll < 0.08 ? 'missing' : 'valid';
    const row = this.build({
      event, action,
      body: bodyFor(file, REPOSITORIES[Math.floor(random() * REPOSITORIES.length)], SENDERS[Math.floor(random() * SENDERS.length)]),
      signature,
      status: signature === 'valid' ? 200 : 401,
      receivedAt: new Date(this.now - n * 60_000).toISOString(),
      drift: random() < 0.05,
      forwardStatus: signature !== 'valid' ? undefined : random() < 0.1 ? 502 : 200,
      attempt: random() < 0.05 ? 2 : 1,
      deliveryId: uuidOf(random),
    }, shortId(n));
    this.made.set(n, row);
    return row;
  }

  /** Where the delivery `id` sits, or null. */
  private positionOf(id: string): Position | null {
    const index = this.added.findIndex((row) => row.detail.id === id);
    if (index >= 0) return { added: index };
    const n = generatedIndexOf(id);
    return n !== null && n < this.count ? { generated: n } : null;
  }

  /** A record as `listen` would store it (not added: see addDelivery). */
  build(init: DeliveryInit, id = shortId(ADDED_IDS + this.serial++)): StoredDelivery {
    const event = init.event ?? 'pull_request';
    const action = init.action === undefined ? (event === 'pull_request' ? 'opened' : null) : init.action;
    const template = TEMPLATES.find(([e, a]) => e === event && a === action) ?? TEMPLATES[0];
    const body = init.body ?? bodyFor(template[2], init.repository ?? 'octo-org/hello-world', init.sender ?? 'octocat');
    const parsed = metaOf(body);
    const deliveryId = init.deliveryId ?? randomUUID();
    const signature = init.signature ?? 'valid';
    const sha256 = signatureOf(body, signature === 'invalid' ? 'wrong secret' : FAKE_SECRET);
    const headers: [string, string][] = [
      ['Host', '127.0.0.1:5000'], ['User-Agent', 'GitHub-Hookshot/a0f4c5e'], ['Content-Length', String(body.length)],
      ['Accept', '*/*'], ['Content-Type', 'application/json'], ['X-GitHub-Delivery', deliveryId], ['X-GitHub-Event', event],
      ['X-GitHub-Hook-ID', '491823517'], ['X-GitHub-Hook-Installation-Target-ID', String(parsed?.repository?.id ?? 0)],
      ['X-GitHub-Hook-Installation-Target-Type', 'repository'],
    ];
    if (signature !== 'missing') headers.push(['X-Hub-Signature-256', sha256]);
    const forward = init.forwardStatus === undefined ? null : {
      url: 'http://127.0.0.1:3000/api/github/webhooks', status: init.forwardStatus, durationMs: 8 + (body.length % 40),
      error: init.forwardError ?? (init.forwardStatus === 502 ? 'connect ECONNREFUSED 127.0.0.1:3000' : null),
    };
    const detail: DeliveryDetail = {
      id, deliveryId, event, action,
      receivedAt: init.receivedAt ?? new Date().toISOString(),
      path: '/', url: 'http://127.0.0.1:5000/',
      signature, signatureAlgorithm: signature === 'missing' ? null : 'sha256',
      signatureReason: signature === 'invalid' ? 'X-Hub-Signature-256 does not match: the body was signed with another secret (or changed on the way)' : signature === 'missing' ? 'no X-Hub-Signature-256 or X-Hub-Signature header' : null,
      status: init.status ?? (signature === 'valid' || signature === 'unchecked' ? 200 : 401),
      rejectReason: signature === 'invalid' ? 'signature mismatch' : signature === 'missing' ? 'signature missing' : null,
      repository: parsed?.repository?.full_name ?? null,
      sender: parsed?.sender?.login ?? null,
      bytes: body.length,
      attempt: init.attempt ?? 1,
      redelivery: (init.attempt ?? 1) > 1,
      forward, forwards: forward ? [forward] : [],
      schema: init.drift
        ? { status: 'invalid', violations: [{ path: '/sender/login', message: 'must be string' }, { path: '/repository/topics', message: 'must NOT have additional properties' }] }
        : { status: 'valid', violations: [] },
      remoteAddress: '140.82.115.12', contentType: 'application/json', source: 'listen',
      replayCount: 0,
      truncated: false,
      hookId: 491823517,
      headers,
      attempts: forward ? [{ n: 1, kind: 'forward', url: forward.url, status: forward.status, durationMs: forward.durationMs, error: forward.error, at: init.receivedAt ?? new Date().toISOString(), deliveryId: null, edited: false, resigned: false, bytes: body.length, response: forward.status === 502 ? 'Bad Gateway' : null }] : [],
      payloadText: parsed === null ? null : textOf(body),
      bodyBytes: body.length,
      bodySha256: sha256Of(body),
      siblings: [],
    };
    return { detail, body, attemptBodies: new Map() };
  }

  /** Store a new delivery (newest) and emit it live, as listen does. */
  addDelivery(init: DeliveryInit = {}): DeliveryRecord {
    const row = this.build({ receivedAt: new Date().toISOString(), ...init });
    // Among the rows made so far: one never read has a delivery id no test could know.
    const siblings = [...this.added, ...[...this.made].sort(([a], [b]) => a - b).map(([, made]) => made)]
      .filter((other) => other.detail.deliveryId === row.detail.deliveryId);
    if (siblings.length > 0) {
      row.detail.attempt = siblings.length + 1;
      row.detail.redelivery = true;
      const ids = [...siblings.map((other) => other.detail.id).reverse(), row.detail.id];
      for (const other of [...siblings, row]) other.detail.siblings = ids.filter((id) => id !== other.detail.id);
    }
    this.added.unshift(row);
    const record = recordOf(row.detail);
    this.emit({ type: 'delivery', delivery: record });
    return record;
  }

  /** Change a stored delivery (a forward answered later…) and emit `updated`, as the relay does. */
  updateDelivery(id: string, patch: Partial<DeliveryDetail>): DeliveryRecord {
    const row = this.find(id);
    if (!row) throw new Error(`no delivery ${id}`);
    Object.assign(row.detail, patch);
    const record = recordOf(row.detail);
    this.emit({ type: 'updated', delivery: record });
    return record;
  }

  /** Record one more forward or replay attempt and emit it live. */
  addAttempt(id: string, attempt: Omit<AttemptRecord, 'n'>): AttemptRecord {
    const row = this.find(id);
    if (!row) throw new Error(`no delivery ${id}`);
    const stored = { ...attempt, n: row.detail.attempts.length + 1 };
    row.detail.attempts.push(stored);
    this.emit({ type: 'attempt', id, attempt: stored });
    return stored;
  }

  /** To every subscriber; a delivery (new or updated) only to those whose filters it matches, as the store backend does. */
  emit(event: InspectorEvent): void {
    for (const [listener, query] of [...this.listeners]) {
      if (event.type === 'delivery' || event.type === 'updated') {
        const row = this.find(event.delivery.id);
        if (row && !matches(row, query)) continue;
      }
      listener(event);
    }
  }

  private find(id: string): StoredDelivery | undefined {
    const position = this.positionOf(id);
    if (!position) return undefined;
    if ('added' in position) return this.added[position.added];
    return this.removedGenerated.has(position.generated) ? undefined : this.generatedRow(position.generated);
  }

  info(): InspectorInfo {
    this.calls.push({ method: 'info', args: [] });
    return this.info_;
  }

  async list(query: DeliveryQuery): Promise<DeliveryPage> {
    this.calls.push({ method: 'list', args: [query] });
    const limit = query.limit ?? 50;
    let start: Position = { added: 0 };
    if (query.cursor) {
      // Keyset paging like the store's: on from the row after the cursor's, even if that one was deleted meanwhile.
      const after = this.positionOf(Buffer.from(query.cursor, 'base64url').toString('utf8'));
      if (!after) throw new UsageError('stale cursor');
      start = 'added' in after ? { added: after.added + 1 } : { generated: after.generated + 1 };
    }
    const deliveries: DeliveryRecord[] = [];
    let scanned = 0;
    let last: StoredDelivery | null = null;
    let more = false;
    for (const row of this.rowsFrom(start)) {
      if (deliveries.length >= limit || (query.q && scanned++ >= this.searchBudgetRows)) {
        more = true;
        break;
      }
      last = row;
      if (matches(row, query)) deliveries.push(recordOf(row.detail));
    }
    return { deliveries, next: more && last ? Buffer.from(last.detail.id, 'utf8').toString('base64url') : null };
  }

  async get(id: string): Promise<DeliveryDetail | null> {
    this.calls.push({ method: 'get', args: [id] });
    const row = this.find(id);
    return row ? structuredClone(row.detail) : null;
  }

  async raw(id: string, attempt?: number): Promise<{ body: Buffer; contentType: string | null } | null> {
    this.calls.push({ method: 'raw', args: [id, attempt] });
    const row = this.find(id);
    if (!row) return null;
    if (attempt !== undefined) {
      const body = row.attemptBodies.get(attempt);
      return body ? { body, contentType: 'application/json' } : null;
    }
    return { body: row.body, contentType: row.detail.contentType };
  }

  async exportDelivery(id: string, format: 'curl' | 'fixture'): Promise<string | null> {
    this.calls.push({ method: 'exportDelivery', args: [id, format] });
    const row = this.find(id);
    if (!row) return null;
    if (format === 'fixture') return JSON.stringify({ event: row.detail.event, action: row.detail.action, headers: Object.fromEntries(row.detail.headers), payload: JSON.parse(row.detail.payloadText ?? 'null') }, null, 2) + '\n';
    const headers = row.detail.headers.filter(([name]) => !/^(host|content-length)$/i.test(name)).map(([name, value]) => `  -H '${name}: ${value}' \\`);
    return [`curl -sS -X POST 'http://127.0.0.1:5000/' \\`, ...headers, `  --data-binary @${id}.json`].join('\n') + '\n';
  }

  async replay(id: string, request: ReplayRequest): Promise<ReplayOutcome> {
    this.calls.push({ method: 'replay', args: [id, request] });
    const row = this.find(id);
    if (!row) throw new NotFoundError(`no delivery ${id}`);
    if (request.to?.includes('unreachable')) throw new UsageError(`cannot deliver to ${request.to}: not reachable`);
    const body = request.payload !== undefined ? Buffer.from(JSON.stringify(JSON.parse(request.payload)), 'utf8') : row.body;
    const attempt: AttemptRecord = {
      n: row.detail.attempts.length + 1, kind: 'replay', url: request.to ?? row.detail.url ?? 'http://127.0.0.1:5000/',
      status: this.replayAnswer.status, durationMs: this.replayAnswer.durationMs, error: this.replayAnswer.error,
      at: new Date().toISOString(), deliveryId: request.newDeliveryId ? randomUUID() : null,
      edited: request.payload !== undefined, resigned: request.resign ?? this.info_.canSign, bytes: body.length,
      response: this.replayAnswer.response,
    };
    if (attempt.edited) row.attemptBodies.set(attempt.n, body);
    row.detail.attempts.push(attempt);
    row.detail.replayCount = (row.detail.replayCount ?? 0) + 1;
    this.emit({ type: 'attempt', id, attempt });
    this.emit({ type: 'updated', delivery: recordOf(row.detail) });
    return { attempt };
  }

  async remove(id: string): Promise<boolean> {
    this.calls.push({ method: 'remove', args: [id] });
    const position = this.find(id) ? this.positionOf(id) : null;
    if (!position) return false;
    if ('added' in position) this.added.splice(position.added, 1);
    else {
      this.removedGenerated.add(position.generated);
      this.made.delete(position.generated);
    }
    this.emit({ type: 'removed', id });
    return true;
  }

  async validate(event: string, action: string | null, payloadText: string): Promise<ValidationOutcome> {
    this.calls.push({ method: 'validate', args: [event, action, payloadText.length] });
    let payload: any;
    try {
      payload = JSON.parse(payloadText);
    } catch (error) {
      return { syntaxError: syntaxErrorOf(payloadText, error as Error), schemaFound: true, violations: [] };
    }
    const violations = [];
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) violations.push({ path: '', message: 'must be object' });
    else {
      if (action !== null && payload.action !== action) violations.push({ path: '/action', message: `must be equal to constant "${action}"` });
      if ('number' in payload && !Number.isInteger(payload.number)) violations.push({ path: '/number', message: 'must be integer' });
      if (typeof payload.sender?.login !== 'string') violations.push({ path: '/sender/login', message: 'must be string' });
    }
    return { syntaxError: null, schemaFound: TEMPLATES.some(([e]) => e === event), violations };
  }

  async catalog(): Promise<CatalogItem[]> {
    this.calls.push({ method: 'catalog', args: [] });
    const index = JSON.parse(readFileSync(new URL('index.json', PAYLOADS), 'utf8')) as { entries: { event: string; action: string | null; description: string }[] };
    return index.entries.map((entry) => ({ name: entry.action ? `${entry.event}.${entry.action}` : entry.event, event: entry.event, action: entry.action ?? null, description: entry.description }));
  }

  async sample(name: string): Promise<{ event: string; action: string | null; payload: string } | null> {
    this.calls.push({ method: 'sample', args: [name] });
    const index = JSON.parse(readFileSync(new URL('index.json', PAYLOADS), 'utf8')) as { entries: { event: string; action: string | null; file: string }[] };
    const entry = index.entries.find((candidate) => (candidate.action ? `${candidate.event}.${candidate.action}` : candidate.event) === name);
    if (!entry) return null;
    return { event: entry.event, action: entry.action ?? null, payload: JSON.stringify(sample(entry.file), null, 2) };
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    this.calls.push({ method: 'send', args: [request] });
    if (!(await this.sample(request.name))) throw new UsageError(`unknown event ${request.name}`);
    const [event, action] = request.name.split('.');
    const body = request.payload !== undefined ? Buffer.from(JSON.stringify(JSON.parse(request.payload)), 'utf8') : undefined;
    const to = request.to ?? this.info_.listener!;
    const record = to === this.info_.listener ? this.addDelivery({ event, action: action ?? null, body }) : null;
    return { url: to, deliveryId: record?.deliveryId ?? randomUUID(), status: 200, durationMs: 9, error: null, response: null };
  }

  subscribe(listener: (event: InspectorEvent) => void, query: StreamQuery = {}): () => void {
    this.listeners.set(listener, query);
    return () => this.listeners.delete(listener);
  }
}

/** A seed per generated row, so row n is the same whichever rows were made before it. */
function rowSeed(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A version-4-shaped UUID from the row's own random sequence. */
function uuidOf(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)];
  return `${hex.slice(0, 8).join('')}-${hex.slice(8, 12).join('')}-${hex.slice(12, 16).join('')}-${hex.slice(16, 20).join('')}-${hex.slice(20).join('')}`;
}

function recordOf(detail: DeliveryDetail): DeliveryRecord {
  const { headers: _h, attempts: _a, payloadText: _p, bodySha256: _s, siblings: _x, ...record } = detail;
  return structuredClone(record);
}

function statusMatches(status: number, filter: string): boolean {
  return /xx$/.test(filter) ? String(status)[0] === filter[0] : String(status) === filter;
}

/** ASCII case, as the store compares repository and sender. */
const sameName = (a: string | null, b: string) => a !== null && a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === b.replace(/[A-Z]/g, (c) => c.toLowerCase());

function matches(row: StoredDelivery, query: StreamQuery): boolean {
  const d = row.detail;
  if (query.event) {
    const [event, action] = query.event.split('.');
    if (d.event !== event || (action !== undefined && d.action !== action)) return false;
  }
  if (query.repository && !sameName(d.repository, query.repository)) return false;
  if (query.sender && !sameName(d.sender, query.sender)) return false;
  if (query.status && !statusMatches(d.status, query.status)) return false;
  if (query.signature && d.signature !== query.signature) return false;
  if (query.drift && d.schema?.status !== 'invalid') return false;
  if (query.since && d.receivedAt < new Date(query.since).toISOString()) return false;
  if (query.until && d.receivedAt > new Date(query.until).toISOString()) return false;
  if (query.q && !(d.payloadText ?? '').toLowerCase().includes(query.q.toLowerCase())) return false;
  return true;
}

function syntaxErrorOf(text: string, error: Error): { line: number; column: number; message: string } {
  const position = Number(/position (\d+)/.exec(error.message)?.[1] ?? text.length);
  const before = text.slice(0, position).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1, message: error.message.replace(/ in JSON at position.*$/, '') };
}
