/**
 * What `listen --tunnel` needs, checked before anything starts (no listener, no tunnel, nothing
 * written to hooks.json): the GitHub token for --register or the App's credentials for
 * --register-app, and the cloudflared binary. Every missing piece is reported at once; on a
 * terminal, the token prompt and the download offer come here, before the start.
 */
import type { AppContext } from '../../context.js';
import { AuthError, HookctlError, UsageError } from '../../errors.js';
import type { AppCredentials } from '../../core/github/app.js';
import type { ResolvedToken } from '../../core/github/client.js';
import { parseRepo } from '../../core/github/targets.js';
import { cloudflaredMissingError, findCloudflared } from '../../core/tunnel/find.js';
import { appCredentials, type AppFlags } from './app.js';
import { resolveToken } from './github.js';
import { resolveBinary } from './tunnel-session.js';

export interface TunnelFlags extends AppFlags {
  register?: string;
  registerApp?: boolean;
  cloudflared?: string;
  apiUrl?: string;
}

export interface TunnelReady {
  /** --register: the token, resolved once (a prompt is not asked twice). */
  token?: ResolvedToken;
  /** --register-app: the App's credentials. */
  registerApp?: AppCredentials;
}

/** Throws one error naming every missing piece (exit 4 when a credential is among them). */
export async function preflightTunnel(ctx: AppContext, flags: TunnelFlags): Promise<TunnelReady> {
  if (flags.register) parseRepo(flags.register, '--register OWNER/REPO');
  const missing: HookctlError[] = [];
  const ready: TunnelReady = {};
  const attempt = async (step: () => unknown | Promise<unknown>) => {
    try {
      await step();
    } catch (err) {
      // A usage error (a malformed App ID, an unreadable key file) is said on its own, at once.
      if (!(err instanceof HookctlError) || err instanceof UsageError) throw err;
      missing.push(err);
    }
  };
  if (flags.registerApp) await attempt(() => (ready.registerApp = appCredentials(ctx, flags)));
  if (flags.register) await attempt(async () => (ready.token = await resolveToken(ctx, { apiUrl: ctx.apiUrl(flags.apiUrl) })));
  const flag = ctx.cloudflaredFlag(flags.cloudflared);
  await attempt(async () => {
    const found = await findCloudflared({ flag, env: ctx.env, home: ctx.paths.home });
    if (found) return;
    // Offered only when nothing else is missing: no download for a run that fails anyway.
    if (missing.length > 0 || !ctx.io.canPrompt()) throw cloudflaredMissingError(ctx.paths.home);
    await resolveBinary(ctx, flag);
  });
  if (missing.length === 0) return ready;
  if (missing.length === 1) throw missing[0];
  const details = missing.flatMap((e, i) => [`${i + 1}. ${e.message}`, ...e.details.map((d) => `   ${d}`)]);
  const message = `--tunnel cannot start: ${missing.length} things are missing (nothing was started)`;
  throw missing.some((e) => e instanceof AuthError) ? new AuthError(message, details) : new HookctlError(message, details);
}
