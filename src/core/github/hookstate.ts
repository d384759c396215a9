/**
 * What hookctl remembers about the webhooks it registered, per API URL and repository or
 * organization: the hook id (so a restart re-points the same hook after its URL changed),
 * a one-way fingerprint of the secret last sent (to tell "unchanged" without keeping the
 * secret), and — only for `--tunnel --register` without a user secret — the secret hookctl
 * generated, so both sides keep using it across restarts.
 *
 * One JSON file, $HOOKCTL_HOME/hooks.json, in a folder verified to be private (core/files),
 * read only when it is a regular file of at most a few MiB, written atomically with mode 0600
 * through an exclusive temp file. An entry that is not what hookctl writes is named (a
 * notice), ignored, and written back as it was, never "repaired".
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HookctlError } from '../../errors.js';
import { FileError, privateFolder, readRegularFileSync, writePrivateFile } from '../files.js';
import { notice } from '../notices.js';
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

/** The file as read: the entries hookctl can use, and the others, kept as they were. */
interface LoadedState {
  state: HookStateFile;
  /** Entries that are not what hookctl writes, by key, exactly as read (written back as they are). */
  ignored: Record<string, unknown>;
}

/** A hooks.json is a few KiB; more than this is not one. */
const HOOKSTATE_MAX_BYTES = 4 * 1024 * 1024;

const HOOKSTATE_FILE = 'hooks.json';

export function hookStatePath(home: string): string {
  return join(home, HOOKSTATE_FILE);
}

/** "https://api.github.com repo:octo-org/octo-repo" — GitHub logins and names are case-insensitive. */
export function targetKey(apiUrl: string, target: HookTarget): string {
  const name = target.kind === 'repo' ? `repo:${target.owner}/${target.repo}` : target.kind === 'org' ? `org:${target.org}` : `app:${target.appId}`;
  return `${apiUrl.replace(/\/+$/, '')} ${name.toLowerCase()}`;
}

const FOLDER_FIX = 'Set HOOKCTL_HOME to a folder of your own (hookctl creates it with mode 0700).';

/** Verify the data folder is private (core/files): before anything in it is read or written. */
function verifyFolder(home: string): void {
  privateFolder(home, FOLDER_FIX);
}

function load(home: string): LoadedState {
  const file = hookStatePath(home);
  if (!existsSync(home)) return empty();
  verifyFolder(home);
  let text: string;
  try {
    text = readRegularFileSync(file, { limit: HOOKSTATE_MAX_BYTES, what: 'a hook state file' }).bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty();
    if (err instanceof FileError) throw new HookctlError(err.message, ['Move it away; hookctl will start a new one.']);
    throw new HookctlError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* said below */
  }
  const targets = (parsed as { targets?: unknown } | undefined)?.targets;
  if (!isRecord(parsed) || !isRecord(targets)) throw new HookctlError(`${file} is not a hookctl hook state file`, ['Move it away; hookctl will start a new one.']);
  const loaded: LoadedState = { state: { version: 1, targets: Object.create(null) as Record<string, RememberedHook> }, ignored: Object.create(null) as Record<string, unknown> };
  for (const [key, entry] of Object.entries(targets)) {
    const problem = entryProblem(entry);
    if (problem === null) loaded.state.targets[key] = entry as RememberedHook;
    else {
      loaded.ignored[key] = entry;
      notice(`${file}: the entry ${JSON.stringify(key)} is ignored: ${problem} (it is left in the file as it is)`);
    }
  }
  return loaded;
}

function empty(): LoadedState {
  return { state: { version: 1, targets: {} }, ignored: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown) => typeof v === 'string';
const isIso = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** What is wrong with an entry (as hookctl writes them), or null. */
function entryProblem(entry: unknown): string | null {
  if (!isRecord(entry)) return `it is ${entry === null ? 'null' : Array.isArray(entry) ? 'an array' : `a ${typeof entry}`}, not an object`;
  const fields: [keyof RememberedHook, (v: unknown) => boolean, string][] = [
    ['hookId', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a hook id (a positive whole number)'],
    ['url', isString, 'a URL'],
    ['secretFingerprint', isString, 'a fingerprint (text)'],
    ['generatedSecret', (v) => typeof v === 'string' && v.length > 0, 'a secret (text)'],
    ['updatedAt', isIso, 'a date'],
    ['asked', (v) => isRecord(v) && Object.values(v).every((e) => isIso(e) || (isRecord(e) && isIso(e.at) && Number.isInteger(e.times) && (e.deliveredAt === null || isIso(e.deliveredAt)))), 'redeliveries asked for, by GUID'],
    ['borrowed', (v) => isRecord(v) && isRecord(v.prior) && Number.isInteger(v.pid) && isIso(v.at), "an App webhook's borrowed settings"],
  ];
  for (const [name, valid, what] of fields) {
    if (entry[name] !== undefined && !valid(entry[name])) return `its ${name} is not ${what}`;
  }
  return null;
}

function save(home: string, loaded: LoadedState): void {
  verifyFolder(home);
  // Entries hookctl could not use go back exactly as they were read (unless one was replaced).
  const targets = { ...loaded.ignored, ...loaded.state.targets };
  writePrivateFile(hookStatePath(home), JSON.stringify({ ...loaded.state, targets }, null, 2) + '\n');
}

export function rememberedHook(home: string, key: string): RememberedHook | undefined {
  return load(home).state.targets[key];
}

/** Merge `info` into what is remembered for `key`. */
export function rememberHook(home: string, key: string, info: Partial<RememberedHook>): RememberedHook {
  const loaded = load(home);
  const next: RememberedHook = { ...loaded.state.targets[key], ...info, updatedAt: new Date().toISOString() };
  loaded.state.targets[key] = next;
  save(home, loaded);
  return next;
}

/** Forget the hook id (e.g. after `hooks delete`), keeping a generated secret. */
export function forgetHook(home: string, key: string, hookId: number): void {
  const loaded = load(home);
  const entry = loaded.state.targets[key];
  if (!entry || entry.hookId !== hookId) return;
  delete entry.hookId;
  delete entry.url;
  delete entry.secretFingerprint;
  if (Object.keys(entry).filter((k) => k !== 'updatedAt').length === 0) delete loaded.state.targets[key];
  save(home, loaded);
}

/** An App's webhook was put back: forget what it was. */
export function forgetBorrowed(home: string, key: string): void {
  const loaded = load(home);
  const entry = loaded.state.targets[key];
  if (!entry?.borrowed) return;
  delete entry.borrowed;
  save(home, loaded);
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
