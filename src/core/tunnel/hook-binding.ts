/**
 * The webhook a tunnel session points at its public URL: a repository's hook (--register), or
 * a GitHub App's webhook (--register-app). The session points it, re-points it after a tunnel
 * restart, reads its delivery log for catch-up, and lets it go on exit. GitHub is called
 * through core/github with the client the command made (its token, and any prompt for it, are
 * the command's); what was done is reported as events, never printed.
 */
import { getApp, getAppHookConfig, updateAppHookConfig } from '../github/app.js';
import type { AskedRedelivery } from '../github/catch-up.js';
import type { GithubClient } from '../github/client.js';
import { getDelivery, listDeliveries, redeliver, type LoggedDelivery } from '../github/delivery-log.js';
import { ensureHook, pingHook, secretFingerprint, setHookActive, type DesiredHook } from '../github/hooks.js';
import { askedRedeliveries, forgetBorrowed, hookStatePath, rememberAsked, rememberHook, rememberedHook, targetKey, tunnelSecret } from '../github/hookstate.js';
import { describeTarget, type HookTarget } from '../github/targets.js';
import type { HookEvent, HookPointOutcome, HookRelease } from './events.js';

export interface HookBinding {
  /** "webhook 512034 of octo-org/octo-repo" */
  readonly name: string;
  /** The hook's id (X-GitHub-Hook-ID), when known: deliveries in the store from it are found by it. */
  readonly hookId: number | null;
  /** What `listen --json`'s ready record says of it. */
  readonly summary: { name: string; id: number | null; repository?: string; app?: number };
  /** Point it at `url` (active, with the session's secret). */
  point(url: string): Promise<HookPointOutcome>;
  /** Ask GitHub for a ping (false: this kind of hook cannot be pinged through the API). */
  ping(): Promise<boolean>;
  /** On exit: deactivate (a repository hook) or restore (an App's webhook). */
  release(keepActive: boolean): Promise<HookRelease>;
  /** Its delivery log, newest first, and how to redeliver from it. */
  log(): AsyncIterable<LoggedDelivery>;
  redeliver(d: LoggedDelivery): Promise<void>;
  /** What catch-up asked for or left for later (remembered in HOOKCTL_HOME), and remembering more. */
  asked(): Map<string, AskedRedelivery>;
  remember(guid: string, entry: AskedRedelivery): void;
  /** How to fetch payloads from its log that can no longer be redelivered. */
  readonly pullCommand: string;
  /** Find out the hook id when it is not known yet (an App's: from its delivery log). */
  learnHookId?(): Promise<number | null>;
}

/** Binds the session's webhook once the tunnel has a URL: points it there, reporting what it did. */
export type HookBinder = (url: string, report: (event: HookEvent) => void) => Promise<HookBinding>;

interface RepoHookOptions {
  client: GithubClient;
  /** HOOKCTL_HOME: the remembered hook, its generated secret, what catch-up asked for. */
  home: string;
  target: HookTarget;
  /** The hook's events; null = all (`*`). */
  events: string[] | null;
  /** Secrets given by the user (the first is the hook's); none: one generated and remembered. */
  secrets: string[];
  /** Told the secret before GitHub is asked for anything, so the listener verifies with it. */
  onSecret?: (secret: string) => void;
}

/** A repository's webhook: the remembered one is re-pointed, so restarts never add hooks. */
export async function bindRepoHook(options: RepoHookOptions, url: string, report: (event: HookEvent) => void): Promise<HookBinding> {
  const { client, home, target } = options;
  const key = targetKey(client.baseUrl, target);
  const { secret, generated } = tunnelSecret(home, key, options.secrets);
  options.onSecret?.(secret);
  const repo = describeTarget(target);
  let hookId = 0;
  /** The events GitHub says the hook has, as last pointed. */
  let hookEvents: string[] = [];
  const name = () => `webhook ${hookId} of ${repo}`;
  const point = async (to: string): Promise<HookPointOutcome> => {
    const remembered = rememberedHook(home, key);
    const desired: DesiredHook = { url: to, events: options.events ?? ['*'], contentType: 'json', insecureSsl: false, active: true, secret };
    const result = await ensureHook(client, target, desired, {
      rememberedHookId: remembered?.hookId,
      secretMatches: (id) => remembered?.secretFingerprint === secretFingerprint(client.baseUrl, id, secret),
    });
    hookId = result.hook.id;
    rememberHook(home, key, { hookId, url: to, secretFingerprint: secretFingerprint(client.baseUrl, hookId, secret) });
    hookEvents = result.hook.events ?? desired.events;
    return result.outcome === 'created' || result.outcome === 'updated' ? result.outcome : 'reused';
  };
  const outcome = await point(url);
  report({ type: 'hook-pointed', hook: name(), outcome, url, events: hookEvents });
  report({ type: 'hook-secret', repository: repo, generated, stateFile: hookStatePath(home) });
  return {
    get name() {
      return name();
    },
    get hookId() {
      return hookId;
    },
    get summary() {
      return { name: name(), id: hookId, repository: repo };
    },
    get pullCommand() {
      return `hookctl deliveries pull ${repo} --hook-id ${hookId}`;
    },
    point,
    ping: () => pingHook(client, target, hookId).then(() => true),
    release: async (keepActive): Promise<HookRelease> => {
      if (keepActive) return { kind: 'kept-active' };
      await setHookActive(client, target, hookId, false);
      return { kind: 'deactivated' };
    },
    log: () => listDeliveries(client, target, hookId),
    redeliver: (d) => redeliver(client, target, hookId, d.id),
    asked: () => askedRedeliveries(home, key),
    remember: (guid, entry) => rememberAsked(home, key, guid, entry),
  };
}

interface AppHookOptions {
  client: GithubClient;
  home: string;
  appId: number;
  secrets: string[];
  onSecret?: (secret: string) => void;
  /** Remembered with the borrowed settings: which run borrowed them, and when. */
  pid: number;
  now: () => Date;
}

/** What an App's webhook was before hookctl borrowed it (kept in HOOKCTL_HOME until it is put back). */
interface Borrowed {
  prior: { url?: string; content_type?: string; insecure_ssl?: string };
  pid: number;
  at: string;
}

/**
 * A GitHub App's one webhook, borrowed: pointed at the tunnel with the listener's secret, and
 * on exit put back to the URL, content type and TLS check it had (remembered in HOOKCTL_HOME
 * first, so a run that dies leaves the next one able to put it back).
 */
export async function bindAppHook(options: AppHookOptions, url: string, report: (event: HookEvent) => void): Promise<HookBinding> {
  const { client, home } = options;
  const target: HookTarget = { kind: 'app', appId: options.appId };
  const key = targetKey(client.baseUrl, target);
  const app = await getApp(client);
  const name = `the webhook of App ${app.name} (${app.id})`;
  const leftover = rememberedHook(home, key)?.borrowed as Borrowed | undefined;
  const prior = leftover?.prior ?? (await borrow(options, key));
  const { secret, generated } = tunnelSecret(home, key, options.secrets);
  options.onSecret?.(secret);
  report({ type: 'hook-borrowed', hook: name, leftover: leftover ? { pid: leftover.pid, at: leftover.at, url: leftover.prior.url ?? null } : null, generatedSecret: generated });
  const point = async (to: string): Promise<HookPointOutcome> => {
    await updateAppHookConfig(client, { url: to, content_type: 'json', insecure_ssl: '0', secret });
    return 'pointed';
  };
  report({ type: 'hook-pointed', hook: name, outcome: await point(url), url, events: null });
  let hookId: number | null | undefined;
  return {
    name,
    get hookId() {
      return hookId ?? null;
    },
    get summary() {
      return { name, id: hookId ?? null, app: options.appId };
    },
    pullCommand: 'hookctl deliveries pull --app',
    point,
    ping: async () => false,
    release: async (): Promise<HookRelease> => {
      await updateAppHookConfig(client, restorable(prior));
      forgetBorrowed(home, key);
      return { kind: 'restored', url: prior.url ?? null, contentType: prior.content_type ?? null };
    },
    log: () => listDeliveries(client, target, 0),
    redeliver: (d) => redeliver(client, target, 0, d.id),
    asked: () => askedRedeliveries(home, key),
    remember: (guid, entry) => rememberAsked(home, key, guid, entry),
    learnHookId: async () => (hookId ??= await appHookId(client, target)),
  };
}

/** Read the App's webhook settings as they are, and remember them before changing anything. */
async function borrow(options: AppHookOptions, key: string): Promise<Borrowed['prior']> {
  const current = await getAppHookConfig(options.client);
  const prior = { url: current.url, content_type: current.content_type, insecure_ssl: current.insecure_ssl === undefined ? undefined : String(current.insecure_ssl) };
  rememberHook(options.home, key, { borrowed: { prior, pid: options.pid, at: options.now().toISOString() } });
  return prior;
}

/** The fields of a remembered config PATCH can set back (a missing URL cannot be "unset"). */
export function restorable(prior: Borrowed['prior']): { url?: string; content_type?: string; insecure_ssl?: string } {
  return {
    ...(prior.url ? { url: prior.url } : {}),
    ...(prior.content_type ? { content_type: prior.content_type } : {}),
    ...(prior.insecure_ssl !== undefined ? { insecure_ssl: prior.insecure_ssl } : {}),
  };
}

/** The App's hook id, read from the newest delivery in its log (null when the log is empty). */
async function appHookId(client: GithubClient, target: HookTarget): Promise<number | null> {
  for await (const d of listDeliveries(client, target, 0, { limit: 1 })) {
    const headers = (await getDelivery(client, target, 0, d.id)).request?.headers ?? {};
    const value = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-github-hook-id')?.[1];
    return value && /^\d+$/.test(String(value)) ? Number(value) : null;
  }
  return null;
}
