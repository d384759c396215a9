/**
 * GitHub REST client for webhooks and their delivery log, over undici.
 *
 * Base URL (api.github.com or GHES `https://HOST/api/v3`), auth headers, Link-header
 * pagination (page and cursor styles alike: we follow rel="next"), rate limits (waits when
 * the reset is at most 60 s away), 5xx retries with backoff, and typed errors in words a user
 * can act on. Never prints or prompts: waits are reported through `onWait`.
 *
 * Entry points for other commands (the tunnel session):
 *   - `connect(ctx, {apiUrl})`              → GithubClient (token resolved once, lazily)
 *   - `ensureHook(client, target, desired)` → {outcome: created|updated|unchanged, hook, diff}
 *   - `setHookActive`, `pingHook`, `listHooks`, `getHook`, `deleteHook`
 *   - `registerForTunnel(ctx, {...})` / `deactivateForTunnel(ctx, {...})` (bottom of file)
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import { ApiError, AuthError, HookctlError, UsageError } from '../errors.js';
import { formBody } from './deliver.js';
import { rememberHook, rememberedHook, targetKey } from './hookstate.js';
import { SIGNATURE_HEADER, signatureHeaders, verify } from './signing.js';
import { resolveToken, scopeHint, type ResolvedToken } from './token.js';

export const API_VERSION = '2022-11-28';
/** Longest rate-limit wait we sit through; beyond that we fail with the reset time. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;

// ---------------------------------------------------------------------------------------
// Targets

export type HookTarget = { kind: 'repo'; owner: string; repo: string } | { kind: 'org'; org: string };

/** OWNER/REPO → a repository target; throws a UsageError naming the expected shape. */
export function parseRepo(value: string | undefined, flag = 'OWNER/REPO'): HookTarget {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec((value ?? '').trim());
  if (!m || m[2] === '.' || m[2] === '..') {
    throw new UsageError(`expected ${flag} like octo-org/octo-repo, got "${value ?? ''}"`);
  }
  return { kind: 'repo', owner: m[1], repo: m[2].replace(/\.git$/, '') };
}

export function parseOrg(value: string): HookTarget {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(value.trim())) {
    throw new UsageError(`expected an organization login like octo-org, got "${value}"`);
  }
  return { kind: 'org', org: value.trim() };
}

/** "octo-org/octo-repo" or "org octo-org". */
export function describeTarget(target: HookTarget): string {
  return target.kind === 'repo' ? `${target.owner}/${target.repo}` : `org ${target.org}`;
}

export function hooksPath(target: HookTarget): string {
  return target.kind === 'repo'
    ? `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/hooks`
    : `/orgs/${encodeURIComponent(target.org)}/hooks`;
}

// ---------------------------------------------------------------------------------------
// Shapes (the fields hookctl reads; GitHub sends more)

export interface HookConfig {
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

/** One row of GET …/hooks/{id}/deliveries. */
export interface DeliverySummary {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at?: string | null;
}

/** GET …/deliveries/{id}: the summary plus what was sent and answered. */
export interface DeliveryDetail extends DeliverySummary {
  url?: string;
  request: { headers: Record<string, string> | null; payload: unknown };
  response: { headers: Record<string, string> | null; payload: string | null };
}

// ---------------------------------------------------------------------------------------
// Client

export interface WaitInfo {
  reason: 'rate-limit' | 'server-error' | 'network';
  ms: number;
  status?: number;
}

export interface GithubClientOptions {
  /** REST base URL without a trailing slash (GHES: https://HOST/api/v3). */
  baseUrl: string;
  /** Called once, on the first request. */
  token: () => Promise<ResolvedToken>;
  userAgent?: string;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Told before each wait, so a command can say why it pauses. */
  onWait?: (info: WaitInfo) => void;
  /** Retries after a 5xx or a network error (default 2). */
  retries?: number;
  /** First backoff after a 5xx; doubles each time (default 1000 ms). */
  backoffMs?: number;
  maxRateLimitWaitMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** What the request is about, for error messages ("webhooks of octo-org/octo-repo"). */
  about?: string;
  /** Scope hint for 401/403/404 messages. */
  org?: boolean;
}

export interface ApiResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
  /** rel="next" of the Link header, if any. */
  next?: string;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The URL of rel="next" in a Link header. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2])) return m[1];
  }
  return undefined;
}

export class GithubClient {
  readonly baseUrl: string;
  private readonly options: GithubClientOptions;
  private tokenPromise: Promise<ResolvedToken> | undefined;

  constructor(options: GithubClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    try {
      const u = new URL(this.baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(`not a valid GitHub API URL: "${options.baseUrl}" (e.g. https://api.github.com or https://HOST/api/v3)`);
    }
  }

  private token(): Promise<ResolvedToken> {
    this.tokenPromise ??= this.options.token();
    return this.tokenPromise;
  }

  /** One request, with retries for rate limits, 5xx and network errors; throws typed errors. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = this.urlFor(path, opts.query);
    const token = await this.token();
    const sleep = this.options.sleep ?? sleepReal;
    const retries = this.options.retries ?? 2;
    let backoff = this.options.backoffMs ?? 1000;
    let serverFailures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      let res: RawResponse;
      try {
        res = await httpSend(url, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${token.token}`,
            'x-github-api-version': API_VERSION,
            'user-agent': this.options.userAgent ?? 'hookctl',
            ...(opts.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          },
          body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
          timeoutMs: 30_000,
        });
      } catch (err) {
        if (serverFailures < retries && method !== 'POST') {
          serverFailures += 1;
          this.options.onWait?.({ reason: 'network', ms: backoff });
          await sleep(backoff);
          backoff *= 2;
          continue;
        }
        const { describeNetworkError } = await import('./deliver.js');
        throw new ApiError(`cannot reach GitHub at ${this.baseUrl}: ${describeNetworkError(err, url)}`, undefined, [
          'Check the network, or --api-url / GITHUB_API_URL for GitHub Enterprise Server (https://HOST/api/v3).',
        ]);
      }
      const { headers, text, status } = res;
      if (status >= 200 && status < 300) {
        let data: unknown = undefined;
        if (text.length > 0) {
          try {
            data = JSON.parse(text);
          } catch {
            throw new ApiError(`GitHub answered ${method} ${path} with something that is not JSON (is ${this.baseUrl} a GitHub API URL?)`, status);
          }
        }
        return { status, headers, data: data as T, next: nextLink(headers.link) };
      }
      const wait = this.rateLimitWait(status, headers, text);
      if (wait !== undefined) {
        const max = this.options.maxRateLimitWaitMs ?? MAX_RATE_LIMIT_WAIT_MS;
        if (wait.ms <= max && rateLimitWaits < 3) {
          rateLimitWaits += 1;
          this.options.onWait?.({ reason: 'rate-limit', ms: wait.ms, status });
          await sleep(wait.ms);
          continue;
        }
        throw new ApiError(`GitHub's rate limit is exhausted until ${wait.resetAt.toISOString()} (${Math.ceil(wait.ms / 60_000)} min from now)`, status, [
          'Try again after that time, or use a token with a higher limit.',
        ]);
      }
      if (status >= 500 && serverFailures < retries) {
        serverFailures += 1;
        this.options.onWait?.({ reason: 'server-error', ms: backoff, status });
        await sleep(backoff);
        backoff *= 2;
        continue;
      }
      throw this.errorFor(method, path, status, headers, text, token, opts);
    }
  }

  /** Every item of a paginated list, following rel="next" (page or cursor style). */
  async *paginate<T>(path: string, opts: RequestOptions = {}): AsyncGenerator<T, void, undefined> {
    let next: string | undefined = path;
    let query = opts.query;
    while (next) {
      const page: ApiResponse<T[]> = await this.request<T[]>('GET', next, { ...opts, query });
      if (!Array.isArray(page.data)) throw new ApiError(`GitHub answered GET ${path} with something that is not a list`, page.status);
      for (const item of page.data) yield item;
      next = page.next;
      query = undefined; // the next link carries its own query
    }
  }

  private urlFor(path: string, query?: RequestOptions['query']): string {
    let url: URL;
    if (/^https?:\/\//.test(path)) {
      url = new URL(path);
      // Never send the token to another host than the API's.
      if (url.origin !== new URL(this.baseUrl).origin) {
        throw new ApiError(`GitHub sent a pagination link to another host (${url.origin}); refusing to follow it`);
      }
    } else {
      url = new URL(this.baseUrl + path);
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  private rateLimitWait(status: number, headers: Record<string, string>, text: string): { ms: number; resetAt: Date } | undefined {
    if (status !== 403 && status !== 429) return undefined;
    const now = (this.options.now ?? (() => new Date()))().getTime();
    const retryAfter = headerValue(headers, 'retry-after');
    if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
      const ms = Number(retryAfter) * 1000;
      return { ms, resetAt: new Date(now + ms) };
    }
    const remaining = headerValue(headers, 'x-ratelimit-remaining');
    const reset = headerValue(headers, 'x-ratelimit-reset');
    if (remaining === '0' && reset && /^\d+$/.test(reset)) {
      const resetAt = new Date(Number(reset) * 1000);
      return { ms: Math.max(0, resetAt.getTime() - now) + 1000, resetAt };
    }
    if (status === 429 || /rate limit/i.test(text)) return { ms: 60_000, resetAt: new Date(now + 60_000) };
    return undefined;
  }

  private errorFor(
    method: string,
    path: string,
    status: number,
    headers: Record<string, string>,
    text: string,
    token: ResolvedToken,
    opts: RequestOptions,
  ): HookctlError {
    let body: { message?: string; errors?: Array<{ message?: string; code?: string; field?: string; resource?: string } | string>; documentation_url?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* not JSON: keep the status line */
    }
    const what = opts.about ?? `${method} ${path}`;
    const said = body.message ? `: ${body.message}` : '';
    const scopes = scopeHint(Boolean(opts.org));
    if (status === 401) {
      return new AuthError(`GitHub rejected the token from ${token.source} (401${said})`, [
        `Use a valid token. ${scopes}`,
      ]);
    }
    const permissions = headerValue(headers, 'x-accepted-github-permissions');
    const permissionLine = permissions ? [`The token needs these permissions: ${permissions}`] : [];
    if (status === 404) {
      return new ApiError(`GitHub answered 404 for ${what}: it does not exist, or the token from ${token.source} cannot see it`, status, [
        ...permissionLine,
        scopes,
      ]);
    }
    if (status === 403) {
      return new ApiError(`GitHub refused ${what} (403${said})`, status, [...permissionLine, scopes]);
    }
    if (status === 422) {
      const messages = (body.errors ?? [])
        .map((e) => (typeof e === 'string' ? e : e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(' ')))
        .filter((m): m is string => Boolean(m));
      return new ApiError(`GitHub refused ${what} (422${said})`, status, messages.map((m) => `  - ${m}`));
    }
    return new ApiError(`GitHub answered ${status} for ${what}${said}`, status, body.documentation_url ? [`See ${body.documentation_url}`] : []);
  }
}

/** A client for ctx: base URL from --api-url/GITHUB_API_URL, token resolved on first use. */
export function connect(
  ctx: AppContext,
  options: { apiUrl?: string; org?: boolean; onWait?: (info: WaitInfo) => void } = {},
): GithubClient {
  const baseUrl = ctx.apiUrl(options.apiUrl);
  return new GithubClient({
    baseUrl,
    token: () => resolveToken(ctx, { apiUrl: baseUrl, org: options.org }),
    userAgent: `hookctl/${ctx.version}`,
    now: () => ctx.now(),
    onWait: options.onWait,
    // Tests shorten the 5xx backoff (rate-limit waits follow GitHub's headers).
    backoffMs: /^\d+$/.test(ctx.env.HOOKCTL_TEST_BACKOFF_MS ?? '') ? Number(ctx.env.HOOKCTL_TEST_BACKOFF_MS) : undefined,
  });
}

/** "waiting 12 s: GitHub's rate limit" — for commands to print from onWait. */
export function describeWait(info: WaitInfo): string {
  const secs = Math.max(1, Math.round(info.ms / 1000));
  if (info.reason === 'rate-limit') return `GitHub rate limit hit (${info.status}); waiting ${secs} s before retrying`;
  if (info.reason === 'server-error') return `GitHub answered ${info.status}; retrying in ${secs} s`;
  return `could not reach GitHub; retrying in ${secs} s`;
}

// ---------------------------------------------------------------------------------------
// Hooks

const about = (target: HookTarget, what = 'webhooks') => `the ${what} of ${describeTarget(target)}`;

export async function listHooks(client: GithubClient, target: HookTarget): Promise<Hook[]> {
  const hooks: Hook[] = [];
  for await (const hook of client.paginate<Hook>(hooksPath(target), { query: { per_page: 100 }, about: about(target), org: target.kind === 'org' })) {
    hooks.push(hook);
  }
  return hooks;
}

export async function getHook(client: GithubClient, target: HookTarget, hookId: number): Promise<Hook> {
  const res = await client.request<Hook>('GET', `${hooksPath(target)}/${hookId}`, { about: about(target, `webhook ${hookId}`), org: target.kind === 'org' });
  return res.data;
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

export interface EnsureOptions {
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
export async function ensureHook(client: GithubClient, target: HookTarget, desired: DesiredHook, options: EnsureOptions = {}): Promise<EnsureResult> {
  const hooks = (await listHooks(client, target)).filter((h) => h.name === 'web' || h.name === undefined);
  const existing =
    hooks.find((h) => h.config?.url === desired.url) ??
    (options.rememberedHookId !== undefined ? hooks.find((h) => h.id === options.rememberedHookId) : undefined);
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

// ---------------------------------------------------------------------------------------
// Delivery log

export interface ListDeliveriesOptions {
  /** Stop once deliveries are older than this (GitHub lists newest first). */
  since?: Date;
  limit?: number;
  perPage?: number;
}

/** The hook's recent deliveries, newest first, following the cursor links. */
export async function* listDeliveries(
  client: GithubClient,
  target: HookTarget,
  hookId: number,
  options: ListDeliveriesOptions = {},
): AsyncGenerator<DeliverySummary, void, undefined> {
  let count = 0;
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const perPage = options.perPage ?? Math.min(100, Number.isFinite(limit) ? Math.max(limit, 1) : 100);
  for await (const d of client.paginate<DeliverySummary>(`${hooksPath(target)}/${hookId}/deliveries`, {
    query: { per_page: perPage },
    about: about(target, `delivery log of webhook ${hookId}`),
    org: target.kind === 'org',
  })) {
    if (options.since && new Date(d.delivered_at).getTime() < options.since.getTime()) return;
    yield d;
    count += 1;
    if (count >= limit) return;
  }
}

export async function getDelivery(client: GithubClient, target: HookTarget, hookId: number, deliveryId: number): Promise<DeliveryDetail> {
  const res = await client.request<DeliveryDetail>('GET', `${hooksPath(target)}/${hookId}/deliveries/${deliveryId}`, {
    about: about(target, `delivery ${deliveryId} of webhook ${hookId}`),
    org: target.kind === 'org',
  });
  return res.data;
}

/** Ask GitHub to redeliver (answers 202). Explains GitHub's redelivery window when refused. */
export async function redeliver(client: GithubClient, target: HookTarget, hookId: number, deliveryId: number): Promise<void> {
  try {
    await client.request('POST', `${hooksPath(target)}/${hookId}/deliveries/${deliveryId}/attempts`, {
      about: about(target, `delivery ${deliveryId} of webhook ${hookId}`),
      org: target.kind === 'org',
    });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 422 || err.status === 400 || err.status === 404)) {
      throw new ApiError(err.message, err.status, [
        ...err.details,
        'GitHub only redelivers deliveries from the past 3 days; for older ones, replay the stored copy with --to URL instead.',
      ]);
    }
    throw err;
  }
}

/**
 * Find a delivery by GUID (X-GitHub-Delivery), a unique GUID prefix, or GitHub's numeric id
 * in a hook's log. The log can hold several attempts of one GUID: the newest comes first and
 * is returned. A prefix shared by several GUIDs is a UsageError listing them.
 */
export async function findDelivery(client: GithubClient, target: HookTarget, hookId: number, guidOrId: string): Promise<DeliverySummary | undefined> {
  const wanted = guidOrId.trim().toLowerCase();
  if (!wanted) return undefined;
  const byPrefix = new Map<string, DeliverySummary>();
  for await (const d of listDeliveries(client, target, hookId)) {
    const guid = d.guid.toLowerCase();
    if (guid === wanted || String(d.id) === wanted) return d;
    if (guid.startsWith(wanted) && !byPrefix.has(guid)) byPrefix.set(guid, d);
  }
  if (byPrefix.size > 1) {
    throw new UsageError(
      `"${guidOrId}" matches ${byPrefix.size} deliveries in the log of webhook ${hookId}; give more of the GUID`,
      [...byPrefix.values()].slice(0, 10).map((d) => `  ${d.guid}  ${d.event}${d.action ? `.${d.action}` : ''}  ${d.delivered_at}`),
    );
  }
  return byPrefix.values().next().value;
}

/**
 * The hook to use when the user named none: --hook-id, else the remembered one, else the
 * only hook. Several hooks and none remembered → a UsageError listing them.
 */
export async function pickHookId(
  ctx: AppContext,
  client: GithubClient,
  target: HookTarget,
  hookIdFlag: string | number | undefined,
): Promise<number> {
  if (hookIdFlag !== undefined && hookIdFlag !== '') {
    const id = Number(hookIdFlag);
    if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`--hook-id must be a hook id (a whole number), got "${hookIdFlag}"`);
    return id;
  }
  const remembered = rememberedHook(ctx.paths.home, targetKey(client.baseUrl, target));
  if (remembered?.hookId) return remembered.hookId;
  const hooks = await listHooks(client, target);
  if (hooks.length === 1) return hooks[0].id;
  if (hooks.length === 0) throw new ApiError(`${describeTarget(target)} has no webhooks`);
  throw new UsageError(
    `${describeTarget(target)} has ${hooks.length} webhooks; choose one with --hook-id`,
    hooks.map((h) => `  ${h.id}  ${h.config?.url ?? ''}`),
  );
}

/** A delivery from GitHub's log turned back into bytes and headers (see rebuildDelivery). */
export interface RebuiltDelivery {
  /** Compact JSON (or payload=… for form hooks) re-serialized from GitHub's parsed payload. */
  body: Buffer;
  /** Header name → value, as GitHub sent them, with signatures fixed up (see `signature`). */
  headers: Record<string, string>;
  /** node rawHeaders layout, for the store. */
  rawHeaders: string[];
  contentType: 'json' | 'form';
  /**
   * reproduced: GitHub's original signature matches the re-serialized bytes (kept);
   * resigned: signed anew with the known secret; dropped: no secret, so the original
   * signatures (which cannot match the re-serialized bytes) were removed.
   */
  signature: 'reproduced' | 'resigned' | 'dropped';
  repository: string | null;
  sender: string | null;
}

/**
 * GitHub's API returns a delivery's payload parsed, not as the bytes it sent, so the body is
 * re-serialized (compact JSON, as GitHub sends it). When the original signature still
 * verifies with `secret` it is kept; otherwise the body is re-signed with `secret`, or the
 * signature headers are dropped when no secret is known.
 */
export function rebuildDelivery(detail: DeliveryDetail, secret?: string): RebuiltDelivery {
  const original = detail.request?.headers ?? {};
  const contentTypeHeader = Object.entries(original).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? 'application/json';
  const contentType = /x-www-form-urlencoded/i.test(contentTypeHeader) ? 'form' : 'json';
  const json = JSON.stringify(detail.request?.payload ?? null);
  const body = contentType === 'form' ? formBody(json) : Buffer.from(json, 'utf8');
  const isSignature = (name: string) => /^x-hub-signature(-256)?$/i.test(name);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(original)) if (!isSignature(name)) headers[name] = String(value);
  const sig256 = Object.entries(original).find(([k]) => k.toLowerCase() === SIGNATURE_HEADER.sha256.toLowerCase())?.[1];
  let signature: RebuiltDelivery['signature'] = 'dropped';
  if (secret && sig256 && verify(secret, body, String(sig256))) {
    for (const [name, value] of Object.entries(original)) if (isSignature(name)) headers[name] = String(value);
    signature = 'reproduced';
  } else if (secret) {
    Object.assign(headers, signatureHeaders(secret, body));
    signature = 'resigned';
  }
  const payload = (detail.request?.payload ?? {}) as { repository?: { full_name?: unknown }; sender?: { login?: unknown } };
  return {
    body,
    headers,
    rawHeaders: Object.entries(headers).flat(),
    contentType,
    signature,
    repository: typeof payload.repository?.full_name === 'string' ? payload.repository.full_name : null,
    sender: typeof payload.sender?.login === 'string' ? payload.sender.login : null,
  };
}

// ---------------------------------------------------------------------------------------
// For the tunnel session (src/commands/tunnel-session.ts)

export interface TunnelRegistration {
  target: HookTarget;
  hook: Hook;
  outcome: EnsureResult['outcome'];
  diff: HookChange[];
  client: GithubClient;
}

/**
 * Point `repo`'s webhook at `url` (the remembered hook for the repository is re-pointed, so
 * restarts never add hooks), active, with `secret` sent; remembers the hook id. No prompts.
 * Use `tunnelSecret` (hookstate.ts) first to pick the secret.
 */
export async function registerForTunnel(
  ctx: AppContext,
  options: { repo: string; url: string; events?: string[]; secret: string; apiUrl?: string; onWait?: (info: WaitInfo) => void },
): Promise<TunnelRegistration> {
  const target = parseRepo(options.repo, '--register OWNER/REPO');
  const client = connect(ctx, { apiUrl: options.apiUrl, onWait: options.onWait });
  const key = targetKey(client.baseUrl, target);
  const remembered = rememberedHook(ctx.paths.home, key);
  const desired: DesiredHook = {
    url: options.url,
    events: options.events && options.events.length > 0 ? options.events : ['*'],
    contentType: 'json',
    insecureSsl: false,
    active: true,
    secret: options.secret,
  };
  const result = await ensureHook(client, target, desired, {
    rememberedHookId: remembered?.hookId,
    secretMatches: (id) => remembered?.secretFingerprint === secretFingerprint(client.baseUrl, id, options.secret),
  });
  rememberHook(ctx.paths.home, key, {
    hookId: result.hook.id,
    url: options.url,
    secretFingerprint: secretFingerprint(client.baseUrl, result.hook.id, options.secret),
  });
  return { target, hook: result.hook, outcome: result.outcome, diff: result.diff, client };
}

/** Turn the tunnel's hook off on exit (`active: false`), leaving it in place for next time. */
export async function deactivateForTunnel(registration: TunnelRegistration): Promise<Hook> {
  return setHookActive(registration.client, registration.target, registration.hook.id, false);
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

// One keep-alive agent per scheme for the whole run (pagination reuses the connection).
// node:http(s) rather than undici: the REST calls are few, and undici alone costs more to
// load than node takes to start.
let agents: { http?: import('node:http').Agent; https?: import('node:https').Agent } = {};

async function httpSend(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<RawResponse> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const mod = secure ? await import('node:https') : await import('node:http');
  const agent = secure ? (agents.https ??= new (mod as typeof import('node:https')).Agent({ keepAlive: true })) : (agents.http ??= new mod.Agent({ keepAlive: true }));
  const body = init.body !== undefined ? Buffer.from(init.body, 'utf8') : undefined;
  return new Promise<RawResponse>((resolve, reject) => {
    const req = mod.request(u, {
      method: init.method,
      headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent,
    });
    req.setTimeout(init.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}

/** Let the process exit: close idle keep-alive sockets (tests and long-running commands). */
export function closeConnections(): void {
  agents.http?.destroy();
  agents.https?.destroy();
  agents = {};
}
