/**
 * An in-memory InspectorBackend for the inspector's server and browser tests: realistic
 * records built from the catalog's real sample payloads, filters and keyset paging like the
 * store's, recorded calls, and live events on demand (emitDelivery, emit).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  InspectorError,
  type AttemptRecord, type CatalogItem, type DeliveryDetail, type DeliveryPage, type DeliveryQuery, type DeliveryRecord,
  type InspectorBackend, type InspectorEvent, type InspectorInfo, type ReplayOutcome, type ReplayRequest,
  type SendOutcome, type SendRequest, type SignatureVerdict, type StreamQuery, type ValidationOutcome,
} from '../../src/core/inspector/backend.js';
import { PAYLOADS, REPOSITORIES, SENDERS, TEMPLATES, bodyFor, metaOf, prng, sample, sha256Of, shortId, signatureOf, textOf } from './fake-inspector-samples.js';

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
}

export interface FakeBackendOptions {
  /** Generated deliveries, one a minute back from `now`. */
  count?: number;
  now?: number;
  canSign?: boolean;
  /** A text search scans at most this many rows per call (the store's time budget). */
  searchBudgetRows?: number;
}

export class FakeInspectorBackend implements InspectorBackend {
  readonly calls: FakeCall[] = [];
  /** Newest first. */
  private rows: StoredDelivery[] = [];
  private readonly listeners = new Map<(event: InspectorEvent) => void, StreamQuery>();
  private serial = 0;
  /** What the next replay answers. */
  replayAnswer: { status: number | null; error: string | null; response: string | null; durationMs: number } = { status: 200, error: null, response: null, durationMs: 12 };
  private readonly info_: InspectorInfo;
  private readonly searchBudgetRows: number;

  constructor(options: FakeBackendOptions = {}) {
    this.info_ = {
      version: '0.1.0-test',
      store: '/tmp/hookctl-test/deliveries.db',
      listener: 'http://127.0.0.1:5000/',
      publicUrl: null,
      forwardTargets: ['http://127.0.0.1:3000/api/github/webhooks'],
      canSign: options.canSign ?? true,
    };
    this.searchBudgetRows = options.searchBudgetRows ?? Infinity;
    const now = options.now ?? Date.now();
    const random = prng(42);
    const count = options.count ?? 0;
    for (let i = 0; i < count; i += 1) this.rows.push(this.generated(i, now - i * 60_000, random));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  all(): DeliveryRecord[] {
    return this.rows.map((row) => recordOf(row.detail));
  }

  private generated(n: number, at: number, random: () => number): StoredDelivery {
    const [event, action, file] = TEMPLATES[Math.floor(random() * TEMPLATES.length)];
    const roll = random();
    const signature: SignatureVerdict = roll < 0.06 ? 'invalid' : roll < 0.08 ? 'missing' : 'valid';
    return this.build({
      event, action,
      body: bodyFor(file, REPOSITORIES[Math.floor(random() * REPOSITORIES.length)], SENDERS[Math.floor(random() * SENDERS.length)]),
      signature,
      status: signature === 'valid' ? 200 : 401,
      receivedAt: new Date(at).toISOString(),
      drift: random() < 0.05,
      forwardStatus: signature !== 'valid' ? undefined : random() < 0.1 ? 502 : 200,
      attempt: random() < 0.05 ? 2 : 1,
    }, shortId(n));
  }

  /** A record as `listen` would store it (not added: see addDelivery). */
  build(init: DeliveryInit, id = shortId(1_000_000 + this.serial++)): StoredDelivery {
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
      error: init.forwardStatus === 502 ? 'connect ECONNREFUSED 127.0.0.1:3000' : null,
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
    const siblings = this.rows.filter((other) => other.detail.deliveryId === row.detail.deliveryId);
    if (siblings.length > 0) {
      row.detail.attempt = siblings.length + 1;
      row.detail.redelivery = true;
      const ids = [...siblings.map((other) => other.detail.id).reverse(), row.detail.id];
      for (const other of [...siblings, row]) other.detail.siblings = ids.filter((id) => id !== other.detail.id);
    }
    this.rows.unshift(row);
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
    return this.rows.find((row) => row.detail.id === id);
  }

  info(): InspectorInfo {
    this.calls.push({ method: 'info', args: [] });
    return this.info_;
  }

  async list(query: DeliveryQuery): Promise<DeliveryPage> {
    this.calls.push({ method: 'list', args: [query] });
    const limit = query.limit ?? 50;
    let start = 0;
    if (query.cursor) {
      const index = this.rows.findIndex((row) => row.detail.id === Buffer.from(query.cursor!, 'base64url').toString('utf8'));
      if (index < 0) throw new InspectorError(400, 'stale cursor');
      start = index + 1;
    }
    const deliveries: DeliveryRecord[] = [];
    let scanned = 0;
    let i = start;
    for (; i < this.rows.length && deliveries.length < limit; i += 1) {
      if (query.q && scanned++ >= this.searchBudgetRows) break;
      if (matches(this.rows[i], query)) deliveries.push(recordOf(this.rows[i].detail));
    }
    const more = i < this.rows.length;
    const last = i - 1;
    return { deliveries, next: more && last >= 0 ? Buffer.from(this.rows[last].detail.id, 'utf8').toString('base64url') : null };
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
    if (!row) throw new InspectorError(404, `no delivery ${id}`);
    if (request.to?.includes('unreachable')) throw new InspectorError(400, `cannot deliver to ${request.to}: not reachable`);
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
    const before = this.rows.length;
    this.rows = this.rows.filter((row) => row.detail.id !== id);
    if (this.rows.length === before) return false;
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
    if (!(await this.sample(request.name))) throw new InspectorError(400, `unknown event ${request.name}`);
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
