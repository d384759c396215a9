/**
 * Finding cloudflared (flag, CLOUDFLARED_BIN, the npm package's binary, a copy hookctl
 * downloaded, PATH), downloading it on request, and the config files that stop quick tunnels.
 * (The folder's engine, and the map of its files: session.ts.)
 */
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HookctlError } from '../../errors.js';

type CloudflaredSource = '--cloudflared' | 'CLOUDFLARED_BIN' | 'npm package' | 'HOOKCTL_HOME' | 'PATH';

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
const CLOUDFLARED_EXE = process.platform === 'win32' ? 'cloudflared.exe' : 'cloudflared';

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
async function packageBinPath(): Promise<string | null> {
  try {
    const mod = (await import('cloudflared')) as { DEFAULT_CLOUDFLARED_BIN?: string };
    return mod.DEFAULT_CLOUDFLARED_BIN ?? null;
  } catch {
    return null;
  }
}

/** `cloudflared` on PATH, like `which`. */
function findOnPath(env: NodeJS.ProcessEnv, exe = CLOUDFLARED_EXE): string | null {
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
export function cloudflaredMissingError(home: string, options: { declined?: boolean } = {}): HookctlError {
  // Whoever just said No to the download was in a terminal: point at the next run's offer instead.
  const offer = options.declined
    ? `  • run the command again and accept the offer to download it into ${join(home, 'bin')}`
    : `  • run hookctl in a terminal and accept the offer to download it into ${join(home, 'bin')}`;
  return new HookctlError('cloudflared is not installed; hookctl needs it for --tunnel', [
    'Provide it in one of these ways:',
    '  • install it: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/',
    '    (macOS: brew install cloudflared; Debian/Ubuntu: the pkg.cloudflare.com apt repository)',
    '  • point hookctl at it: --cloudflared /path/to/cloudflared, or CLOUDFLARED_BIN=/path/to/cloudflared',
    '  • put it on your PATH',
    offer,
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
function configSearchDirs(env: NodeJS.ProcessEnv): string[] {
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

