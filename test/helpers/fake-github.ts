/**
 * A fake GitHub REST API on 127.0.0.1:0 with a registry of stubs, like cli/cli's httpmock:
 * every request must match a stub (else it is answered 599 and recorded as unexpected), and
 * assertDone() fails on unexpected requests, unused stubs and schema violations.
 *
 * Request bodies hookctl sends and response bodies the fake serves are checked against
 * GitHub's official REST OpenAPI description (test/fixtures/github-rest/, extracted by
 * scripts/extract-github-rest.mjs).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const FIXTURES = new URL('../fixtures/github-rest/', import.meta.url);

export interface StubResponse {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialized unless a string. `{{base}}` in headers and string bodies is the fake's base URL. */
  body?: unknown;
  /** Delay the answer (to test timeouts and waits). */
  delayMs?: number;
}

export interface StubMatcher {
  method: string;
  /** Path without the prefix, e.g. /repos/o/r/hooks; a string matches exactly. */
  path: string | RegExp;
  /** Every listed query parameter must be present with this value. */
  query?: Record<string, string>;
  body?: (body: any) => boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: any;
}

interface Stub {
  matcher: StubMatcher;
  responses: StubResponse[];
  used: number;
}

interface Operation {
  operationId: string;
  method: string;
  path: string;
  pattern: RegExp;
  file: string;
  request?: ValidateFunction;
  responses: Map<string, ValidateFunction | null>;
  loaded: boolean;
}

let ajv: Ajv | undefined;
let operations: Operation[] | undefined;

function loadOperations(): Operation[] {
  if (operations) return operations;
  const index = JSON.parse(readFileSync(new URL('index.json', FIXTURES), 'utf8')) as {
    operations: Record<string, { method: string; path: string; file: string }>;
  };
  operations = Object.entries(index.operations).map(([operationId, op]) => ({
    operationId,
    method: op.method,
    path: op.path,
    pattern: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    file: op.file,
    responses: new Map(),
    loaded: false,
  }));
  return operations;
}

function compiler(): Ajv {
  if (!ajv) {
    // OpenAPI 3.0 schemas: `nullable` is understood by Ajv; `example` and friends are annotations.
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
  }
  return ajv;
}

/** The official operation for METHOD path (path without prefix or query). */
export function operationFor(method: string, path: string): Operation | undefined {
  const op = loadOperations().find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
  if (op && !op.loaded) {
    const spec = JSON.parse(readFileSync(new URL(op.file, FIXTURES), 'utf8')) as {
      requestBody: object | null;
      responses: Record<string, { schema: object | null }>;
    };
    if (spec.requestBody) op.request = compiler().compile(spec.requestBody);
    for (const [status, r] of Object.entries(spec.responses)) op.responses.set(status, r.schema ? compiler().compile(r.schema) : null);
    op.loaded = true;
  }
  return op;
}

/** The official example response for an operation and status (e.g. a hook, a delivery). */
export function officialExample(operationId: string, status = '200'): any {
  const op = loadOperations().find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId} in the fixtures`);
  const spec = JSON.parse(readFileSync(new URL(op.file, FIXTURES), 'utf8')) as { responses: Record<string, { example?: unknown }> };
  return structuredClone(spec.responses[status]?.example);
}

const errorText = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

export interface FakeGithubOptions {
  /** e.g. /api/v3 for GitHub Enterprise Server. */
  prefix?: string;
  /** Check bodies against the official OpenAPI schemas (default true). */
  validate?: boolean;
  /**
   * A GitHub App: every /app request must carry a JWT signed RS256 by this App's key, with
   * iss = appId, iat in the past, exp in the future and at most 10 minutes after iat; anything
   * else is answered 401 the way GitHub words it, before any stub is looked at.
   */
  app?: { appId: number; publicKey: KeyObject };
}

/** Why GitHub would refuse this Authorization header for the App, or null when it is a good JWT. */
export function jwtProblem(authorization: string | undefined, app: { appId: number; publicKey: KeyObject }, now = Date.now()): string | null {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? '');
  if (!m) return 'A JSON web token could not be decoded';
  let header: { alg?: string };
  let claims: { iat?: number; exp?: number; iss?: unknown };
  try {
    header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (header.alg !== 'RS256') return 'A JSON web token could not be decoded';
  if (!verifySignature('RSA-SHA256', Buffer.from(`${m[1]}.${m[2]}`), app.publicKey, Buffer.from(m[3], 'base64url'))) return 'A JSON web token could not be decoded';
  if (String(claims.iss) !== String(app.appId)) return 'Integration not found';
  const t = Math.floor(now / 1000);
  if (typeof claims.iat !== 'number' || claims.iat > t + 5) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (typeof claims.exp !== 'number' || claims.exp <= t) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (claims.exp - claims.iat > 600) return "'Expiration time' claim ('exp') is too far in the future";
  return null;
}

export class FakeGithub {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: RecordedRequest[] = [];
  private checked = false;
  readonly schemaErrors: string[] = [];
  private readonly stubs: Stub[] = [];
  private server: Server | undefined;
  private readonly prefix: string;
  private readonly validate: boolean;
  /** http://127.0.0.1:PORT */
  origin = '';

  /** JWTs refused for /app requests (a test that expects a refusal looks here). */
  readonly jwtRefusals: string[] = [];
  private readonly app: FakeGithubOptions['app'];

  constructor(options: FakeGithubOptions = {}) {
    this.prefix = options.prefix ?? '';
    this.validate = options.validate ?? true;
    this.app = options.app;
  }

  /** The API base URL to give hookctl (origin + prefix). */
  get url(): string {
    return this.origin + this.prefix;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, headers, body, delayMs }) => {
          const send = () => {
            res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
            res.end(body);
          };
          if (delayMs) setTimeout(send, delayMs);
          else send();
        },
        (err: Error) => {
          res.writeHead(599);
          res.end(String(err?.stack ?? err));
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** Register a stub answering once per response given (a sequence is consumed in order). */
  stub(matcher: StubMatcher, ...responses: StubResponse[]): this {
    this.stubs.push({ matcher, responses: responses.length ? responses : [{ status: 200 }], used: 0 });
    return this;
  }

  /** Requests that reached a stub with this method and path. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  /**
   * Fails on unexpected requests, unused stubs and schema violations. Called by finish() in
   * every test's afterEach, unless the test already called it.
   */
  assertDone(): void {
    this.checked = true;
    const problems: string[] = [];
    for (const r of this.unexpected) problems.push(`unexpected request: ${r.method} ${r.path}${Object.keys(r.query).length ? '?' + new URLSearchParams(r.query) : ''} ${r.rawBody}`);
    for (const s of this.stubs) {
      if (s.used < s.responses.length) problems.push(`unused stub: ${s.matcher.method} ${s.matcher.path} (${s.used}/${s.responses.length} answers used)`);
    }
    problems.push(...this.schemaErrors);
    if (problems.length) throw new Error(`fake GitHub:\n  ${problems.join('\n  ')}`);
  }

  /** assertDone() (unless the test called it) and close: for afterEach. */
  async finish(): Promise<void> {
    try {
      if (!this.checked) this.assertDone();
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: string; delayMs?: number }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    let body: unknown = undefined;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = rawBody;
      }
    }
    const path = url.pathname.startsWith(this.prefix) ? url.pathname.slice(this.prefix.length) || '/' : url.pathname;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: this.prefix && !url.pathname.startsWith(this.prefix) ? `(outside ${this.prefix}) ${url.pathname}` : path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body,
    };
    if (this.app && (path === '/app' || path.startsWith('/app/'))) {
      const problem = jwtProblem(req.headers.authorization, this.app);
      if (problem) {
        this.jwtRefusals.push(`${recorded.method} ${recorded.path}: ${problem}`);
        return { status: 401, headers: {}, body: JSON.stringify({ message: problem, documentation_url: 'https://docs.github.com/rest' }) };
      }
    }
    const stub = this.stubs.find((s) => s.used < s.responses.length && this.matches(s.matcher, recorded));
    if (!stub) {
      this.unexpected.push(recorded);
      return { status: 599, headers: {}, body: JSON.stringify({ message: `fake GitHub: no stub for ${recorded.method} ${recorded.path}` }) };
    }
    this.requests.push(recorded);
    const response = stub.responses[stub.used++];
    const status = response.status ?? 200;
    const op = this.validate ? operationFor(recorded.method, recorded.path) : undefined;
    if (this.validate && !op) this.schemaErrors.push(`${recorded.method} ${recorded.path} is not one of the endpoints in test/fixtures/github-rest`);
    if (op?.request && body !== undefined && !op.request(body)) {
      this.schemaErrors.push(`request body of ${op.operationId} does not match GitHub's schema: ${errorText(op.request)} — ${rawBody}`);
    }
    if (op && status < 300 && response.body !== undefined && typeof response.body !== 'string') {
      const validate = op.responses.get(String(status));
      if (validate === undefined) this.schemaErrors.push(`${op.operationId} has no ${status} response in GitHub's description`);
      else if (validate && !validate(response.body)) {
        this.schemaErrors.push(`stubbed ${status} response of ${op.operationId} does not match GitHub's schema: ${errorText(validate)}`);
      }
    }
    const fill = (s: string) => s.replaceAll('{{base}}', this.url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers ?? {})) headers[k] = fill(v);
    const text = response.body === undefined ? '' : typeof response.body === 'string' ? fill(response.body) : JSON.stringify(response.body);
    return { status, headers, body: text, delayMs: response.delayMs };
  }

  private matches(m: StubMatcher, r: RecordedRequest): boolean {
    if (m.method.toUpperCase() !== r.method) return false;
    if (typeof m.path === 'string' ? m.path !== r.path : !m.path.test(r.path)) return false;
    for (const [k, v] of Object.entries(m.query ?? {})) if (r.query[k] !== v) return false;
    if (m.body && !m.body(r.body)) return false;
    return true;
  }
}

export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  return new FakeGithub(options).start();
}

// ---------------------------------------------------------------------------------------
// Builders based on GitHub's official examples

let nextId = 1000;

/** A repository hook shaped like GitHub's example, with overrides. */
export function makeHook(overrides: { id?: number; url?: string; events?: string[]; active?: boolean; contentType?: string; insecureSsl?: string; secret?: boolean; owner?: string; repo?: string; lastResponse?: { code: number | null; status: string; message: string | null } } = {}): any {
  const hook = officialExample('repos/get-webhook');
  const id = overrides.id ?? nextId++;
  const api = `https://api.github.com/repos/${overrides.owner ?? 'octo-org'}/${overrides.repo ?? 'octo-repo'}/hooks/${id}`;
  hook.id = id;
  hook.events = overrides.events ?? ['push'];
  hook.active = overrides.active ?? true;
  hook.config = {
    content_type: overrides.contentType ?? 'json',
    insecure_ssl: overrides.insecureSsl ?? '0',
    url: overrides.url ?? `https://example.com/hooks/${id}`,
    ...(overrides.secret ? { secret: '********' } : {}),
  };
  hook.url = api;
  hook.test_url = `${api}/test`;
  hook.ping_url = `${api}/pings`;
  hook.deliveries_url = `${api}/deliveries`;
  if (overrides.lastResponse) hook.last_response = overrides.lastResponse;
  return hook;
}

/** An organization hook shaped like GitHub's example. */
export function makeOrgHook(overrides: { id?: number; url?: string; events?: string[]; active?: boolean; contentType?: string; org?: string } = {}): any {
  const hook = officialExample('orgs/get-webhook');
  const id = overrides.id ?? nextId++;
  hook.id = id;
  hook.events = overrides.events ?? ['push'];
  hook.active = overrides.active ?? true;
  hook.config = { content_type: overrides.contentType ?? 'json', insecure_ssl: '0', url: overrides.url ?? `https://example.com/org-hooks/${id}` };
  hook.url = `https://api.github.com/orgs/${overrides.org ?? 'octo-org'}/hooks/${id}`;
  hook.ping_url = `${hook.url}/pings`;
  hook.deliveries_url = `${hook.url}/deliveries`;
  return hook;
}

/** A row of the delivery log. */
export function makeDeliverySummary(overrides: Partial<{ id: number; guid: string; delivered_at: string; event: string; action: string | null; status_code: number; redelivery: boolean }> = {}): any {
  const d = officialExample('repos/list-webhook-deliveries')[0];
  return { ...d, throttled_at: null, ...overrides };
}

/** A full delivery (GET …/deliveries/{id}) with the payload GitHub shows, parsed. */
export function makeDeliveryDetail(overrides: Partial<{ id: number; guid: string; delivered_at: string; event: string; action: string | null; status_code: number; payload: unknown; headers: Record<string, string>; responsePayload: string | null; hookId: number }> = {}): any {
  const d = officialExample('repos/get-webhook-delivery');
  const guid = overrides.guid ?? d.guid;
  const event = overrides.event ?? d.event;
  return {
    ...d,
    id: overrides.id ?? d.id,
    guid,
    event,
    action: overrides.action === undefined ? d.action : overrides.action,
    delivered_at: overrides.delivered_at ?? d.delivered_at,
    status_code: overrides.status_code ?? d.status_code,
    throttled_at: null,
    request: {
      headers: overrides.headers ?? {
        Accept: '*/*',
        'Content-Type': 'application/json',
        'User-Agent': 'GitHub-Hookshot/b8c5e6d',
        'X-GitHub-Delivery': guid,
        'X-GitHub-Event': event,
        'X-GitHub-Hook-ID': String(overrides.hookId ?? 42),
        'X-GitHub-Hook-Installation-Target-ID': '456',
        'X-GitHub-Hook-Installation-Target-Type': 'repository',
        'X-Hub-Signature': 'sha1=0000000000000000000000000000000000000000',
        'X-Hub-Signature-256': 'sha256=0000000000000000000000000000000000000000000000000000000000000000',
      },
      payload: overrides.payload ?? { action: 'opened', repository: { id: 456, full_name: 'octo-org/octo-repo' }, sender: { login: 'octocat' } },
    },
    response: { headers: { 'Content-Type': 'text/plain' }, payload: overrides.responsePayload === undefined ? 'ok' : overrides.responsePayload },
  };
}
