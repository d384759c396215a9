/**
 * The tunnel engine: a cloudflared quick tunnel to a local port that heals itself (restarted
 * when cloudflared dies or its public URL stops answering), optionally with a webhook pointed
 * at it, re-pointed after each restart, caught up from GitHub's delivery log, and let go on
 * exit. Behind `hookctl tunnel` and `hookctl listen --tunnel`.
 *
 * It emits typed events (events.ts) and never prints, never prompts and never reads the
 * command's context: the command finds cloudflared (and offers a download), makes the GitHub
 * client, and subscribes a view (ui/tunnel-view.ts) before start().
 *
 *   find.ts        the binary, its download, its configs    log.ts         reading its log
 *   process.ts     one cloudflared: ready, died, stop       supervisor.ts  restarts and probes
 *   probe.ts       is the public URL still a way in         events.ts      the events, the subscribers
 *   hook-binding.ts  the webhook pointed at the tunnel      catch-up.ts    redeliveries missed
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UnavailableError } from '../../errors.js';
import { CatchUpRunner, type CatchUpReader } from './catch-up.js';
import { Subscribers } from '../subscribers.js';
import type { TunnelEvent, TunnelListener } from './events.js';
import { findCloudflaredConfigs, type CloudflaredBinary } from './find.js';
import type { HookBinder, HookBinding } from './hook-binding.js';
import { parseLogLine } from './log.js';
import { probeTunnel } from './probe.js';
import { startQuickTunnel, TunnelStartError, type QuickTunnel } from './process.js';
import { MAX_FAILURES, TunnelSupervisor } from './supervisor.js';

export interface TunnelSessionOptions {
  bin: CloudflaredBinary;
  /** The origin cloudflared reaches (see originUrl). */
  target: string;
  /** Path appended to the public URL to form the payload URL. */
  path?: string;
  /** The environment: cloudflared's (credentials removed), its config files, the hidden test knobs. */
  env: NodeJS.ProcessEnv;
  /** The webhook to point at the tunnel (--register, --register-app). */
  hook?: HookBinder;
  /** On exit, leave a repository's hook active (catch-up next time) instead of deactivating it. */
  keepActive?: boolean;
  /** The origin is hookctl's receiver: probes must come back from it (else any answer will do). */
  receiver?: boolean;
  /** Catch up from the hook's delivery log into the store this reads (listen, unless --no-catch-up). */
  catchUp?: () => CatchUpReader;
  now?: () => Date;
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

/** The error a command ends with when the tunnel cannot be brought back. */
function tunnelDied(reason: string): UnavailableError {
  return new UnavailableError(`the tunnel died: ${reason}`, ['Quick tunnels have no uptime guarantee; run the command again for a new URL.']);
}

export class TunnelSession {
  /** Resolves with the error to end on once the tunnel cannot be brought back (5 restarts in a row failed). */
  readonly died: Promise<UnavailableError>;
  private readonly subscribers = new Subscribers<TunnelEvent>((message) => ({ type: 'failure', message }));
  private supervisor: TunnelSupervisor | undefined;
  private binding: HookBinding | undefined;
  private catchUp: CatchUpRunner | undefined;
  private releasing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private resolveDied!: (err: UnavailableError) => void;

  constructor(private readonly options: TunnelSessionOptions) {
    this.died = new Promise((resolve) => (this.resolveDied = resolve));
  }

  /** Receive every event (subscribe before start()); returns the unsubscribe function. */
  subscribe(listener: TunnelListener): () => void {
    return this.subscribers.add(listener);
  }

  /** https://….trycloudflare.com (a restart gives a new one). */
  get publicUrl(): string {
    return this.current.publicUrl;
  }

  /** publicUrl + path: what GitHub posts to. */
  get payloadUrl(): string {
    return payloadUrlFor(this.current.publicUrl, this.options.path);
  }

  /** cloudflared's process id (for tests and diagnostics). */
  get pid(): number {
    return this.current.pid;
  }

  /** The webhook pointed at the tunnel (--register, --register-app). */
  get hook(): HookBinding['summary'] | undefined {
    return this.binding?.summary;
  }

  /**
   * Start cloudflared, point the webhook at it (and ask for a ping), then keep it alive and
   * catch up. A failure stops cloudflared before it is thrown.
   */
  async start(): Promise<void> {
    const { options } = this;
    const configs = findCloudflaredConfigs(options.env);
    if (configs.length > 0) this.emit({ type: 'config-found', configs });
    this.emit({ type: 'starting', target: options.target, bin: options.bin });
    const start = this.starter();
    const first = await start();
    const payloadUrl = payloadUrlFor(first.publicUrl, options.path);
    this.emit({ type: 'ready', publicUrl: first.publicUrl, payloadUrl, target: options.target, connection: first.connection, pid: first.pid });
    if (options.hook) {
      try {
        this.binding = await options.hook(payloadUrl, (event) => this.emit(event));
        await this.askForPing(this.binding);
      } catch (err) {
        await first.stop();
        throw err;
      }
    }
    this.supervise(first);
    if (this.binding && options.catchUp) {
      this.catchUp = new CatchUpRunner(this.binding, options.catchUp, options.now ?? (() => new Date()), (event) => this.emit(event));
      this.catchUp.run();
    }
  }

  /**
   * Let the hook go (deactivate a repository hook, put an App's webhook back). Called first on
   * a stop, so a second Ctrl+C that cuts the rest short does not leave the hook pointing at a
   * dead tunnel. Once only; close() waits for it.
   */
  releaseHook(): Promise<void> {
    const binding = this.binding;
    this.releasing ??= binding
      ? binding.release(Boolean(this.options.keepActive)).then(
          (release) => this.emit({ type: 'hook-released', hook: binding.name, release }),
          (err: Error) => this.emit({ type: 'hook-release-failed', hook: binding.name, message: err.message }),
        )
      : Promise.resolve();
    return this.releasing;
  }

  /** Release the hook, then stop cloudflared. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.releaseHook();
      const supervisor = this.supervisor;
      if (!supervisor) return;
      const pid = supervisor.tunnel.pid;
      const result = await supervisor.stop();
      this.emit({ type: 'stopped', pid, forced: result.forced, alreadyExited: result.alreadyExited });
    })();
    return this.closing;
  }

  private get current(): QuickTunnel {
    if (!this.supervisor) throw new Error('the tunnel session has not started');
    return this.supervisor.tunnel;
  }

  private emit(event: TunnelEvent): void {
    this.subscribers.emit(event);
  }

  private async askForPing(binding: HookBinding): Promise<void> {
    await binding.ping().then(
      (pinged) => pinged && this.emit({ type: 'hook-pinged', hook: binding.name }),
      (err: Error) => this.emit({ type: 'ping-failed', hook: binding.name, message: err.message }),
    );
  }

  /** Keep the tunnel alive: restarts (with the hook re-pointed and a catch-up), probes, giving up. */
  private supervise(first: QuickTunnel): void {
    const { options } = this;
    const knobs = options.knobs ?? {};
    const probeMap = knobs.probeMap ?? probeMapFromEnv(options.env);
    const token = options.receiver ? randomBytes(16).toString('hex') : undefined;
    const supervisor = new TunnelSupervisor(first, {
      start: this.starter(),
      probe: (t) => probeTunnel(payloadUrlFor(t.publicUrl, options.path), { token, timeoutMs: knobs.probeTimeoutMs, map: probeMap }),
      probeIntervalMs: knobs.probeIntervalMs,
      backoffMs: knobs.backoffMs,
      onProbeFailed: (t, inARow) => this.emit({ type: 'probe-failed', publicUrl: t.publicUrl, inARow }),
      onRetry: (reason, attempt, delayMs) => this.emit({ type: 'retry', reason, attempt, of: MAX_FAILURES, delayMs }),
      onRestarted: (t, reason) => this.restarted(t, reason),
    });
    this.supervisor = supervisor;
    void supervisor.gaveUp.then((why) => {
      // What the last attempt printed: a failed start's own lines, else the last tunnel's.
      const failed = supervisor.lastStartError;
      const tail = (failed instanceof TunnelStartError ? failed.lines : supervisor.tunnel.lastLines()).slice(-10);
      const reason = tail.length ? `${why}\ncloudflared said:\n${tail.map((l) => `  ${l}`).join('\n')}` : why;
      this.emit({ type: 'died', reason });
      this.resolveDied(tunnelDied(reason));
    });
  }

  private async restarted(tunnel: QuickTunnel, reason: string): Promise<void> {
    const payloadUrl = payloadUrlFor(tunnel.publicUrl, this.options.path);
    const binding = this.binding;
    const { publicUrl, connection, pid } = tunnel;
    this.emit({ type: 'restarted', publicUrl, payloadUrl, target: this.options.target, connection, pid, reason, hook: binding?.name ?? null });
    if (binding) {
      const error = await binding.point(payloadUrl).then(
        () => null,
        (err: Error) => err.message,
      );
      this.emit({ type: 'hook-repointed', hook: binding.name, url: payloadUrl, error });
    }
    this.catchUp?.run();
  }

  /** How to start cloudflared (again): every line told, and its errors once each after it is ready. */
  private starter(): () => Promise<QuickTunnel> {
    const { options } = this;
    const knobs = options.knobs ?? {};
    return async () => {
      let ready = false;
      const errors = new RepeatFilter(2000);
      const tunnel = await startQuickTunnel({
        bin: options.bin.path,
        target: options.target,
        env: options.env,
        signal: options.signal,
        readyTimeoutMs: knobs.readyTimeoutMs,
        graceMs: knobs.graceMs,
        onLine: (line) => {
          this.emit({ type: 'log', line });
          if (!ready || parseLogLine(line).kind !== 'error') return;
          // cloudflared logs a failed request twice (the error, then "Request failed"): tell it once.
          const message = line.match(/\berror="((?:[^"\\]|\\.)*)"/)?.[1] ?? line.replace(/^\S+\s+ERR\s+/, '').trim();
          if (errors.fresh(message)) this.emit({ type: 'cloudflared-error', message });
        },
      });
      ready = true;
      return tunnel;
    };
  }
}

/** True for a message unless it is the same as the last one, within `windowMs`. */
class RepeatFilter {
  private last = '';
  private lastAt = 0;
  constructor(private readonly windowMs: number) {}

  fresh(message: string): boolean {
    const now = Date.now();
    if (message === this.last && now - this.lastAt < this.windowMs) return false;
    this.last = message;
    this.lastAt = now;
    return true;
  }
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
