/**
 * The GitHub token: GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when gh is installed,
 * then a hidden prompt on a TTY; otherwise an AuthError (exit 4) naming what the token needs.
 * The token is never printed, logged or stored; `source` says where it came from.
 */
import { execFile } from 'node:child_process';
import type { AppContext } from '../context.js';
import { AuthError } from '../errors.js';

export interface ResolvedToken {
  token: string;
  /** "GITHUB_TOKEN", "GH_TOKEN", "gh auth token", "the prompt". */
  source: string;
}

/** What a token needs for webhooks, in one line. */
export function scopeHint(org = false): string {
  return org
    ? 'A classic token needs the admin:org_hook scope; a fine-grained token needs the organization permission "Webhooks" (read and write).'
    : 'A classic token needs the admin:repo_hook scope; a fine-grained token needs the repository permission "Webhooks" (read and write).';
}

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
export function tokenFromGh(env: NodeJS.ProcessEnv, apiUrl: string): Promise<string | undefined> {
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

export async function resolveToken(ctx: AppContext, options: { apiUrl: string; org?: boolean }): Promise<ResolvedToken> {
  const env = ctx.env;
  if (env.GITHUB_TOKEN?.trim()) return { token: env.GITHUB_TOKEN.trim(), source: 'GITHUB_TOKEN' };
  if (env.GH_TOKEN?.trim()) return { token: env.GH_TOKEN.trim(), source: 'GH_TOKEN' };
  const fromGh = await tokenFromGh(env, options.apiUrl);
  if (fromGh) return { token: fromGh, source: '`gh auth token`' };
  if (ctx.io.canPrompt()) {
    const { password } = await import('@inquirer/prompts');
    const token = (
      await password(
        { message: `GitHub token for ${ghHostname(options.apiUrl)} (input hidden):`, validate: (v) => (v.trim() ? true : 'a token is required') },
        { input: ctx.io.streams.stdin, output: ctx.io.streams.stderr },
      )
    ).trim();
    return { token, source: 'the prompt' };
  }
  throw new AuthError('no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`', [
    scopeHint(options.org),
    'Run in a terminal to be asked for a token instead.',
  ]);
}
