/**
 * Running cloudflared for a quick tunnel: spawn `cloudflared tunnel --url … --no-autoupdate`,
 * read the public URL from its log, declare it ready once a connection to Cloudflare's edge is
 * registered, and own the child's life (it never outlives hookctl: a watchdog stops it when
 * hookctl is gone, even SIGKILLed, and process.exit kills it). Signals are not handled here:
 * the command's signal policy stops the tunnel. Never prints.
 *
 * One hidden knob, read in gracePeriods() only: HOOKCTL_TEST_TUNNEL_GRACE_MS, for the tests that
 * signal a spawned hookctl (where no option can reach), shortens both waits between SIGTERM and
 * SIGKILL: stop()'s 3 s and the watchdog's 1 s. Tests in this process pass graceMs instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CancelledError, HookctlError, TargetError } from '../../errors.js';
import { configExplanation, findCloudflaredConfigs } from './find.js';
import { parseLogLine, type EdgeConnection } from './log.js';
import { childEnv } from '../../env.js';

/** Live cloudflared children; killed synchronously if hookctl exits without closing them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) killGroup(child, 'SIGKILL');
  });
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The child leads its own process group (detached), so this also reaches anything it forked.
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export interface StartTunnelOptions {
  /** cloudflared executable. */
  bin: string;
  /** Local origin, e.g. http://127.0.0.1:5000. */
  target: string;
  /** Environment for the child (HOME decides which config cloudflared sees). */
  env: NodeJS.ProcessEnv;
  /** No URL and registered connection within this → fail. Default 30 s. */
  readyTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this. Default 3 s (GRACE_MS). */
  graceMs?: number;
  /** Every log line cloudflared prints (for --verbose style output). */
  onLine?: (line: string) => void;
  /** A connection was registered after the first (cloudflared keeps up to 4). */
  onConnection?: (connection: EdgeConnection) => void;
  /** Aborting before the tunnel is ready stops cloudflared and rejects with CancelledError. */
  signal?: AbortSignal;
}

export interface StopResult {
  /** cloudflared ignored SIGTERM and had to be killed. */
  forced: boolean;
  /** It had already exited. */
  alreadyExited: boolean;
}

export interface QuickTunnel {
  /** https://….trycloudflare.com */
  publicUrl: string;
  target: string;
  /** cloudflared's own process id. */
  pid: number;
  bin: string;
  /** The first registered edge connection. */
  connection: EdgeConnection;
  /** Resolves with a reason if cloudflared exits while the tunnel is open (never after stop()). */
  died: Promise<string>;
  /** The last lines cloudflared printed (up to 20). */
  lastLines(): string[];
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stop(): Promise<StopResult>;
}

const LAST_LINES = 20;

/** stop(): SIGTERM, then SIGKILL this long after. */
const GRACE_MS = 3000;
/** The watchdog, once hookctl is gone: SIGTERM, then SIGKILL this long after. */
const WATCHDOG_GRACE_MS = 1000;

/** The two grace periods: the defaults above, unless the hidden test knob shortens both. */
export function gracePeriods(env: NodeJS.ProcessEnv): { graceMs: number; watchdogGraceMs: number } {
  const knob = env.HOOKCTL_TEST_TUNNEL_GRACE_MS;
  if (knob && /^\d+$/.test(knob)) return { graceMs: Number(knob), watchdogGraceMs: Number(knob) };
  return { graceMs: GRACE_MS, watchdogGraceMs: WATCHDOG_GRACE_MS };
}

export function defaultReadyTimeoutMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env.HOOKCTL_TUNNEL_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

/**
 * The watchdog between hookctl and cloudflared (POSIX sh, so Linux and macOS alike): it runs
 * cloudflared in its process group and reads its stdin, a pipe whose other end only hookctl
 * holds. When hookctl is gone, even SIGKILLed, the pipe closes, the read ends, and cloudflared
 * is stopped: SIGTERM, then SIGKILL a grace period later ($1, in seconds). The shell exits with
 * cloudflared's status.
 */
const WATCHDOG = [
  'grace=$1',
  'shift',
  // fd 3 keeps the pipe: a background list's own stdin would be /dev/null.
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  'echo "hookctl-watchdog: pid $child" >&2',
  '( while read -r _; do :; done <&3; kill -TERM "$child" 2>/dev/null; sleep "$grace"; kill -KILL "$child" 2>/dev/null ) &',
  'watcher=$!',
  "trap '' TERM INT HUP",
  'while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

function spawnWatched(bin: string, args: string[], env: NodeJS.ProcessEnv, graceMs: number): { child: ChildProcess; watched: boolean } {
  if (process.platform === 'win32') {
    return { child: spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true }), watched: false };
  }
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'hookctl-watchdog', String(graceMs / 1000), bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // Nothing is ever written: the pipe is there to close when hookctl ends.
  child.stdin?.on('error', () => undefined);
  return { child, watched: true };
}

/** How a child ended: an exit, or a spawn error (no exit follows one). */
type ChildExit = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };

/**
 * One cloudflared child (behind its watchdog): its log lines, its exit, and stopping it.
 * Whoever waits for the tunnel to be ready listens through onLine/onExit.
 */
class CloudflaredChild {
  /** The last LAST_LINES lines it printed. */
  readonly lines: string[] = [];
  /** cloudflared's own pid (behind the watchdog: the one the watchdog reports). */
  pid: number;
  exited = false;
  /** stop() was asked: an exit from now on is not a death. */
  stopping = false;
  onLine: (line: string) => void = () => undefined;
  /** After the exit (a tick later, so the streams gave their last lines), or a spawn error. */
  onExit: (exit: ChildExit) => void = () => undefined;
  private readonly exitWaiters: Array<() => void> = [];

  constructor(
    private readonly child: ChildProcess,
    readonly watched: boolean,
    private readonly graceMs: number,
  ) {
    this.pid = child.pid!;
    liveChildren.add(child);
    this.readLines(child.stderr);
    this.readLines(child.stdout);
    child.on('error', (error: NodeJS.ErrnoException) => {
      // spawn failures (ENOENT, EACCES): no 'exit' follows.
      this.ended();
      this.onExit({ error });
      this.exitWaiters.splice(0).forEach((w) => w());
    });
    child.on('exit', (code, signal) => {
      this.ended();
      setImmediate(() => {
        this.onExit({ code, signal });
        this.exitWaiters.splice(0).forEach((w) => w());
      });
    });
  }

  /** "exited with code 1", "was killed by SIGKILL" (behind the watchdog, a signal death is its shell's 128+N). */
  describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    if (!signal && this.watched && code !== null && code > 128) {
      const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
      if (name) return `was killed by ${name}`;
    }
    return signal ? `was killed by ${signal}` : `exited with code ${code}`;
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stop(): Promise<StopResult> {
    if (this.exited) return Promise.resolve({ forced: false, alreadyExited: !this.stopping });
    const wasStopping = this.stopping;
    this.stopping = true;
    return new Promise<StopResult>((done) => {
      let forced = false;
      const kill = wasStopping
        ? undefined
        : setTimeout(() => {
            forced = true;
            this.kill();
          }, this.graceMs);
      this.exitWaiters.push(() => {
        if (kill) clearTimeout(kill);
        done({ forced, alreadyExited: false });
      });
      if (!wasStopping) killGroup(this.child, 'SIGTERM');
    });
  }

  private kill(): void {
    // cloudflared first, so the watchdog shell reaps it (a killed shell would leave it a
    // zombie for init); the whole group a second later if anything is left.
    if (this.watched && this.pid !== this.child.pid) {
      signalPid(this.pid, 'SIGKILL');
      setTimeout(() => killGroup(this.child, 'SIGKILL'), 1000).unref();
    } else killGroup(this.child, 'SIGKILL');
  }

  private ended(): void {
    this.exited = true;
    liveChildren.delete(this.child);
  }

  private line(line: string): void {
    if (!line.trim()) return;
    const watchdog = this.watched ? /^hookctl-watchdog: pid (\d+)$/.exec(line) : null;
    if (watchdog) {
      this.pid = Number(watchdog[1]);
      return;
    }
    this.lines.push(line);
    if (this.lines.length > LAST_LINES) this.lines.shift();
    this.onLine(line);
  }

  private readLines(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.line(buffered.slice(0, nl).replace(/\r$/, ''));
        buffered = buffered.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (buffered) this.line(buffered);
      buffered = '';
    });
  }
}

/**
 * Start a quick tunnel to `target`. Resolves once cloudflared printed the URL and registered a
 * connection; rejects (with the child gone) when it exits, errors or times out first.
 */
export function startQuickTunnel(options: StartTunnelOptions): Promise<QuickTunnel> {
  installExitHook();
  const grace = gracePeriods(options.env);
  const args = ['tunnel', '--url', options.target, '--no-autoupdate'];
  let cloudflared: CloudflaredChild;
  try {
    const { child, watched } = spawnWatched(options.bin, args, childEnv(options.env), grace.watchdogGraceMs);
    cloudflared = new CloudflaredChild(child, watched, options.graceMs ?? grace.graceMs);
  } catch (err) {
    return Promise.reject(new TargetError(`could not run ${options.bin}: ${(err as Error).message}`));
  }
  return untilReady(cloudflared, options);
}

/** Wait for the URL and a registered connection; then the child's later exit is a death. */
function untilReady(cloudflared: CloudflaredChild, options: StartTunnelOptions): Promise<QuickTunnel> {
  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs(options.env);
  let diedResolve!: (reason: string) => void;
  const died = new Promise<string>((r) => (diedResolve = r));
  return new Promise<QuickTunnel>((resolve, reject) => {
    let publicUrl: string | undefined;
    let connection: EdgeConnection | undefined;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const failWith = (error: HookctlError) => {
      if (!settle()) return;
      // Never leave the child behind when the start failed.
      if (cloudflared.exited) reject(error);
      else void cloudflared.stop().then(() => reject(error));
    };

    cloudflared.onLine = (line) => {
      options.onLine?.(line);
      const event = parseLogLine(line);
      if (event.kind === 'url' && !publicUrl) publicUrl = event.url;
      else if (event.kind === 'registered') {
        if (!connection) connection = event.connection;
        else options.onConnection?.(event.connection);
      }
      if (publicUrl && connection && settle()) {
        resolve({
          publicUrl,
          connection,
          target: options.target,
          pid: cloudflared.pid,
          bin: options.bin,
          died,
          lastLines: () => cloudflared.lines.slice(),
          stop: () => cloudflared.stop(),
        });
      }
    };
    cloudflared.onExit = (exit) => {
      if (!settled) failWith(startExitError(cloudflared, exit, options));
      else if (!cloudflared.stopping && !('error' in exit)) diedResolve(deathReason(cloudflared, exit));
    };
    const timer = setTimeout(() => failWith(readyTimeoutError(publicUrl, readyTimeoutMs, cloudflared.lines, options.env)), readyTimeoutMs);

    function onAbort() {
      failWith(new CancelledError('cancelled while cloudflared was starting'));
    }
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A cloudflared that ended (or never got ready) before its tunnel was: with what it printed. */
export class TunnelStartError extends TargetError {
  constructor(
    message: string,
    details: string[],
    /** The last lines that cloudflared printed. */
    readonly lines: string[],
  ) {
    super(message, details);
  }
}

/** Why a start failed, for the error's details: what cloudflared said last, and a config that stops quick tunnels. */
function startFailureDetails(lines: string[], extra: string[], env: NodeJS.ProcessEnv): string[] {
  return [
    ...extra,
    ...(lines.length ? ['cloudflared said:', ...lines.slice(-10).map((l) => `  ${l}`)] : ['cloudflared printed nothing.']),
    ...configExplanation(findCloudflaredConfigs(env)),
  ];
}

/** cloudflared could not run, or ended before the tunnel was ready. */
function startExitError(cloudflared: CloudflaredChild, exit: ChildExit, options: StartTunnelOptions): TargetError {
  const hint = ['Check the path, or pass --cloudflared PATH.'];
  if ('error' in exit) return new TargetError(`could not run ${options.bin}: ${exit.error.code ?? exit.error.message}`, hint);
  if (cloudflared.watched && (exit.code === 126 || exit.code === 127)) return new TargetError(`could not run ${options.bin}: ${exit.code === 127 ? 'not found' : 'not executable'}`, hint);
  return new TunnelStartError(`cloudflared ${cloudflared.describeExit(exit.code, exit.signal)} before the tunnel was ready`, startFailureDetails(cloudflared.lines, [], options.env), cloudflared.lines.slice());
}

/** Why an open tunnel's cloudflared ended: how, and the last error it logged. */
function deathReason(cloudflared: CloudflaredChild, exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  const lastError = [...cloudflared.lines].reverse().map(parseLogLine).find((e) => e.kind === 'error') as { message: string } | undefined;
  return `cloudflared ${cloudflared.describeExit(exit.code, exit.signal)}${lastError ? `: ${lastError.message}` : ''}`;
}

function readyTimeoutError(publicUrl: string | undefined, readyTimeoutMs: number, lines: string[], env: NodeJS.ProcessEnv): TargetError {
  const seconds = Math.round(readyTimeoutMs / 1000);
  if (!publicUrl) return new TunnelStartError(`no tunnel URL from cloudflared within ${seconds} s`, startFailureDetails(lines, [], env), lines.slice());
  return new TunnelStartError(
    `cloudflared created ${publicUrl} but registered no connection to Cloudflare within ${seconds} s`,
    startFailureDetails(lines, ["Outbound connections to Cloudflare's edge (port 7844, UDP for QUIC) may be blocked here."], env),
    lines.slice(),
  );
}

/** True when something accepts TCP connections on host:port (within timeoutMs). */
export async function probePort(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
