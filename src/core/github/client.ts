/**
 * GitHub's REST API as hookctl uses it: base URL (api.github.com or GHES `https://HOST/api/v3`),
 * auth header, Link-header pagination (page and cursor styles alike: rel="next" is followed),
 * rate limits (waits when the reset is at most 60 s away), 5xx and network retries with
 * backoff, and typed errors in words a user can act on. Never prints, never prompts, never
 * reads AppContext: credentials come from the command as a token provider, waits are told
 * through `onWait`.
 *
 *   targets.ts  OWNER/REPO, --org           hooks.ts         create, update, ping, delete
 *   http.ts     the transport               delivery-log.ts  a hook's deliveries, redelivery
 *   hookstate.ts what hookctl remembers of the hooks it registered ($HOOKCTL_HOME/hooks.json)
 */
import { ApiError, AuthError, HookctlError } from '../../errors.js';
import { parseTargetUrl } from '../deliver/url.js';
import { httpSend, type RawResponse } from './http.js';

const API_VERSION = '2022-11-28';
/** Longest rate-limit wait we sit through; beyond that we fail with the reset time. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/** A token and where it came from ("GITHUB_TOKEN", "`gh auth token`", "the prompt"…), for messages. */
export interface ResolvedToken {
  token: string;
  source: string;
  /** What "GitHub rejected the token" means for this kind of token (an App's JWT: which of ID and key). */
  rejected?: { what: string; hints: string[] };
}

/** What a token needs for webhooks, in one line. */
export function scopeHint(org = false): string {
  return org
    ? 'A classic token needs the admin:org_hook scope; a fine-grained token needs the organization permission "Webhooks" (read and write).'
    : 'A classic token needs the admin:repo_hook scope; a fine-grained token needs the repository permission "Webhooks" (read and write).';
}

export interface WaitInfo {
  reason: 'rate-limit' | 'server-error' | 'network';
  ms: number;
  status?: number;
}

export interface GithubClientOptions {
  /** REST base URL without a trailing slash (GHES: https://HOST/api/v3). */
  baseUrl: string;
  /** Called before each request; the provider caches (a token once, an App's JWT until it nears expiry). */
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

  constructor(options: GithubClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    parseTargetUrl(this.baseUrl, { field: 'the GitHub API URL (--api-url, $GITHUB_API_URL)', example: 'https://api.github.com or https://HOST/api/v3' });
  }

  private token(): Promise<ResolvedToken> {
    return this.options.token();
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
        res = await this.send(method, url, token, opts.body);
      } catch (err) {
        // A name that does not resolve will not resolve a second later: no retry.
        const code = (err as { code?: string }).code;
        const dns = code === 'ENOTFOUND' || code === 'EAI_AGAIN';
        if (serverFailures < retries && method !== 'POST' && !dns) {
          serverFailures += 1;
          this.options.onWait?.({ reason: 'network', ms: backoff });
          await sleep(backoff);
          backoff *= 2;
          continue;
        }
        throw await this.unreachable(err, url);
      }
      const { headers, text, status } = res;
      if (status >= 200 && status < 300) return this.success<T>(method, path, res);
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

  /** One attempt: the request with GitHub's headers and the token, JSON body if any. */
  private send(method: string, url: string, token: ResolvedToken, body: unknown): Promise<RawResponse> {
    return httpSend(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token.token}`,
        'x-github-api-version': API_VERSION,
        'user-agent': this.options.userAgent ?? 'hookctl',
        ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      timeoutMs: 30_000,
    });
  }

  /** A 2xx answer: its JSON (none when empty) and the next page's link. */
  private success<T>(method: string, path: string, { status, headers, text }: RawResponse): ApiResponse<T> {
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

  /** The error for a network failure that is not retried. */
  private async unreachable(err: unknown, url: string): Promise<ApiError> {
    const { describeNetworkError } = await import('../deliver/post.js');
    return new ApiError(`cannot reach GitHub at ${this.baseUrl}: ${describeNetworkError(err, url)}`, undefined, [
      'Check the network, or --api-url / GITHUB_API_URL for GitHub Enterprise Server (https://HOST/api/v3).',
    ]);
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
      if (token.rejected) return new AuthError(`GitHub rejected ${token.rejected.what} (401${said})`, token.rejected.hints);
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

