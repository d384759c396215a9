/**
 * AppContext: everything a command needs from the outside world, built once in main and
 * passed down. It starts nothing: the token, API URL and cloudflared path are resolved
 * only when a command asks for them.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IO } from './io.js';

export interface Paths {
  /** HOOKCTL_HOME: delivery store, remembered hooks, generated secrets. */
  home: string;
  /** Default delivery store. */
  store: string;
}

export interface AppContext {
  io: IO;
  env: NodeJS.ProcessEnv;
  paths: Paths;
  now(): Date;
  version: string;
  /** Webhook secrets: --secret flags win, then HOOKCTL_SECRET, then GITHUB_WEBHOOK_SECRET. */
  secrets(flag?: string | string[]): string[];
  /** REST base URL without a trailing slash: --api-url, GITHUB_API_URL, api.github.com. */
  apiUrl(flag?: string): string;
  /** cloudflared path from --cloudflared or CLOUDFLARED_BIN, if given (tunnel.ts resolves the rest). */
  cloudflaredFlag(flag?: string): string | undefined;
}

export function resolvePaths(env: NodeJS.ProcessEnv): Paths {
  let home = env.HOOKCTL_HOME;
  if (!home) {
    const xdg = env.XDG_DATA_HOME;
    home = xdg ? join(xdg, 'hookctl') : join(env.HOME || homedir(), '.local', 'share', 'hookctl');
  }
  return { home, store: join(home, 'deliveries.db') };
}

export function secretsFrom(env: NodeJS.ProcessEnv, flag?: string | string[]): string[] {
  const flags = flag === undefined ? [] : Array.isArray(flag) ? flag : [flag];
  const given = flags.filter((s) => s !== '');
  if (given.length > 0) return given;
  const fromEnv = env.HOOKCTL_SECRET || env.GITHUB_WEBHOOK_SECRET;
  return fromEnv ? [fromEnv] : [];
}

export function createContext(io: IO, version: string, overrides: Partial<AppContext> = {}): AppContext {
  const env = io.env;
  const ctx: AppContext = {
    io,
    env,
    paths: resolvePaths(env),
    now: () => new Date(),
    version,
    secrets: (flag) => secretsFrom(env, flag),
    apiUrl: (flag) => (flag || env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    cloudflaredFlag: (flag) => flag || env.CLOUDFLARED_BIN || undefined,
    ...overrides,
  };
  return ctx;
}
