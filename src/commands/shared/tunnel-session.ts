/**
 * A tunnel session: a cloudflared quick tunnel to a local port that heals itself (restarted
 * when cloudflared dies or its public URL stops answering), optionally with a webhook pointed
 * at it, re-pointed after each restart, and caught up from GitHub's delivery log. Shared by
 * `hookctl tunnel` and `hookctl listen --tunnel`. Prints its progress on stderr; tells the
 * caller what happened through onEvent (for --json).
 */
import type { AppContext } from '../../context.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEventList } from '../../core/catalog/events.js';
import { catchUp, type CatchUpResult } from '../../core/github/catch-up.js';
import { parseRepo } from '../../core/github/targets.js';
import { openStore } from '../../core/store/store.js';
import { cloudflaredMissingError, downloadCloudflared, downloadedBinPath, findCloudflared, findCloudflaredConfigs, type CloudflaredBinary } from '../../core/tunnel/find.js';
import { parseLogLine } from '../../core/tunnel/log.js';
import { probeTunnel } from '../../core/tunnel/probe.js';
import { startQuickTunnel, type QuickTunnel } from '../../core/tunnel/process.js';
import { TunnelSupervisor } from '../../core/tunnel/supervisor.js';
import { count } from '../../ui/format.js';
import { confirm } from '../../ui/prompt.js';
import type { AppCredentials } from '../../core/github/app.js';
import { bindAppHook, bindRepoHook, type HookBinding } from './hook-binding.js';

export interface TunnelSessionOptions {
  /** Local port the tunnel points at. */
  port: number;
  /** Local host the tunnel points at (127.0.0.1 unless listen binds elsewhere). */
  host?: string;
  /** Path appended to the public URL to form the payload URL. */
  path?: string;
  /** OWNER/REPO whose webhook should point at the tunnel. */
  register?: string;
  /** Or a GitHub App whose webhook is borrowed (and put back on exit). */
  registerApp?: AppCredentials;
  /** Events for the registered hook (a,b or *). */
  events?: string;
  /** Secrets given by the user (first one is used for the hook). */
  secrets?: string[];
  keepActive?: boolean;
  cloudflared?: string;
  apiUrl?: string;
  /** The origin is hookctl's receiver: probes must come back from it (else any answer will do). */
  receiver?: boolean;
  /** Catch up from the hook's delivery log into this store (listen), unless --no-catch-up. */
  catchUpStore?: string;
  /**
   * Called before the hook is registered when the session picks the secret (the user's, or
   * one generated and remembered for the repository), so the listener verifies with it
   * before GitHub's ping arrives.
   */
  onSecret?: (secret: string) => void;
  /** What happened, for machine output. */
  onEvent?: (event: TunnelEvent) => void;
  /** Abort (e.g. on Ctrl+C) while cloudflared starts: it is stopped and CancelledError thrown. */
  signal?: AbortSignal;
  /** Shorter timers, for tests in this process (each default is tested on its own). */
  knobs?: TunnelKnobs;
}

/** The session's timers (defaults: core/tunnel's), and where probes really go. */
export interface TunnelKnobs {
  readyTimeoutMs?: number;
  graceMs?: number;
  backoffMs?: number;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** Send a probe of the public URL here instead (the fake cloudflared's loopback address). */
  probeMap?: (url: string) => string;
}

export type TunnelEvent =
  | { type: 'tunnel-restarted'; publicUrl: string; payloadUrl: string; reason: string; hook: { name: string; repointed: boolean } | null }
  | { type: 'catch-up'; redelivered: string[]; lost: { deliveryId: string; deliveredAt: string }[]; failed: string[]; more: number };

/** After a second Ctrl+C, how long the hook's release (already under way) may still take. */
const RELEASE_WAIT_MS = 3000;

export interface TunnelSession {
  /** https://….trycloudflare.com (a restart gives a new one). */
  readonly publicUrl: string;
  /** publicUrl + path: what GitHub posts to. */
  readonly payloadUrl: string;
  /** Resolves with a reason once the tunnel cannot be brought back (5 restarts in a row failed). */
  died: Promise<string>;
  /**
   * Let the hook go (deactivate a repository hook, put an App's webhook back); prints what
   * was done. Called first on a stop, so a second Ctrl+C that cuts the rest short does not
   * leave the hook pointing at a dead tunnel. Once only; close() waits for it. `atOnce`
   * (the user stopped at once): settles after RELEASE_WAIT_MS at the latest, so the release
   * already under way gets a moment to finish and no more.
   */
  releaseHook(atOnce?: boolean): Promise<void>;
  /** Release the hook, then stop cloudflared; prints what was done. */
  close(): Promise<void>;
  /** cloudflared's process id (for tests and diagnostics). */
  readonly pid: number;
  /** The webhook pointed at the tunnel (--register, --register-app). */
  hook?: { name: string; id: number | null; repository?: string; app?: number };
}

/**
 * Where a probe of the public URL really goes when HOOKCTL_TEST_TUNNEL_MAP (hidden) names the
 * fake cloudflared's state file: a spawned hookctl's tests cannot resolve trycloudflare.com.
 */
function probeMapFromEnv(env: NodeJS.ProcessEnv): ((url: string) => string) | undefined {
  const mapFile = env.HOOKCTL_TEST_TUNNEL_MAP;
  if (!mapFile) return undefined;
  return (url: string) => {
    const state = JSON.parse(readFileSync(mapFile, 'utf8')) as { publicUrl?: string; localUrl?: string };
    return state.publicUrl && state.localUrl && url.startsWith(state.publicUrl) ? state.localUrl + url.slice(state.publicUrl.length) : url;
  };
}

export async function openTunnelSession(ctx: AppContext, options: TunnelSessionOptions): Promise<TunnelSession> {
  const { io } = ctx;
  const c = io.errColor;
  // A bad OWNER/REPO or event name is a usage error before anything starts.
  if (options.register) parseRepo(options.register, '--register OWNER/REPO');
  if (options.events !== undefined) parseEventList(options.events, { flag: '--events', emptyMeansAll: true });
  const bin = await resolveBinary(ctx, options.cloudflared);
  const target = originUrl(options.host, options.port);
  const configs = findCloudflaredConfigs(ctx.env);
  if (configs.length > 0) {
    io.warn(`cloudflared config found (${configs.join(', ')}); it can stop quick tunnels (requests answered by its ingress rules). If the tunnel fails or answers 404, move it aside.`);
  }
  io.err(c.dim(`Starting a cloudflared quick tunnel to ${target} (cloudflared from ${bin.source}: ${bin.path}) …`));

  const knobs = options.knobs ?? {};
  const start = startFor(ctx, bin.path, target, options.signal, knobs);
  const first = await start();
  const describe = (t: QuickTunnel) => `${t.publicUrl} → ${target}${t.connection.location ? c.dim(` (Cloudflare ${t.connection.location}, ${t.connection.protocol || 'quic'})`) : ''}`;
  io.err(`${c.green('✓')} Tunnel ready: ${describe(first)}`);

  let binding: HookBinding | undefined;
  if (options.register || options.registerApp) {
    const say = (line: string) => io.err(line.startsWith('  ') ? c.dim(line) : `${c.green('✓')} ${line}`);
    const url = payloadUrlFor(first.publicUrl, options.path);
    try {
      binding = options.registerApp
        ? await bindAppHook(ctx, { ...options, credentials: options.registerApp, say, warn: (line) => io.warn(line) }, url)
        : await bindRepoHook(ctx, { ...options, register: options.register!, say }, url);
      await binding.ping().then(
        (pinged) => pinged && io.err(`${c.green('✓')} Asked GitHub to ping ${binding!.name}; it arrives through the tunnel`),
        (err: Error) => io.warn(`could not ask GitHub for a ping: ${err.message}`),
      );
    } catch (err) {
      await first.stop();
      throw err;
    }
  }
  // One catch-up at a time: a restart during one asks for another once it ends (two at once
  // would both read the same "asked" and ask GitHub twice for the same deliveries).
  let catchingUp: Promise<void> | null = null;
  let catchUpAgain = false;
  const runCatchUp = (): void => {
    if (!binding || !options.catchUpStore) return;
    if (catchingUp) {
      catchUpAgain = true;
      return;
    }
    catchingUp = caughtUp(ctx, binding, options.catchUpStore, options.onEvent).catch((err: Error) => io.warn(`catch-up failed: ${err.message}`)).finally(() => {
      catchingUp = null;
      if (catchUpAgain) {
        catchUpAgain = false;
        runCatchUp();
      }
    });
  };

  const probeMap = knobs.probeMap ?? probeMapFromEnv(ctx.env);
  const token = randomBytes(16).toString('hex');
  const supervisor = new TunnelSupervisor(first, {
    start,
    probe: (t) => probeTunnel(payloadUrlFor(t.publicUrl, options.path), { token: options.receiver ? token : undefined, timeoutMs: knobs.probeTimeoutMs, map: probeMap }),
    probeIntervalMs: knobs.probeIntervalMs,
    backoffMs: knobs.backoffMs,
    onRetry: (reason, failures, delay) => io.warn(`the tunnel is down (${reason}); starting a new one in ${Math.round(delay / 100) / 10} s (attempt ${failures} of 5)`),
    onRestarted: async (t, reason) => {
      const payloadUrl = payloadUrlFor(t.publicUrl, options.path);
      io.err(`${c.green('↻')} Tunnel restarted: ${describe(t)}`);
      let repointed = false;
      if (binding) {
        try {
          await binding.point(payloadUrl);
          repointed = true;
          io.err(`${c.green('↻')} Re-pointed ${binding.name} → ${payloadUrl}`);
        } catch (err) {
          io.warn(`could not re-point ${binding.name} at ${payloadUrl}: ${(err as Error).message}`);
        }
      }
      options.onEvent?.({ type: 'tunnel-restarted', publicUrl: t.publicUrl, payloadUrl, reason, hook: binding ? { name: binding.name, repointed } : null });
      runCatchUp();
    },
  });
  runCatchUp();

  let closing: Promise<void> | undefined;
  let releasing: Promise<void> | undefined;
  const releaseHook = (atOnce = false): Promise<void> => {
    releasing ??= binding
      ? binding.release(Boolean(options.keepActive)).then(
          (line) => io.err(`${c.green('✓')} ${line}`),
          (err: Error) => io.warn(`could not release ${binding!.name}: ${err.message}`),
        )
      : Promise.resolve();
    if (!atOnce) return releasing;
    return Promise.race([releasing, new Promise<void>((resolve) => setTimeout(resolve, RELEASE_WAIT_MS).unref())]);
  };
  return {
    get publicUrl() {
      return supervisor.tunnel.publicUrl;
    },
    get payloadUrl() {
      return payloadUrlFor(supervisor.tunnel.publicUrl, options.path);
    },
    get pid() {
      return supervisor.tunnel.pid;
    },
    died: supervisor.gaveUp.then((reason) => {
      const tail = supervisor.tunnel.lastLines().slice(-10);
      return tail.length ? `${reason}\ncloudflared said:\n${tail.map((l) => `  ${l}`).join('\n')}` : reason;
    }),
    hook: binding
      ? { name: binding.name, id: binding.hookId, ...(options.register ? { repository: options.register } : { app: options.registerApp!.appId }) }
      : undefined,
    releaseHook,
    close() {
      closing ??= (async () => {
        await releaseHook();
        const tunnel = supervisor.tunnel;
        const result = await supervisor.stop();
        if (!result.alreadyExited) io.err(result.forced ? `cloudflared ignored SIGTERM; killed it (pid ${tunnel.pid})` : `Stopped the tunnel (cloudflared pid ${tunnel.pid})`);
      })();
      return closing;
    },
  };
}

/** How to start cloudflared (again): its log's errors said once each, after it is ready. */
function startFor(ctx: AppContext, bin: string, target: string, signal: AbortSignal | undefined, knobs: TunnelKnobs): () => Promise<QuickTunnel> {
  const { io } = ctx;
  const debug = Boolean(ctx.env.HOOKCTL_DEBUG);
  return async () => {
    let ready = false;
    let lastWarning = '';
    let lastWarningAt = 0;
    const tunnel = await startQuickTunnel({
      bin,
      target,
      env: ctx.env,
      signal,
      readyTimeoutMs: knobs.readyTimeoutMs,
      graceMs: knobs.graceMs,
      onLine: (line) => {
        if (debug) io.err(io.errColor.dim(`cloudflared: ${line}`));
        else if (ready && parseLogLine(line).kind === 'error') {
          // cloudflared logs a failed request twice (the error, then "Request failed"): say it once.
          const warning = `cloudflared: ${line.match(/\berror="((?:[^"\\]|\\.)*)"/)?.[1] ?? line.replace(/^\S+\s+ERR\s+/, '').trim()}`;
          const now = Date.now();
          if (warning === lastWarning && now - lastWarningAt < 2000) return;
          lastWarning = warning;
          lastWarningAt = now;
          io.warn(warning);
        }
      },
    });
    ready = true;
    return tunnel;
  };
}

/** Catch-up (in the background: receiving never waits for it), said in one line. */
async function caughtUp(ctx: AppContext, binding: HookBinding, storePath: string, onEvent?: (event: TunnelEvent) => void): Promise<void> {
  const { io } = ctx;
  let result: CatchUpResult;
  try {
    let hookId = binding.hookId;
    if (hookId === null && binding.learnHookId) {
      hookId = await binding.learnHookId();
      // Learnt from the log's newest entry: none means the log is empty, nothing to catch up.
      if (hookId === null) return;
    }
    let newest: Date | null = null;
    if (hookId !== null) {
      const store = openStore(storePath);
      try {
        const row = store.list({ hookId, limit: 1 })[0];
        newest = row ? new Date(row.receivedAt) : null;
      } finally {
        store.close();
      }
    }
    const asked = binding.asked();
    const reader = openStore(storePath);
    try {
      result = await catchUp({
        log: binding.log(),
        redeliver: (d) => binding.redeliver(d),
        stored: (guid) => reader.hasDeliveryGuid(guid),
        newestStored: newest,
        asked,
        remember: (guid, entry) => binding.remember(guid, entry),
        now: ctx.now(),
      });
    } finally {
      reader.close();
    }
  } catch (err) {
    io.warn(`catch-up from the delivery log of ${binding.name} failed: ${(err as Error).message}`);
    return;
  }
  const c = io.errColor;
  if (result.redelivered.length > 0) io.err(`${c.green('↻')} caught up ${count(result.redelivered.length, 'delivery', 'deliveries')} sent while hookctl was not listening (GitHub redelivers them now)`);
  if (result.more > 0) io.warn(`${count(result.more, 'more delivery', 'more deliveries')} missing: the next catch-up asks for them`);
  for (const f of result.failed) io.warn(`GitHub would not redeliver ${f.delivery.guid}: ${f.error}`);
  if (result.lost.length > 0) {
    io.warn(`${count(result.lost.length, 'delivery', 'deliveries')} older than GitHub's 3-day redelivery window cannot be caught up: ${result.lost.slice(0, 5).map((d) => d.guid).join(', ')}${result.lost.length > 5 ? ', …' : ''}`);
    io.err(c.dim(`  Their payloads can still be fetched: ${binding.pullCommand}`));
  }
  onEvent?.({
    type: 'catch-up',
    redelivered: result.redelivered.map((d) => d.guid),
    lost: result.lost.map((d) => ({ deliveryId: d.guid, deliveredAt: d.delivered_at })),
    failed: result.failed.map((f) => f.delivery.guid),
    more: result.more,
  });
}

/** The origin cloudflared should reach: a wildcard bind address means loopback. */
export function originUrl(host: string | undefined, port: number): string {
  let h = host || '127.0.0.1';
  if (h === '0.0.0.0') h = '127.0.0.1';
  else if (h === '::' || h === '[::]') h = '[::1]';
  else if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`;
  return `http://${h}:${port}`;
}

export function payloadUrlFor(publicUrl: string, path: string | undefined): string {
  if (!path || path === '/') return publicUrl;
  return publicUrl + (path.startsWith('/') ? path : `/${path}`);
}

/** Find cloudflared; on a TTY offer to download it (with the npm package's installer) when it is nowhere. */
export async function resolveBinary(
  ctx: AppContext,
  flag: string | undefined,
  download: (to: string) => Promise<string> = downloadCloudflared,
): Promise<CloudflaredBinary> {
  const found = await findCloudflared({ flag, env: ctx.env, home: ctx.paths.home });
  if (found) return found;
  const to = downloadedBinPath(ctx.paths.home);
  if (!ctx.io.canPrompt()) throw cloudflaredMissingError(ctx.paths.home);
  const yes = await confirm(ctx.io, `cloudflared is not installed. Download it from github.com/cloudflare/cloudflared releases into ${to}?`);
  if (!yes) throw cloudflaredMissingError(ctx.paths.home);
  ctx.io.err(`Downloading cloudflared to ${to} …`);
  const path = await download(to);
  ctx.io.success(`Downloaded cloudflared to ${path}`);
  return { path, source: 'HOOKCTL_HOME' };
}
