/**
 * cloudflared quick tunnels: find the binary, spawn `cloudflared tunnel --url … --no-autoupdate`,
 * read the public URL from its log, declare it ready once a connection to Cloudflare's edge
 * is registered, and own the child's life (it never outlives hookctl). Never prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CancelledError, HookctlError, TargetError } from '../errors.js';

export type CloudflaredSource = '--cloudflared' | 'CLOUDFLARED_BIN' | 'npm package' | 'HOOKCTL_HOME' | 'PATH';

export interface CloudflaredBinary {
  path: string;
  source: CloudflaredSource;
}

export interface FindCloudflaredOptions {
  /** --cloudflared PATH (wins over CLOUDFLARED_BIN). */
  flag?: string;
  env: NodeJS.ProcessEnv;
  /** HOOKCTL_HOME: a copy downloaded by hookctl lives in HOOKCTL_HOME/bin. */
  home: string;
  /** The `cloudflared` npm package's binary path; undefined = ask the package. */
  packageBin?: string | null;
}

/** The executable name on this platform. */
export const CLOUDFLARED_EXE = process.platform === 'win32' ? 'cloudflared.exe' : 'cloudflared';

/** Where hookctl keeps a cloudflared it downloaded itself. */
export function downloadedBinPath(home: string): string {
  return join(home, 'bin', CLOUDFLARED_EXE);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary the `cloudflared` npm package installs (its DEFAULT_CLOUDFLARED_BIN), if the package loads. */
export async function packageBinPath(): Promise<string | null> {
  try {
    const mod = (await import('cloudflared')) as { DEFAULT_CLOUDFLARED_BIN?: string };
    return mod.DEFAULT_CLOUDFLARED_BIN ?? null;
  } catch {
    return null;
  }
}

/** `cloudflared` on PATH, like `which`. */
export function findOnPath(env: NodeJS.ProcessEnv, exe = CLOUDFLARED_EXE): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exe);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * Resolution order: --cloudflared, CLOUDFLARED_BIN, the npm package's binary (if the file exists),
 * a copy hookctl downloaded earlier, `cloudflared` on PATH. Returns null when none is found
 * (the caller may then offer a download). An explicit path that is not an executable throws.
 */
export async function findCloudflared(options: FindCloudflaredOptions): Promise<CloudflaredBinary | null> {
  // (A caller may pass ctx.cloudflaredFlag(), which folds CLOUDFLARED_BIN into the flag.)
  const fromEnv = options.flag !== undefined && options.flag === options.env.CLOUDFLARED_BIN;
  const explicit: Array<[string | undefined, CloudflaredSource]> = [
    [options.flag, fromEnv ? 'CLOUDFLARED_BIN' : '--cloudflared'],
    [options.env.CLOUDFLARED_BIN, 'CLOUDFLARED_BIN'],
  ];
  for (const [path, source] of explicit) {
    if (!path) continue;
    if (!existsSync(path)) throw new HookctlError(`cloudflared not found at ${path} (from ${source})`, [`Fix the path, or unset ${source} to let hookctl look for cloudflared itself.`]);
    if (!isExecutableFile(path)) throw new HookctlError(`${path} (from ${source}) is not an executable file`, [`Try: chmod +x ${path}`]);
    return { path, source };
  }
  const pkg = options.packageBin === undefined ? await packageBinPath() : options.packageBin;
  if (pkg && isExecutableFile(pkg)) return { path: pkg, source: 'npm package' };
  const downloaded = downloadedBinPath(options.home);
  if (isExecutableFile(downloaded)) return { path: downloaded, source: 'HOOKCTL_HOME' };
  const onPath = findOnPath(options.env);
  if (onPath) return { path: onPath, source: 'PATH' };
  return null;
}

/** The error when cloudflared is nowhere to be found: lists every way to provide it. */
export function cloudflaredMissingError(home: string): HookctlError {
  return new HookctlError('cloudflared is not installed; hookctl needs it for --tunnel', [
    'Provide it in one of these ways:',
    '  • install it: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/',
    '    (macOS: brew install cloudflared; Debian/Ubuntu: the pkg.cloudflare.com apt repository)',
    '  • point hookctl at it: --cloudflared /path/to/cloudflared, or CLOUDFLARED_BIN=/path/to/cloudflared',
    '  • put it on your PATH',
    `  • run hookctl in a terminal and accept the offer to download it into ${join(home, 'bin')}`,
  ]);
}

/** Download cloudflared with the npm package's installer (GitHub releases). */
export async function downloadCloudflared(to: string): Promise<string> {
  const mod = (await import('cloudflared')) as { install: (to: string) => Promise<string> };
  try {
    return await mod.install(to);
  } catch (err) {
    throw new HookctlError(`could not download cloudflared: ${(err as Error).message}`, [
      'Install it yourself and pass --cloudflared PATH or set CLOUDFLARED_BIN.',
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Config files that stop quick tunnels

/** Where cloudflared looks for its default config (same list it prints). */
export function configSearchDirs(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || env.USERPROFILE || '';
  const dirs = home ? [join(home, '.cloudflared'), join(home, '.cloudflare-warp'), join(home, 'cloudflare-warp')] : [];
  if (process.platform !== 'win32') dirs.push('/etc/cloudflared', '/usr/local/etc/cloudflared');
  return dirs;
}

/** Default config files present on this machine (config.yml / config.yaml). */
export function findCloudflaredConfigs(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  for (const dir of configSearchDirs(env)) {
    for (const name of ['config.yml', 'config.yaml']) {
      const path = join(dir, name);
      if (existsSync(path)) found.push(path);
    }
  }
  return found;
}

/** Why a config file breaks a quick tunnel, and what to do. */
export function configExplanation(configs: string[]): string[] {
  if (configs.length === 0) return [];
  return [
    `cloudflared found a config file: ${configs.join(', ')}`,
    'A default config (meant for a named tunnel) stops quick tunnels: older cloudflared refuses to',
    'start one, newer ones start it but answer every request with its ingress rules (often 404).',
    `Move it aside while you use quick tunnels (mv ${configs[0]} ${configs[0]}.off), or expose`,
    'hookctl through your named tunnel instead (an ingress rule to this port).',
  ];
}

// ---------------------------------------------------------------------------------------------
// Log parsing

export interface EdgeConnection {
  connIndex: number;
  id: string;
  ip: string;
  location: string;
  protocol: string;
}

export type LogEvent =
  | { kind: 'url'; url: string }
  | { kind: 'registered'; connection: EdgeConnection }
  | { kind: 'unregistered'; connIndex: number }
  | { kind: 'error'; message: string }
  | { kind: 'other' };

const URL_RE = /https:\/\/[a-z0-9][a-z0-9-]*\.trycloudflare\.com\b/i;
const REGISTERED_RE = /Registered tunnel connection\b/;
const LEVEL_RE = /^\S+\s+(INF|WRN|ERR|DBG|FTL)\s+(.*)$/;

function field(line: string, name: string): string {
  const m = line.match(new RegExp(`\\b${name}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`));
  if (!m) return '';
  return m[1].startsWith('"') ? m[1].slice(1, -1) : m[1];
}

/** One cloudflared log line (`2024-07-09T08:18:43Z INF Registered tunnel connection connIndex=0 …`). */
export function parseLogLine(line: string): LogEvent {
  const url = line.match(URL_RE);
  // The quick-tunnel URL is printed inside the box; api.trycloudflare.com only shows up in errors.
  if (url && !/api\.trycloudflare\.com/i.test(url[0]) && line.includes('|')) return { kind: 'url', url: url[0].toLowerCase() };
  if (REGISTERED_RE.test(line)) {
    return {
      kind: 'registered',
      connection: {
        connIndex: Number(field(line, 'connIndex') || 0),
        id: field(line, 'connection'),
        ip: field(line, 'ip'),
        location: field(line, 'location'),
        protocol: field(line, 'protocol'),
      },
    };
  }
  if (/Unregistered tunnel connection/.test(line)) return { kind: 'unregistered', connIndex: Number(field(line, 'connIndex') || 0) };
  const level = line.match(LEVEL_RE);
  if (level && (level[1] === 'ERR' || level[1] === 'FTL')) return { kind: 'error', message: level[2] };
  return { kind: 'other' };
}

// ---------------------------------------------------------------------------------------------
// The child process

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
  /** SIGTERM, then SIGKILL after this. Default 3 s. */
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

export function defaultReadyTimeoutMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env.HOOKCTL_TUNNEL_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * Start a quick tunnel to `target`. Resolves once cloudflared printed the URL and registered a
 * connection; rejects (with the child gone) when it exits, errors or times out first.
 */
export function startQuickTunnel(options: StartTunnelOptions): Promise<QuickTunnel> {
  installExitHook();
  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs(options.env);
  const graceMs = options.graceMs ?? 3000;
  const args = ['tunnel', '--url', options.target, '--no-autoupdate'];

  return new Promise<QuickTunnel>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(options.bin, args, {
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
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

    const onLine = (line: string) => {
      if (!line.trim()) return;
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
          pid: child.pid!,
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
              killGroup(child, 'SIGKILL');
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
        if (!settled) {
          fail(`cloudflared ${describeExit(code, signal)} before the tunnel was ready`);
        } else if (!stopping) {
          const lastError = [...lines].reverse().map(parseLogLine).find((e) => e.kind === 'error') as { message: string } | undefined;
          diedResolve(`cloudflared ${describeExit(code, signal)}${lastError ? `: ${lastError.message}` : ''}`);
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
