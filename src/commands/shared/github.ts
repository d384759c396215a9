/**
 * What commands that call GitHub share: the client for this run (base URL, the token and
 * where it came from — GITHUB_TOKEN, GH_TOKEN, `gh auth token`, else a hidden prompt on a
 * terminal), how a wait is said, the one parser of hook ids, and which hook to use when none
 * was named. Credentials and prompts live here, never in core/github.
 */
import { execFile } from 'node:child_process';
import type { AppContext } from '../../context.js';
import { ApiError, AuthError, UsageError } from '../../errors.js';
import { GithubClient, scopeHint, type ResolvedToken, type WaitInfo } from '../../core/github/client.js';
import { listHooks } from '../../core/github/hooks.js';
import { rememberedHook, targetKey } from '../../core/github/hookstate.js';
import { describeTarget, type HookTarget } from '../../core/github/targets.js';
import { password } from '../../ui/prompt.js';

/** The --hostname for gh: github.com for api.github.com, else the GHES host. */
function ghHostname(apiUrl: string): string {
  try {
    const host = new URL(apiUrl).host;
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return 'github.com';
  }
}

/** `gh auth token`, or undefined when gh is missing, logged out or slow. */
function tokenFromGh(env: NodeJS.ProcessEnv, apiUrl: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'gh',
      ['auth', 'token', '--hostname', ghHostname(apiUrl)],
      { env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, timeout: 5000, windowsHide: true },
      (err, stdout) => {
        if (err) return resolve(undefined);
        const token = String(stdout).trim().split(/\r?\n/)[0]?.trim();
        resolve(token ? token : undefined);
      },
    );
  });
}

/** The token, in the contract's order; never printed, logged or stored. */
export async function resolveToken(ctx: AppContext, options: { apiUrl: string; org?: boolean }): Promise<ResolvedToken> {
  const env = ctx.env;
  if (env.GITHUB_TOKEN?.trim()) return { token: env.GITHUB_TOKEN.trim(), source: 'GITHUB_TOKEN' };
  if (env.GH_TOKEN?.trim()) return { token: env.GH_TOKEN.trim(), source: 'GH_TOKEN' };
  const fromGh = await tokenFromGh(env, options.apiUrl);
  if (fromGh) return { token: fromGh, source: '`gh auth token`' };
  if (ctx.io.canPrompt()) {
    // Say what the token needs before it is pasted, not after GitHub refused it.
    ctx.io.err(ctx.io.errColor.dim(scopeHint(options.org)));
    const token = await password(ctx.io, `GitHub token for ${ghHostname(options.apiUrl)} (input hidden):`, 'a token is required');
    return { token, source: 'the prompt' };
  }
  throw new AuthError('no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`', [
    scopeHint(options.org),
    'Run in a terminal to be asked for a token instead.',
  ]);
}

/** "GitHub rate limit hit (403); waiting 12 s before retrying" — said when the client waits. */
export function describeWait(info: WaitInfo): string {
  const secs = Math.max(1, Math.round(info.ms / 1000));
  if (info.reason === 'rate-limit') return `GitHub rate limit hit (${info.status}); waiting ${secs} s before retrying`;
  if (info.reason === 'server-error') return `GitHub answered ${info.status}; retrying in ${secs} s`;
  return `could not reach GitHub; retrying in ${secs} s`;
}

/** A client for this run: base URL from --api-url/GITHUB_API_URL, token resolved on first use, waits said on stderr. */
export function connect(ctx: AppContext, options: { apiUrl?: string; org?: boolean; onWait?: (info: WaitInfo) => void; token?: ResolvedToken } = {}): GithubClient {
  const baseUrl = ctx.apiUrl(options.apiUrl);
  let token: Promise<ResolvedToken> | undefined = options.token ? Promise.resolve(options.token) : undefined;
  return new GithubClient({
    baseUrl,
    token: () => (token ??= resolveToken(ctx, { apiUrl: baseUrl, org: options.org })),
    userAgent: `hookctl/${ctx.version}`,
    now: () => ctx.now(),
    onWait: options.onWait ?? ((w) => ctx.io.warn(describeWait(w))),
    // Tests shorten the 5xx backoff (rate-limit waits follow GitHub's headers).
    backoffMs: /^\d+$/.test(ctx.env.HOOKCTL_TEST_BACKOFF_MS ?? '') ? Number(ctx.env.HOOKCTL_TEST_BACKOFF_MS) : undefined,
  });
}

/**
 * The hook to use when the user named none: --hook-id, else the remembered one, else the
 * only hook. Several hooks and none remembered → a UsageError listing them.
 */
export async function pickHookId(ctx: AppContext, client: GithubClient, target: HookTarget, hookIdFlag: number | undefined): Promise<number> {
  if (hookIdFlag !== undefined) return hookIdFlag;
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
