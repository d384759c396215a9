/**
 * `hookctl listen`: wires the receiver (verify), the store (keep), deliver (forward), the
 * schema check (drift) and, with --tunnel, a tunnel session; renders one line (or one NDJSON
 * record) per delivery. The receiver answers only after the store committed the row;
 * forwarding and the schema check happen after the answer, off the request's hot path.
 */
import type { AppContext } from '../context.js';
import { TargetError, UsageError } from '../errors.js';
import { clockTime, eventName, formatDuration, formatStatus } from '../output.js';
import { createReceiver, ListenError, type ReceivedDelivery, type Receiver, type RefusedRequest } from '../core/receiver.js';
import { parsePayload } from '../core/payload.js';
import { openDeliveryWriter, toDeliveryRecord, type AttemptRecord, type SchemaVerdict, type StoredDelivery } from '../core/store.js';
import type { Colors } from '../io.js';

export interface ListenOptions {
  port?: number;
  host?: string;
  path?: string;
  secret?: string[];
  forwardTo?: string[];
  events?: string;
  store?: string;
  tunnel?: boolean;
  register?: string;
  keepActive?: boolean;
  cloudflared?: string;
  apiUrl?: string;
  json?: boolean;
}

/** Hooks for tests: stop without a signal, learn the bound port. */
export interface ListenControl {
  signal?: AbortSignal;
  onReady?: (info: { port: number; host: string; url: string }) => void;
}

export interface ForwardRoute {
  /** Events (event or event.action) this route takes; null = every event not routed elsewhere. */
  events: string[] | null;
  url: string;
}

/** `EVENT=URL` or `URL`; EVENT may be a comma list and event.action. */
export function parseForwardRoutes(values: string[]): ForwardRoute[] {
  return values.map((value) => {
    const m = /^([A-Za-z0-9_.,*-]+)=(.+)$/.exec(value);
    const [events, url] = m && !/^https?:/i.test(value) ? [m[1].split(',').filter(Boolean), m[2]] : [null, value];
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--forward-to: not a valid URL: "${url}"`, ['Use --forward-to http://localhost:3000/webhooks or --forward-to push=http://localhost:3000/push']);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`--forward-to: unsupported URL scheme "${parsed.protocol}" in ${url} (use http or https)`);
    }
    return { events: events && events.length && !events.includes('*') ? events : null, url };
  });
}

/** Where a delivery goes: the routes naming its event (or event.action), else the catch-alls. */
export function routesFor(routes: ForwardRoute[], event: string, action: string | null): string[] {
  const names = action ? [event, `${event}.${action}`] : [event];
  const named = routes.filter((r) => r.events?.some((e) => names.includes(e)));
  return (named.length ? named : routes.filter((r) => r.events === null)).map((r) => r.url);
}

function parseEventList(value: string | undefined): string[] | null {
  if (!value) return null;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length === 0 || list.includes('*') ? null : list;
}

function eventMatches(list: string[] | null, event: string | null, action: string | null): boolean {
  if (!list) return true;
  if (!event) return false;
  return list.includes(event) || (action !== null && list.includes(`${event}.${action}`));
}

type ValidateFn = typeof import('../core/schemas.js').validatePayload;

/** Loads the schema module lazily (only when a delivery arrives); null if it cannot load. */
async function loadValidator(): Promise<ValidateFn | null> {
  try {
    return (await import('../core/schemas.js')).validatePayload;
  } catch {
    return null;
  }
}

/**
 * The drift check is best effort and must never slow receiving: checks run one at a time,
 * at most SCHEMA_CHECKS_PER_SECOND, and a delivery that arrives beyond that is not checked
 * (its schema verdict stays null). At a developer's pace every delivery is checked.
 */
const SCHEMA_CHECKS_PER_SECOND = 10;
const MAX_QUEUED_SCHEMA_CHECKS = 8;
const SCHEMA_CHECK_MAX_BYTES = 1024 * 1024;

interface Totals {
  accepted: number;
  redeliveries: number;
  rejected: number;
  refused: number;
  forwarded: number;
  forwardFailed: number;
  drift: number;
}

function signatureText(c: Colors, d: { signature: string; signatureAlgorithm: string | null }): string {
  switch (d.signature) {
    case 'valid':
      return c.green(d.signatureAlgorithm === 'sha1' ? '✓ sha1' : '✓ signed');
    case 'unchecked':
      return c.dim('· unchecked');
    case 'missing':
      return c.red('✗ unsigned');
    default:
      return c.red('✗ bad sig');
  }
}

function forwardText(c: Colors, f: AttemptRecord): string {
  if (f.status === null) return `${c.red('→ failed')} ${f.error ?? ''} ${c.dim(f.url)}`.trimEnd();
  return `→ ${formatStatus(c, f.status)} ${c.dim(formatDuration(f.durationMs))} ${c.dim(f.url)}`;
}

export async function listen(ctx: AppContext, options: ListenOptions, control: ListenControl = {}): Promise<number> {
  const { io } = ctx;
  const c = io.color;
  const ec = io.errColor;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5000;
  if (options.register && !options.tunnel) {
    throw new UsageError('--register needs --tunnel', ['Use: hookctl listen --tunnel --register OWNER/REPO (or hookctl register … --url URL).']);
  }
  if (options.path !== undefined && !options.path.startsWith('/')) {
    throw new UsageError(`--path must start with /, got "${options.path}"`);
  }
  const routes = parseForwardRoutes(options.forwardTo ?? []);
  const eventFilter = parseEventList(options.events);
  const secrets = ctx.secrets(options.secret);
  const storeFile = options.store ?? ctx.paths.store;
  const store = openDeliveryWriter(storeFile);
  const started = Date.now();
  const totals: Totals = { accepted: 0, redeliveries: 0, rejected: 0, refused: 0, forwarded: 0, forwardFailed: 0, drift: 0 };
  const pendingWork = new Set<Promise<void>>();
  let dispatcher: import('undici').Dispatcher | undefined;
  let deliver: typeof import('../core/deliver.js') | undefined;
  let validatorReady: Promise<ValidateFn | null> | undefined;
  let pendingSchema = 0;
  let schemaChain: Promise<void> = Promise.resolve();
  let schemaWindow = 0;
  let schemaChecksThisSecond = 0;

  const receiver: Receiver = createReceiver<StoredDelivery>({
    secrets,
    path: options.path,
    // The store reads the payload while it keeps the row, and settles 200 or 400 "unreadable JSON".
    sink: (delivery) => store.receive(delivery),
    status: async (): Promise<Record<string, unknown>> => ({ version: ctx.version, deliveries: store.count(), secrets: receiver.secretCount() > 0 }),
    onDelivery: (d, stored) => {
      const work = afterAnswer(d, stored).catch((err) => io.warn(`could not finish delivery ${stored.id}: ${(err as Error).message}`));
      pendingWork.add(work);
      void work.finally(() => pendingWork.delete(work));
    },
    onRefused: (r) => onRefused(r),
  });

  // Lines are written once per turn of the event loop: one write for a burst, not one each.
  let lines: string[] = [];
  const flushLines = () => {
    if (lines.length === 0) return;
    const text = lines.join('\n');
    lines = [];
    io.out(text);
  };
  const show = (line: string) => {
    if (lines.push(line) === 1) setImmediate(flushLines);
  };

  async function schemaCheck(d: ReceivedDelivery, stored: StoredDelivery): Promise<SchemaVerdict | null> {
    // A payload of a MiB and more is not checked: parsing it here would cost this thread
    // (and memory) far more than the answer did.
    if (d.status !== 200 || !d.event || d.body.length >= SCHEMA_CHECK_MAX_BYTES) return null;
    const second = Math.floor(Date.now() / 1000);
    if (second !== schemaWindow) {
      schemaWindow = second;
      schemaChecksThisSecond = 0;
    }
    if (pendingSchema >= MAX_QUEUED_SCHEMA_CHECKS || schemaChecksThisSecond >= SCHEMA_CHECKS_PER_SECOND) return null;
    schemaChecksThisSecond++;
    pendingSchema++;
    const previous = schemaChain;
    let release!: () => void;
    schemaChain = new Promise<void>((r) => (release = r));
    try {
      await previous;
      // Let the answer and other requests go first.
      await new Promise((r) => setImmediate(r));
      const validate = await (validatorReady ??= loadValidator());
      if (!validate) return null;
      // Parsed here, for the few deliveries checked: the hot path never builds the object.
      const result = await validate(d.event, d.action, parsePayload(d.bodyKind, d.body));
      const verdict: SchemaVerdict = !result.schemaFound
        ? { status: 'unknown', violations: [] }
        : { status: result.valid ? 'valid' : 'invalid', violations: result.violations.slice(0, 20) };
      await store.setSchemaVerdict(stored.id, verdict).catch(() => undefined);
      return verdict;
    } catch {
      return null;
    } finally {
      pendingSchema--;
      release();
    }
  }

  async function forward(d: ReceivedDelivery, stored: StoredDelivery): Promise<AttemptRecord[]> {
    if (d.status !== 200 || !d.event || routes.length === 0) return [];
    if (!eventMatches(eventFilter, d.event, d.action)) return [];
    const targets = routesFor(routes, d.event, d.action);
    if (targets.length === 0) return [];
    deliver ??= await import('../core/deliver.js');
    dispatcher ??= deliver.createDispatcher(32);
    const headers = deliver.forwardableHeaders(d.rawHeaders);
    const results = await Promise.all(targets.map((url) => deliver!.post({ url, body: d.body, headers }, { dispatcher })));
    const records: AttemptRecord[] = [];
    for (const r of results) {
      const attempt = { kind: 'forward' as const, url: r.url, status: r.status, durationMs: r.durationMs, error: r.error };
      records.push(await store.recordAttempt(stored.id, attempt).catch(() => ({ ...attempt, at: new Date().toISOString() })));
      if (deliver.isSuccess(r)) totals.forwarded++;
      else totals.forwardFailed++;
    }
    return records;
  }

  async function afterAnswer(d: ReceivedDelivery, stored: StoredDelivery): Promise<void> {
    if (d.status === 200) {
      totals.accepted++;
      if (stored.attempt > 1) totals.redeliveries++;
    } else totals.rejected++;
    const [forwards, schema] = await Promise.all([forward(d, stored), schemaCheck(d, stored)]);
    if (schema?.status === 'invalid') totals.drift++;
    // GitHub's ping is always shown: it is how a new hook (or a tunnel) proves it works.
    if (d.status === 200 && d.event !== 'ping' && !eventMatches(eventFilter, d.event, d.action)) return;
    const summary = { ...stored, schema, forward: forwards.length ? forwards[forwards.length - 1] : null };
    if (options.json) {
      show(JSON.stringify(toDeliveryRecord(summary, forwards)));
      return;
    }
    const parts = [
      c.dim(clockTime(d.receivedAt)),
      c.bold(d.event ? eventName(d.event, d.action) : '(no event)'),
      d.repository ?? c.dim('-'),
      d.sender ? c.dim(`@${d.sender}`) : c.dim('-'),
      c.cyan(stored.id),
      signatureText(c, d),
      formatStatus(c, d.status),
    ];
    if (stored.attempt > 1) parts.push(c.magenta(`↻ redelivery #${stored.attempt}`));
    if (d.rejectReason) parts.push(c.red(d.rejectReason));
    for (const f of forwards) parts.push(forwardText(c, f));
    if (schema?.status === 'invalid') {
      const first = schema.violations[0];
      parts.push(c.yellow(`⚠ schema drift: ${schema.violations.length} difference${schema.violations.length === 1 ? '' : 's'}${first ? ` (${first.path || '/'} ${first.message})` : ''}`));
    }
    show(parts.join('  '));
  }

  function onRefused(r: RefusedRequest): void {
    totals.refused++;
    if (options.json) return;
    const reason = r.status === 503 ? `not stored: ${r.reason}` : r.reason;
    show([c.dim(clockTime(r.at)), c.bold(`${r.method} ${r.path}`), formatStatus(c, r.status), c.red(reason)].join('  '));
  }

  // Listen.
  let address;
  try {
    address = await receiver.listen(port, host);
  } catch (err) {
    store.close();
    if (err instanceof ListenError) {
      if (err.code === 'EADDRINUSE') {
        throw new TargetError(`port ${port} is already in use on ${host}`, [`Pick another one with --port, e.g. hookctl listen --port ${port + 1}`]);
      }
      if (err.code === 'EACCES') {
        throw new TargetError(`not allowed to listen on port ${port}`, ['Ports below 1024 need privileges; pick another one with --port, e.g. --port 5000']);
      }
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        throw new TargetError(`cannot listen on ${host}: no such local address`, ['Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).']);
      }
      throw new TargetError(`cannot listen on ${host}:${port}: ${err.message}`);
    }
    throw err;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}${options.path ?? '/'}`;
  io.err(`${ec.green('●')} Listening on ${ec.bold(url)}  ${ec.dim(`(store: ${store.file})`)}`);
  if (host === '0.0.0.0' || host === '::') {
    io.warn(`listening on every network interface (${host}): anyone who can reach this machine can send deliveries; prefer --host 127.0.0.1 with --tunnel`);
  }
  if (secrets.length === 0 && !options.tunnel) {
    io.warn('no secret: deliveries are accepted without checking their signature (marked unchecked). Pass --secret or set HOOKCTL_SECRET.');
  } else if (secrets.length > 1) {
    io.err(ec.dim(`Verifying with ${secrets.length} secrets (rotation).`));
  }
  for (const r of routes) io.err(`${ec.dim('Forwarding')} ${r.events ? `${r.events.join(',')} → ` : ''}${r.url}`);
  if (eventFilter) io.err(ec.dim(`Showing and forwarding only: ${eventFilter.join(', ')} (everything is stored)`));

  let tunnel: import('./tunnel-session.js').TunnelSession | undefined;
  let exitCode = 0;
  let onSignal: (sig: string) => void = () => undefined;
  // Ctrl+C while the tunnel is still starting stops cloudflared at once.
  const startup = new AbortController();
  const stop = new Promise<string>((resolve) => {
    onSignal = (sig: string) => {
      startup.abort();
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    control.signal?.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  const removeSignalHandlers = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  try {
    if (options.tunnel) {
      const { openTunnelSession } = await import('./tunnel-session.js');
      tunnel = await openTunnelSession(ctx, {
        port: address.port,
        host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
        path: options.path,
        register: options.register,
        events: options.events,
        secrets,
        keepActive: options.keepActive,
        cloudflared: ctx.cloudflaredFlag(options.cloudflared),
        apiUrl: options.apiUrl ? ctx.apiUrl(options.apiUrl) : undefined,
        onSecret: (s) => receiver.setSecrets([s]),
        signal: startup.signal,
      });
      io.err(`${ec.green('●')} Public payload URL: ${ec.bold(tunnel.payloadUrl)}`);
      if (receiver.secretCount() === 0) {
        io.warn('no secret: anyone who learns the tunnel URL can send deliveries. Pass --secret or set HOOKCTL_SECRET.');
      }
    }
  } catch (err) {
    removeSignalHandlers();
    await receiver.close();
    store.close();
    throw err;
  }
  control.onReady?.({ port: address.port, host, url });

  const died = tunnel ? tunnel.died.then((reason) => ({ died: reason })) : new Promise<never>(() => undefined);
  const outcome = await Promise.race([stop.then((sig) => ({ sig })), died]);
  // A second Ctrl+C while stopping is swallowed; the stop is bounded (15 s at most).
  if ('died' in outcome) {
    io.err(`${ec.red('error:')} the tunnel stopped: ${outcome.died}`);
    exitCode = 1;
  } else if (!options.json) {
    io.err(ec.dim('\nStopping: finishing deliveries in flight…'));
  }

  // Graceful stop: no new connections, answer what is in flight, finish forwards, close.
  await receiver.close();
  await Promise.race([Promise.allSettled([...pendingWork]), new Promise((r) => setTimeout(r, 11_000).unref())]);
  if (tunnel) await tunnel.close().catch((err) => io.warn(`closing the tunnel: ${(err as Error).message}`));
  await (dispatcher as { close?: () => Promise<void> } | undefined)?.close?.().catch(() => undefined);
  store.close();
  removeSignalHandlers();
  flushLines();

  const elapsed = formatDuration(Date.now() - started);
  const line = [
    `${totals.accepted} accepted${totals.redeliveries ? ` (${totals.redeliveries} redeliver${totals.redeliveries === 1 ? 'y' : 'ies'})` : ''}`,
    `${totals.rejected} rejected`,
    ...(totals.refused ? [`${totals.refused} refused`] : []),
    ...(routes.length ? [`${totals.forwarded} forwarded${totals.forwardFailed ? `, ${totals.forwardFailed} forwards failed` : ''}`] : []),
    ...(totals.drift ? [`${totals.drift} with schema drift`] : []),
  ].join(', ');
  io.err(`Stopped after ${elapsed}: ${line}. Stored in ${store.file}`);
  return exitCode;
}

export async function run(ctx: AppContext, options: ListenOptions): Promise<number> {
  return listen(ctx, options);
}
