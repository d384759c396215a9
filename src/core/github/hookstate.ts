/**
 * What hookctl remembers about the webhooks it registered, per API URL and repository or
 * organization: the hook id (so a restart re-points the same hook after its URL changed),
 * a one-way fingerprint of the secret last sent (to tell "unchanged" without keeping the
 * secret), and — only for `--tunnel --register` without a user secret — the secret hookctl
 * generated, so both sides keep using it across restarts.
 *
 * One JSON file, $HOOKCTL_HOME/hooks.json, written atomically with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HookctlError } from '../../errors.js';
import type { AskedRedelivery } from './catch-up.js';
import type { HookTarget } from './targets.js';

export interface RememberedHook {
  hookId?: number;
  /** The payload URL last registered. */
  url?: string;
  /** sha256 over (api url, hook id, secret): see hooks.ts secretFingerprint. */
  secretFingerprint?: string;
  /** A secret hookctl generated for this target (tunnel registrations only). */
  generatedSecret?: string;
  /**
   * GUIDs catch-up asked GitHub to redeliver or left for later (catch-up.ts), kept for
   * GitHub's 3-day window. An ISO time alone is the older form: asked once, at that time.
   */
  asked?: Record<string, AskedRedelivery | string>;
  /** An App's webhook settings from before hookctl borrowed it, until they are put back. */
  borrowed?: { prior: { url?: string; content_type?: string; insecure_ssl?: string }; pid: number; at: string };
  updatedAt?: string;
}

interface HookStateFile {
  version: 1;
  targets: Record<string, RememberedHook>;
}

export const HOOKSTATE_FILE = 'hooks.json';

export function hookStatePath(home: string): string {
  return join(home, HOOKSTATE_FILE);
}

/** "https://api.github.com repo:octo-org/octo-repo" — GitHub logins and names are case-insensitive. */
export function targetKey(apiUrl: string, target: HookTarget): string {
  const name = target.kind === 'repo' ? `repo:${target.owner}/${target.repo}` : target.kind === 'org' ? `org:${target.org}` : `app:${target.appId}`;
  return `${apiUrl.replace(/\/+$/, '')} ${name.toLowerCase()}`;
}

function load(home: string): HookStateFile {
  let text: string;
  try {
    text = readFileSync(hookStatePath(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, targets: {} };
    throw new HookctlError(`cannot read ${hookStatePath(home)}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as HookStateFile;
    if (parsed && typeof parsed === 'object' && parsed.targets && typeof parsed.targets === 'object') return parsed;
  } catch {
    /* fall through */
  }
  throw new HookctlError(`${hookStatePath(home)} is not a hookctl hook state file`, ['Move it away; hookctl will start a new one.']);
}

function save(home: string, state: HookStateFile): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = hookStatePath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // in case the umask or an old file widened it
  renameSync(tmp, file);
}

export function rememberedHook(home: string, key: string): RememberedHook | undefined {
  return load(home).targets[key];
}

/** Merge `info` into what is remembered for `key`. */
export function rememberHook(home: string, key: string, info: Partial<RememberedHook>): RememberedHook {
  const state = load(home);
  const next: RememberedHook = { ...state.targets[key], ...info, updatedAt: new Date().toISOString() };
  state.targets[key] = next;
  save(home, state);
  return next;
}

/** Forget the hook id (e.g. after `hooks delete`), keeping a generated secret. */
export function forgetHook(home: string, key: string, hookId: number): void {
  const state = load(home);
  const entry = state.targets[key];
  if (!entry || entry.hookId !== hookId) return;
  delete entry.hookId;
  delete entry.url;
  delete entry.secretFingerprint;
  if (Object.keys(entry).filter((k) => k !== 'updatedAt').length === 0) delete state.targets[key];
  save(home, state);
}

/** An App's webhook was put back: forget what it was. */
export function forgetBorrowed(home: string, key: string): void {
  const state = load(home);
  const entry = state.targets[key];
  if (!entry?.borrowed) return;
  delete entry.borrowed;
  save(home, state);
}

const ASKED_KEEP_MS = 4 * 24 * 3600 * 1000;

/** What catch-up asked for or left for later for `key`, by lower-case GUID. */
export function askedRedeliveries(home: string, key: string): Map<string, AskedRedelivery> {
  const asked = new Map<string, AskedRedelivery>();
  for (const [guid, entry] of Object.entries(rememberedHook(home, key)?.asked ?? {})) {
    asked.set(guid, typeof entry === 'string' ? { at: entry, times: 1, deliveredAt: null } : entry);
  }
  return asked;
}

/** Keep what catch-up knows of `guid`; forget entries older than GitHub's window. */
export function rememberAsked(home: string, key: string, guid: string, entry: AskedRedelivery, now: Date = new Date()): void {
  const asked = { ...(rememberedHook(home, key)?.asked ?? {}) };
  for (const [g, e] of Object.entries(asked)) if (now.getTime() - new Date(typeof e === 'string' ? e : e.at).getTime() > ASKED_KEEP_MS) delete asked[g];
  asked[guid.toLowerCase()] = entry;
  rememberHook(home, key, { asked });
}

/**
 * The secret for a tunnel registration: the user's (first of `given`), else the one
 * generated earlier for this target, else a new random one (32 bytes, hex) that is remembered.
 */
export function tunnelSecret(home: string, key: string, given: string[] = []): { secret: string; generated: boolean } {
  if (given.length > 0 && given[0]) return { secret: given[0], generated: false };
  const existing = rememberedHook(home, key)?.generatedSecret;
  if (existing) return { secret: existing, generated: true };
  const secret = randomBytes(32).toString('hex');
  rememberHook(home, key, { generatedSecret: secret });
  return { secret, generated: true };
}
