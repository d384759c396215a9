/**
 * A repository's or organization's webhooks: list, get, create or update idempotently
 * (ensureHook), turn on and off, ping, delete.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import type { GithubClient } from './client.js';
import { describeTarget, hooksPath, type HookTarget } from './targets.js';

interface HookConfig {
  url?: string;
  content_type?: string;
  insecure_ssl?: string | number;
  /** GitHub answers "********" when a secret is set, never the secret. */
  secret?: string;
}

export interface Hook {
  id: number;
  type?: string;
  name: string;
  active: boolean;
  events: string[];
  config: HookConfig;
  created_at?: string;
  updated_at?: string;
  url?: string;
  ping_url?: string;
  deliveries_url?: string;
  last_response?: { code: number | null; status: string | null; message: string | null };
}


const about = (target: HookTarget, what = 'webhooks') => `the ${what} of ${describeTarget(target)}`;

export async function listHooks(client: GithubClient, target: HookTarget): Promise<Hook[]> {
  const hooks: Hook[] = [];
  for await (const hook of client.paginate<Hook>(hooksPath(target), { query: { per_page: 100 }, about: about(target), org: target.kind === 'org' })) {
    hooks.push(hook);
  }
  return hooks;
}

export async function deleteHook(client: GithubClient, target: HookTarget, hookId: number): Promise<void> {
  await client.request('DELETE', `${hooksPath(target)}/${hookId}`, { about: about(target, `webhook ${hookId}`), org: target.kind === 'org' });
}

/** Ask GitHub to send a `ping` delivery (answers 204). */
export async function pingHook(client: GithubClient, target: HookTarget, hookId: number): Promise<void> {
  await client.request('POST', `${hooksPath(target)}/${hookId}/pings`, { about: about(target, `webhook ${hookId}`), org: target.kind === 'org' });
}

/** Turn a hook on or off. Sends only `active`, so the config (and its secret) stays as is. */
export async function setHookActive(client: GithubClient, target: HookTarget, hookId: number, active: boolean): Promise<Hook> {
  const res = await client.request<Hook>('PATCH', `${hooksPath(target)}/${hookId}`, {
    body: { active },
    about: about(target, `webhook ${hookId}`),
    org: target.kind === 'org',
  });
  return res.data;
}

export interface DesiredHook {
  url: string;
  /** Event names, or ['*']. */
  events: string[];
  contentType: 'json' | 'form';
  insecureSsl: boolean;
  active: boolean;
  /** Sent on create and on every update (GitHub drops the secret when an update omits it). */
  secret?: string;
}

export interface HookChange {
  field: 'url' | 'events' | 'content_type' | 'insecure_ssl' | 'active' | 'secret';
  from: string;
  to: string;
}

/** A hook to create or update; without events, see ensureHook. */
export type WantedHook = Omit<DesiredHook, 'events'> & { events?: string[] };

export interface EnsureOptions {
  /** Without wanted.events: ask (a terminal's checkbox), given the hook found, if any. */
  chooseEvents?: (existing: Hook | undefined) => Promise<string[]>;
  /** The hook hookctl remembers for this target (found again after the URL changed). */
  rememberedHookId?: number;
  /** True when the desired secret is known to be the one the hook has (see secretFingerprint). */
  secretMatches?: (hookId: number) => boolean;
  /** Asked before updating an existing hook; false aborts with outcome 'declined'. */
  confirm?: (hook: Hook, diff: HookChange[]) => Promise<boolean>;
}

export interface EnsureResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'declined';
  hook: Hook;
  diff: HookChange[];
}

/** The body GitHub's create and update endpoints take, always with every setting. */
export function hookBody(desired: DesiredHook, create: boolean): Record<string, unknown> {
  const config: Record<string, string> = {
    url: desired.url,
    content_type: desired.contentType,
    insecure_ssl: desired.insecureSsl ? '1' : '0',
  };
  if (desired.secret) config.secret = desired.secret;
  return { ...(create ? { name: 'web' } : {}), active: desired.active, events: desired.events, config };
}

const sortedEvents = (events: string[]) => [...new Set(events)].sort();

/** What would change if `hook` were updated to `desired`. */
export function diffHook(hook: Hook, desired: DesiredHook, secretMatches: boolean): HookChange[] {
  const diff: HookChange[] = [];
  const cfg = hook.config ?? {};
  if (cfg.url !== desired.url) diff.push({ field: 'url', from: cfg.url ?? '(none)', to: desired.url });
  const have = sortedEvents(hook.events ?? []);
  const want = sortedEvents(desired.events);
  if (have.join(',') !== want.join(',')) diff.push({ field: 'events', from: have.join(',') || '(none)', to: want.join(',') });
  const contentType = cfg.content_type ?? 'form';
  if (contentType !== desired.contentType) diff.push({ field: 'content_type', from: contentType, to: desired.contentType });
  const insecure = String(cfg.insecure_ssl ?? '0');
  const wantInsecure = desired.insecureSsl ? '1' : '0';
  if (insecure !== wantInsecure) diff.push({ field: 'insecure_ssl', from: insecure, to: wantInsecure });
  if (hook.active !== desired.active) diff.push({ field: 'active', from: String(hook.active), to: String(desired.active) });
  const hasSecret = Boolean(cfg.secret);
  if (desired.secret && !hasSecret) diff.push({ field: 'secret', from: '(none)', to: '(set)' });
  else if (desired.secret && !secretMatches) diff.push({ field: 'secret', from: '(unknown)', to: '(set)' });
  else if (!desired.secret && hasSecret) diff.push({ field: 'secret', from: '(set)', to: '(none)' });
  return diff;
}

/**
 * Create or update the hook for `desired.url`, idempotently: the hook with the same
 * config.url (searching every page), else the remembered hook, is updated when anything
 * differs; otherwise a new `web` hook is created.
 */
export async function ensureHook(client: GithubClient, target: HookTarget, wanted: WantedHook, options: EnsureOptions = {}): Promise<EnsureResult> {
  const hooks = (await listHooks(client, target)).filter((h) => h.name === 'web' || h.name === undefined);
  const existing =
    hooks.find((h) => h.config?.url === wanted.url) ??
    (options.rememberedHookId !== undefined ? hooks.find((h) => h.id === options.rememberedHookId) : undefined);
  // Events not given: a new hook gets `push` (or what the user picks); an existing one keeps its own.
  const events = wanted.events ?? (options.chooseEvents ? await options.chooseEvents(existing) : existing?.events?.length ? existing.events : ['push']);
  const desired: DesiredHook = { ...wanted, events };
  const org = target.kind === 'org';
  if (!existing) {
    const res = await client.request<Hook>('POST', hooksPath(target), { body: hookBody(desired, true), about: about(target), org });
    return { outcome: 'created', hook: res.data, diff: [] };
  }
  const diff = diffHook(existing, desired, options.secretMatches?.(existing.id) ?? false);
  if (diff.length === 0) return { outcome: 'unchanged', hook: existing, diff };
  if (!desired.secret && existing.config?.secret) {
    throw new UsageError(
      `webhook ${existing.id} of ${describeTarget(target)} has a secret, and GitHub removes it on an update that omits it`,
      ['Pass the secret with --secret or HOOKCTL_SECRET (it is sent, never stored).'],
    );
  }
  if (options.confirm && !(await options.confirm(existing, diff))) return { outcome: 'declined', hook: existing, diff };
  const res = await client.request<Hook>('PATCH', `${hooksPath(target)}/${existing.id}`, {
    body: hookBody(desired, false),
    about: about(target, `webhook ${existing.id}`),
    org,
  });
  return { outcome: 'updated', hook: res.data, diff };
}

/**
 * A one-way fingerprint of (hook, secret) so a later `register` can tell the secret did not
 * change without keeping the secret. Salted with the hook id and API URL.
 */
export function secretFingerprint(apiUrl: string, hookId: number, secret: string): string {
  return createHash('sha256').update(`hookctl\0${apiUrl}\0${hookId}\0${secret}`).digest('hex');
}
