/**
 * AppContext: everything a command needs from the outside world, built once in main and
 * passed down. It starts nothing: the data folder, token, API URL and cloudflared path are
 * resolved only when a command asks for them.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DEFAULT_PORT, localOrigin } from './core/deliver/url.js';
import type { IO } from './ui/io.js';

interface Paths {
  /** HOOKCTL_HOME: delivery store, remembered hooks, generated secrets. */
  home: string;
  /** Default delivery store. */
  store: string;
}

/**
 * Built-in defaults that depend on nothing the user chose. HOOKCTL_DEFAULT_PORT and
 * HOOKCTL_DEFAULT_INSPECT_PORT move them (undocumented: for test suites that must not bind the
 * well-known ports, so two of them can run side by side; 0 is any free port); a user sets --port
 * instead.
 */
interface Defaults {
  /** listen's and tunnel's port (5000). */
  port: number;
  /** The inspector's first port (4141). */
  inspectPort: number;
  /** Where send and replay go when nothing else says (core/deliver/url.ts DEFAULT_TARGET, at `port`). */
  target: string;
}

function defaultsFrom(env: NodeJS.ProcessEnv): Defaults {
  const portFrom = (value: string | undefined, fallback: number): number => {
    const n = Number(value);
    return value && Number.isInteger(n) && n >= 0 && n < 65536 ? n : fallback;
  };
  const port = portFrom(env.HOOKCTL_DEFAULT_PORT, DEFAULT_PORT);
  return { port, inspectPort: portFrom(env.HOOKCTL_DEFAULT_INSPECT_PORT, 4141), target: `${localOrigin(port)}/` };
}

export interface AppContext {
  io: IO;
  /** Built-in defaults (ports, target). */
  readonly defaults: Defaults;
  env: NodeJS.ProcessEnv;
  /** Resolved on first use. */
  readonly paths: Paths;
  now(): Date;
  version: string;
  /** The folder the project file is searched from (the process's current folder). */
  cwd: string;
  /** The project file the command's options were filled from, as shown to the user (src/config). */
  projectFile?: string;
  /** Webhook secrets: --secret flags win, then HOOKCTL_SECRET, then GITHUB_WEBHOOK_SECRET. */
  secrets(flag?: string | string[]): string[];
  /** REST base URL without a trailing slash: --api-url, GITHUB_API_URL, api.github.com. */
  apiUrl(flag?: string): string;
  /** cloudflared path from --cloudflared or CLOUDFLARED_BIN, if given (core/tunnel resolves the rest). */
  cloudflaredFlag(flag?: string): string | undefined;
}

const require = createRequire(import.meta.url);

/**
 * The data folder: HOOKCTL_HOME, else the platform's own (env-paths: $XDG_DATA_HOME/hookctl or
 * ~/.local/share/hookctl on Linux, ~/Library/Application Support/hookctl on macOS,
 * %LOCALAPPDATA%\hookctl\Data on Windows).
 */
function resolvePaths(env: NodeJS.ProcessEnv): Paths {
  let home = env.HOOKCTL_HOME;
  if (!home) {
    const envPaths = (require('env-paths') as { default: (name: string, options: { suffix: string }) => { data: string } }).default;
    home = envPaths('hookctl', { suffix: '' }).data;
  }
  return { home, store: join(home, 'deliveries.db') };
}

function secretsFrom(env: NodeJS.ProcessEnv, flag?: string | string[]): string[] {
  const flags = flag === undefined ? [] : Array.isArray(flag) ? flag : [flag];
  const given = flags.filter((s) => s !== '');
  if (given.length > 0) return given;
  const fromEnv = env.HOOKCTL_SECRET || env.GITHUB_WEBHOOK_SECRET;
  return fromEnv ? [fromEnv] : [];
}

export function createContext(io: IO, version: string, overrides: Partial<AppContext> = {}): AppContext {
  const env = io.env;
  let paths: Paths | undefined;
  const ctx: AppContext = {
    io,
    env,
    defaults: defaultsFrom(env),
    get paths() {
      return (paths ??= resolvePaths(env));
    },
    now: () => new Date(),
    version,
    cwd: process.cwd(),
    secrets: (flag) => secretsFrom(env, flag),
    apiUrl: (flag) => (flag || env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    cloudflaredFlag: (flag) => flag || env.CLOUDFLARED_BIN || undefined,
  };
  return Object.assign(ctx, overrides);
}
