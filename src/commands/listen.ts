/**
 * `hookctl listen`: options → the relay (core/relay) → the terminal view (ui/relay-view) as a
 * subscriber; with --tunnel, a tunnel session. The relay answers only after the store
 * committed the row; forwarding and the schema check happen after the answer.
 */
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../context.js';
import { TargetError, UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { parseForwardRoutes } from '../core/relay/forward.js';
import { recordListener } from '../core/listeners.js';
import { ListenError, Relay } from '../core/relay/engine.js';
import { notForwardedHint, relaySummary, relayView, type RelayView } from '../ui/relay-view.js';
import { safe } from '../ui/sanitize.js';
import { verifyDataFolder } from './shared/data-folder.js';
import { startInspectorFor, type RunningInspector } from './shared/inspector.js';
import { stopSignals, type StopSignals } from './shared/signals.js';
import type { TunnelKnobs, TunnelSession } from '../core/tunnel/session.js';
import type { TunnelRecord } from '../ui/tunnel-view.js';
import type { TunnelReady } from './shared/tunnel-preflight.js';
import type { ListenFlags } from './listen.command.js';

/** What listen() takes in process: the declared flags (listen.command.ts), each optional, so a test gives only what it tests. */
export type ListenOptions = Partial<ListenFlags>;

/** Hooks for tests: stop without a signal, learn the bound port, shorter tunnel timers. */
export interface ListenControl {
  signal?: AbortSignal;
  onReady?: (info: { port: number; host: string; url: string }) => void;
  tunnel?: TunnelKnobs;
}

function checkOptions(options: ListenOptions): void {
  if (options.register && !options.tunnel) {
    throw new UsageError('--register needs --tunnel', ['Use: hookctl listen --tunnel --register OWNER/REPO (or hookctl register … --url URL).']);
  }
  if (options.registerApp && !options.tunnel) throw new UsageError('--register-app needs --tunnel', ['Use: hookctl listen --tunnel --register-app (or hookctl register --app --url URL).']);
  if (options.registerApp && options.register) throw new UsageError('give --register OWNER/REPO or --register-app, not both');
  if ((options.appId || options.privateKey) && !options.registerApp) throw new UsageError('--app-id and --private-key go with --register-app');
  if (options.keepActive && options.registerApp) {
    throw new UsageError('--keep-active does not apply with --register-app: an App has one webhook, so it is always put back when listen stops');
  }
  if (options.keepActive && !options.register) throw new UsageError('--keep-active only applies with --tunnel --register OWNER/REPO');
  if (options.catchUp === false && !options.register && !options.registerApp) throw new UsageError('--no-catch-up only applies with --tunnel --register OWNER/REPO or --register-app');
  if (options.path !== undefined && !options.path.startsWith('/')) throw new UsageError(`--path must start with /, got "${options.path}"`);
}

async function listenError(err: unknown, host: string, port: number, tried: number): Promise<unknown> {
  if (!(err instanceof ListenError)) return err;
  if (err.code === 'EADDRINUSE') {
    const { freePortNear } = await import('../core/ports.js');
    const free = await freePortNear(host, port + tried - 1);
    const what = tried > 1 ? `ports ${port}–${port + tried - 1} are all in use` : `port ${port} is already in use`;
    return new TargetError(`${what} on ${host}`, [`Pick another one with --port: ${free} is free, e.g. hookctl listen --port ${free}`]);
  }
  if (err.code === 'EACCES') return new TargetError(`not allowed to listen on port ${port}`, ['Ports below 1024 need privileges; pick another one with --port, e.g. --port 5000']);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    return new TargetError(`cannot listen on ${host}: no such local address`, ['Use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).']);
  }
  return new TargetError(`cannot listen on ${host}:${port}: ${err.message}`);
}

/**
 * Bind the receiver: an explicit --port, or the default and (when it is taken) the next free
 * one of NEXT_PORTS. Resolves with the address; on failure the store is closed.
 */
async function bind(relay: Relay, host: string, port: number, explicit: boolean): Promise<AddressInfo> {
  const { NEXT_PORTS } = await import('../core/ports.js');
  const last = explicit || port === 0 ? port : Math.min(port + NEXT_PORTS, 65535);
  for (let candidate = port; ; candidate++) {
    try {
      return await relay.listen(candidate, host);
    } catch (err) {
      if (candidate < last && err instanceof ListenError && err.code === 'EADDRINUSE') continue;
      relay.closeStore();
      throw await listenError(err, host, port, candidate - port + 1);
    }
  }
}

/** The URL a client on this machine opens: loopback when bound to every interface (0.0.0.0 and :: are not addresses to send to). */
function localUrl(address: AddressInfo, path: string | undefined): string {
  const shownHost = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}${path ?? '/'}`;
}

export async function listen(ctx: AppContext, options: ListenOptions, control: ListenControl = {}): Promise<number> {
  const { io } = ctx;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? ctx.defaults.port;
  checkOptions(options);
  const routes = parseForwardRoutes(options.forwardTo ?? []);
  const events = options.events !== undefined ? parseEventList(options.events, { flag: '--events', emptyMeansAll: true }) : null;
  const secrets = ctx.secrets(options.secret);
  // Credentials and cloudflared before anything starts (nothing bound, nothing written).
  let tunnelReady: TunnelReady | undefined;
  if (options.tunnel) {
    const { preflightTunnel } = await import('./shared/tunnel-preflight.js');
    tunnelReady = await preflightTunnel(ctx, options);
  }
  const started = Date.now();
  if (!options.store) verifyDataFolder(ctx);
  const relay = new Relay({ store: options.store ?? ctx.paths.store, secrets, path: options.path, routes, events, forwardTimeoutMs: options.forwardTimeout });
  // What this run does not forward is sent later by this (everything it received came after `started`).
  const replayCommand = `hookctl replay --not-forwarded --since ${new Date(started).toISOString()}${options.store ? ` --store ${shellWord(options.store)}` : ''}`;
  const view = relayView(io, { json: options.json, replayCommand });
  relay.subscribe(view.onEvent);

  // Handlers first: a Ctrl+C while the tunnel starts must still stop it.
  const signals = stopSignals({ control: control.signal });
  // The record send and replay find this listener by (core/listeners.ts), removed however listen ends.
  let unrecord: (() => void) | undefined;
  try {
    const address = await bind(relay, host, port, options.port !== undefined);
    const url = announce(ctx, options, relay, address, port);
    unrecord = recordSelf(ctx, relay, { url, host, port: address.port, path: options.path });
    warnAtStart(ctx, options, host, secrets.length, routes, events);
    const { inspector, tunnel } = await startServices(ctx, options, { relay, view, url, routes, secrets, tunnelReady, host, port: address.port, abort: signals.abort, knobs: control.tunnel });
    // For scripts and CI: `hookctl listen --json &`, read one line, go.
    view.ready({
      type: 'ready',
      url,
      publicUrl: tunnel?.payloadUrl ?? null,
      inspector: inspector?.url ?? null,
      store: relay.storeFile,
      hook: tunnel?.hook ?? null,
      pid: process.pid,
      version: ctx.version,
    });
    control.onReady?.({ port: address.port, host, url });

    const died = await runUntilStopped(ctx, signals, { relay, inspector, tunnel });
    view.flush();
    io.err(`${relaySummary(relay.totals, Date.now() - started, routes.length > 0)} Stored in ${relay.storeFile}`);
    const hint = notForwardedHint(relay.totals, replayCommand);
    if (hint) io.warn(hint);
    // A tunnel that died ends the run with its error (exit 1), after the summary.
    if (died) throw died;
    return 0;
  } finally {
    unrecord?.();
    signals.dispose();
  }
}

/** Bound: where (and, when the default port was taken, where instead), with the store and the project file. Returns the local URL. */
function announce(ctx: AppContext, options: ListenOptions, relay: Relay, address: AddressInfo, port: number): string {
  const { io } = ctx;
  const ec = io.errColor;
  const host = options.host ?? '127.0.0.1';
  const url = localUrl(address, options.path);
  const everywhere = host === '0.0.0.0' || host === '::';
  if (address.port !== port && port !== 0) io.err(ec.yellow(`Port ${port} is taken: listening on ${address.port} instead (send and replay find it; --port N to choose).`));
  io.err(`${ec.green('●')} Listening on ${ec.bold(url)}${everywhere ? ` on every interface (${host})` : ''}  ${ec.dim(`(store: ${relay.storeFile}${ctx.projectFile ? `; settings from ${ctx.projectFile}` : ''})`)}`);
  return url;
}

/** Record this listener where send and replay look for it (core/listeners.ts); returns how to remove the record, or nothing (and a warning) when it could not be written. */
function recordSelf(ctx: AppContext, relay: Relay, where: { url: string; host: string; port: number; path: string | undefined }): (() => void) | undefined {
  try {
    return recordListener(ctx.paths.home, { url: where.url, path: where.path ?? null, pid: process.pid, port: where.port, host: where.host, store: relay.storeFile, startedAt: new Date().toISOString() });
  } catch (err) {
    ctx.io.warn(`send and replay will not find this listener without --to: cannot record it in ${ctx.paths.home} (${(err as Error).message})`);
    return undefined;
  }
}

interface ServiceWiring {
  relay: Relay;
  view: RelayView;
  url: string;
  routes: { url: string }[];
  secrets: string[];
  tunnelReady: TunnelReady | undefined;
  host: string;
  port: number;
  abort: AbortSignal;
  knobs?: TunnelKnobs;
}

/**
 * What runs beside the receiver: the inspector (unless --no-inspect) and, with --tunnel, the
 * tunnel session. A secret the tunnel learns signs the inspector's replays too. When one fails
 * to start, what started is stopped (the relay included) and the error goes on.
 */
async function startServices(ctx: AppContext, options: ListenOptions, wiring: ServiceWiring): Promise<{ inspector?: RunningInspector; tunnel?: TunnelSession }> {
  const { relay, view, url, host, port } = wiring;
  let secret = wiring.secrets[0];
  let tunnel: TunnelSession | undefined;
  let inspector: RunningInspector | undefined;
  try {
    if (options.inspect !== false) {
      inspector = await startInspectorFor(ctx, options.inspectPort, {
        store: relay.store,
        version: ctx.version,
        secret: () => secret,
        listener: url,
        publicUrl: () => tunnel?.payloadUrl ?? null,
        forwardTargets: wiring.routes.map((r) => r.url),
        relay,
      }, options.inspectPort === undefined);
    }
    if (options.tunnel) {
      tunnel = await startTunnel(ctx, options, { ready: wiring.tunnelReady ?? {}, relay, host, port, abort: wiring.abort, onSecret: (s) => (secret = s), onRecord: (r) => view.record(r), knobs: wiring.knobs });
    }
  } catch (err) {
    await inspector?.close();
    await relay.stop();
    throw err;
  }
  return { inspector, tunnel };
}

/**
 * Run until the first signal (or the tunnel dying), then stop through the signal policy: the
 * hook let go first, then no new connections, what is in flight answered, forwards finished,
 * everything closed. Resolves with the tunnel's error when it died.
 */
async function runUntilStopped(ctx: AppContext, signals: StopSignals, running: { relay: Relay; inspector?: RunningInspector; tunnel?: TunnelSession }): Promise<Error | undefined> {
  const { io } = ctx;
  const { relay, inspector, tunnel } = running;
  const outcome = await signals.until(tunnel?.died);
  if ('signal' in outcome && outcome.signal !== 'abort') {
    // The terminal echoed ^C on the current line: start a fresh one.
    if (io.isStderrTTY) io.err('');
    io.err(io.errColor.dim('Stopping: finishing deliveries in flight… (Ctrl+C again to stop now)'));
  }
  // The hook is let go first (GitHub stops sending; what is in flight still arrives through
  // the running tunnel), so a second Ctrl+C never leaves it pointing at a dead tunnel.
  void tunnel?.releaseHook();
  // Stopped at once: only the hook's release (one API call, already under way) is waited for, briefly.
  await signals.stop(
    async () => {
      await relay.stop();
      await inspector?.close();
      if (tunnel) await tunnel.close().catch((err) => io.warn(`closing the tunnel: ${(err as Error).message}`));
    },
    async () => tunnel?.releaseHook(),
  );
  return 'value' in outcome ? outcome.value : undefined;
}

function warnAtStart(
  ctx: AppContext,
  options: ListenOptions,
  host: string,
  secretCount: number,
  routes: { events: string[] | null; url: string }[],
  events: string[] | null,
): void {
  const { io } = ctx;
  const ec = io.errColor;
  if (host === '0.0.0.0' || host === '::') {
    io.warn(`listening on every network interface (${host}): anyone who can reach this machine can send deliveries; prefer --host 127.0.0.1 with --tunnel`);
  }
  if (secretCount === 0 && !options.tunnel) {
    io.warn('no secret: deliveries are accepted without checking their signature (marked unchecked). Pass --secret or set HOOKCTL_SECRET.');
  } else if (secretCount > 1) {
    io.err(ec.dim(`Verifying with ${secretCount} secrets (rotation).`));
  }
  for (const r of routes) io.err(`${ec.dim('Forwarding')} ${r.events ? `${r.events.join(',')} → ` : ''}${safe(r.url)}`);
  if (events) io.err(ec.dim(`Showing and forwarding only: ${events.join(', ')} (everything is stored)`));
}

interface TunnelWiring {
  ready: TunnelReady;
  relay: Relay;
  host: string;
  port: number;
  abort: AbortSignal;
  onSecret: (secret: string) => void;
  onRecord: (record: TunnelRecord) => void;
  knobs?: TunnelKnobs;
}

async function startTunnel(ctx: AppContext, options: ListenOptions, wiring: TunnelWiring): Promise<TunnelSession> {
  const { io } = ctx;
  const ec = io.errColor;
  const { relay, host, port, abort, onSecret } = wiring;
  const { openTunnelSession } = await import('./shared/tunnel-session.js');
  const { catchUpLookups } = await import('../core/store/store.js');
  const tunnel = await openTunnelSession(ctx, {
    registerApp: wiring.ready.registerApp,
    token: wiring.ready.token,
    port,
    host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
    receiver: true,
    catchUp: options.catchUp === false ? undefined : () => catchUpLookups(relay.store),
    onRecord: wiring.onRecord,
    path: options.path,
    register: options.register,
    events: options.events,
    secrets: ctx.secrets(options.secret),
    keepActive: options.keepActive,
    cloudflared: ctx.cloudflaredFlag(options.cloudflared),
    apiUrl: options.apiUrl ? ctx.apiUrl(options.apiUrl) : undefined,
    onSecret: (s) => {
      relay.setSecrets([s]);
      onSecret(s);
    },
    signal: abort,
    knobs: wiring.knobs,
  });
  io.err(`${ec.green('●')} Public payload URL: ${ec.bold(tunnel.payloadUrl)}`);
  if (relay.secretCount() === 0) io.warn('no secret: anyone who learns the tunnel URL can send deliveries. Pass --secret or set HOOKCTL_SECRET.');
  return tunnel;
}

/** A path as one shell word (quoted when it needs to be). */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export async function run(ctx: AppContext, options: ListenOptions): Promise<number> {
  return listen(ctx, options);
}
