/**
 * Running cloudflared for a quick tunnel: spawn `cloudflared tunnel --url … --no-autoupdate`,
 * read the public URL from its log, declare it ready once a connection to Cloudflare's edge is
 * registered, and own the child's life (it never outlives hookctl). Never prints.
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
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of liveChildren) killGroup(child, 'SIGKILL');
    });
  }
  // A closed terminal (SIGHUP) ends node without 'exit'; when no command handles SIGHUP,
  // stop cloudflared (it runs in its own process group, so the hangup does not reach it)
  // and then let the signal do what it would have done.
  if (!process.listeners('SIGHUP').includes(onHangup)) process.on('SIGHUP', onHangup);
}

function onHangup(): void {
  if (process.listenerCount('SIGHUP') > 1) return; // the command handles it (and closes the tunnel)
  for (const child of liveChildren) killGroup(child, 'SIGTERM');
  process.off('SIGHUP', onHangup);
  process.kill(process.pid, 'SIGHUP');
}

function forget(child: ChildProcess): void {
  liveChildren.delete(child);
  if (liveChildren.size === 0) process.off('SIGHUP', onHangup);
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
export const GRACE_MS = 3000;
/** The watchdog, once hookctl is gone: SIGTERM, then SIGKILL this long after. */
export const WATCHDOG_GRACE_MS = 1000;

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

function describeExit(code: number | null, signal: NodeJS.Signals | null, watched: boolean): string {
  // Behind the watchdog, a signal death arrives as the shell's status 128+N.
  if (!signal && watched && code !== null && code > 128) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return `was killed by ${name}`;
  }
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
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

/**
 * Start a quick tunnel to `target`. Resolves once cloudflared printed the URL and registered a
 * connection; rejects (with the child gone) when it exits, errors or times out first.
 */
export function startQuickTunnel(options: StartTunnelOptions): Promise<QuickTunnel> {
  installExitHook();
  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs(options.env);
  const grace = gracePeriods(options.env);
  const graceMs = options.graceMs ?? grace.graceMs;
  const args = ['tunnel', '--url', options.target, '--no-autoupdate'];

  return new Promise<QuickTunnel>((resolve, reject) => {
    let child: ChildProcess;
    let watched = false;
    try {
      ({ child, watched } = spawnWatched(options.bin, args, childEnv(options.env), grace.watchdogGraceMs));
    } catch (err) {
      reject(new TargetError(`could not run ${options.bin}: ${(err as Error).message}`));
      return;
    }
    liveChildren.add(child);

    const lines: string[] = [];
    let publicUrl: string | undefined;
    let connection: EdgeConnection | undefined;
    let settled = false;
    let stopping = false;
    let exited = false;
    let diedResolve: (reason: string) => void = () => {};
    const died = new Promise<string>((r) => (diedResolve = r));
    const exitWaiters: Array<() => void> = [];

    const lastLines = () => lines.slice();
    const configs = () => findCloudflaredConfigs(options.env);

    const fail = (message: string, extra: string[] = []) => {
      const tail = lastLines();
      const details = [
        ...extra,
        ...(tail.length ? ['cloudflared said:', ...tail.slice(-10).map((l) => `  ${l}`)] : ['cloudflared printed nothing.']),
        ...configExplanation(configs()),
      ];
      failWith(new TargetError(message, details));
    };
    const failWith = (error: HookctlError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (exited) reject(error);
      else {
        // Never leave the child behind when the start failed.
        void stopChild().then(() => reject(error));
      }
    };

    let pid = child.pid!;
    const onLine = (line: string) => {
      if (!line.trim()) return;
      const watchdog = watched ? /^hookctl-watchdog: pid (\d+)$/.exec(line) : null;
      if (watchdog) {
        pid = Number(watchdog[1]);
        return;
      }
      lines.push(line);
      if (lines.length > LAST_LINES) lines.shift();
      options.onLine?.(line);
      const event = parseLogLine(line);
      if (event.kind === 'url' && !publicUrl) publicUrl = event.url;
      else if (event.kind === 'registered') {
        if (!connection) connection = event.connection;
        else options.onConnection?.(event.connection);
      }
      if (!settled && publicUrl && connection) {
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({
          publicUrl,
          target: options.target,
          pid,
          bin: options.bin,
          connection,
          died,
          lastLines,
          stop: stopChild,
        });
      }
    };

    const readLines = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          onLine(buffered.slice(0, nl).replace(/\r$/, ''));
          buffered = buffered.slice(nl + 1);
        }
      });
      stream.on('end', () => {
        if (buffered) onLine(buffered);
        buffered = '';
      });
    };
    readLines(child.stderr);
    readLines(child.stdout);

    function stopChild(): Promise<StopResult> {
      if (exited) return Promise.resolve({ forced: false, alreadyExited: !stopping });
      const wasStopping = stopping;
      stopping = true;
      return new Promise<StopResult>((done) => {
        let forced = false;
        const kill = wasStopping
          ? undefined
          : setTimeout(() => {
              forced = true;
              // cloudflared first, so the watchdog shell reaps it (a killed shell would leave
              // it a zombie for init); the whole group a second later if anything is left.
              if (watched && pid !== child.pid) {
                signalPid(pid, 'SIGKILL');
                setTimeout(() => killGroup(child, 'SIGKILL'), 1000).unref();
              } else killGroup(child, 'SIGKILL');
            }, graceMs);
        exitWaiters.push(() => {
          if (kill) clearTimeout(kill);
          done({ forced, alreadyExited: false });
        });
        if (!wasStopping) killGroup(child, 'SIGTERM');
      });
    }

    child.on('error', (err: NodeJS.ErrnoException) => {
      // spawn failures (ENOENT, EACCES): no 'exit' follows.
      exited = true;
      forget(child);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new TargetError(`could not run ${options.bin}: ${err.code ?? err.message}`, ['Check the path, or pass --cloudflared PATH.']));
      }
      exitWaiters.splice(0).forEach((w) => w());
    });

    child.on('exit', (code, signal) => {
      exited = true;
      forget(child);
      // The reading streams may still hold the last lines; give them a tick.
      setImmediate(() => {
        if (!settled && watched && (code === 126 || code === 127)) {
          failWith(new TargetError(`could not run ${options.bin}: ${code === 127 ? 'not found' : 'not executable'}`, ['Check the path, or pass --cloudflared PATH.']));
        } else if (!settled) {
          fail(`cloudflared ${describeExit(code, signal, watched)} before the tunnel was ready`);
        } else if (!stopping) {
          const lastError = [...lines].reverse().map(parseLogLine).find((e) => e.kind === 'error') as { message: string } | undefined;
          diedResolve(`cloudflared ${describeExit(code, signal, watched)}${lastError ? `: ${lastError.message}` : ''}`);
        }
        exitWaiters.splice(0).forEach((w) => w());
      });
    });

    const timer = setTimeout(() => {
      const seconds = Math.round(readyTimeoutMs / 1000);
      if (publicUrl) {
        fail(`cloudflared created ${publicUrl} but registered no connection to Cloudflare within ${seconds} s`, [
          'Outbound connections to Cloudflare\'s edge (port 7844, UDP for QUIC) may be blocked here.',
        ]);
      } else {
        fail(`no tunnel URL from cloudflared within ${seconds} s`);
      }
    }, readyTimeoutMs);

    function onAbort() {
      failWith(new CancelledError('cancelled while cloudflared was starting'));
    }
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
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
