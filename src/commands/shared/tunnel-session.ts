/**
 * Opening a tunnel session for `hookctl tunnel` and `hookctl listen --tunnel`: what needs the
 * person or the context happens here, around the engine (core/tunnel/session.ts): finding
 * cloudflared (on a terminal, offering to download it), the GitHub client for the hook, and
 * the terminal view of the session's events (ui/tunnel-view.ts).
 */
import type { AppContext } from '../../context.js';
import type { AppCredentials } from '../../core/github/app.js';
import type { ResolvedToken } from '../../core/github/client.js';
import type { CatchUpReader } from '../../core/tunnel/catch-up.js';
import { cloudflaredMissingError, downloadCloudflared, downloadedBinPath, findCloudflared, type CloudflaredBinary } from '../../core/tunnel/find.js';
import { originUrl, TunnelSession, type TunnelKnobs } from '../../core/tunnel/session.js';
import { confirm } from '../../ui/prompt.js';
import { tunnelView, type TunnelRecord } from '../../ui/tunnel-view.js';
import { hookBinder } from './hook-binding.js';

interface OpenTunnelOptions {
  /** Local port the tunnel points at. */
  port: number;
  /** Local host the tunnel points at (127.0.0.1 unless listen binds elsewhere). */
  host?: string;
  /** Path appended to the public URL to form the payload URL. */
  path?: string;
  /** OWNER/REPO whose webhook should point at the tunnel. */
  register?: string;
  /** Or a GitHub App whose webhook is borrowed (and put back on exit). */
  registerApp?: AppCredentials;
  /** --register's token when the command resolved it already (tunnel-preflight.ts). */
  token?: ResolvedToken;
  /** Events for the registered hook (a,b or *). */
  events?: string;
  /** Secrets given by the user (first one is used for the hook). */
  secrets?: string[];
  keepActive?: boolean;
  cloudflared?: string;
  apiUrl?: string;
  /** The origin is hookctl's receiver: probes must come back from it. */
  receiver?: boolean;
  /** Catch up from the hook's delivery log into the store this reads (listen), unless --no-catch-up. */
  catchUp?: () => CatchUpReader;
  /**
   * Called before the hook is registered when the session picks the secret (the user's, or
   * one generated and remembered for the repository), so the listener verifies with it
   * before GitHub's ping arrives.
   */
  onSecret?: (secret: string) => void;
  /** --json records (tunnel restarts, catch-ups). */
  onRecord?: (record: TunnelRecord) => void;
  /** Abort (e.g. on Ctrl+C) while cloudflared starts: it is stopped and CancelledError thrown. */
  signal?: AbortSignal;
  knobs?: TunnelKnobs;
}

/** Start a tunnel session drawn on the terminal; resolves once the tunnel is up and the hook points at it. */
export async function openTunnelSession(ctx: AppContext, options: OpenTunnelOptions): Promise<TunnelSession> {
  // A bad OWNER/REPO or event name is a usage error before anything starts.
  const hook = hookBinder(ctx, options);
  const bin = await resolveBinary(ctx, options.cloudflared);
  const session = new TunnelSession({
    bin,
    target: originUrl(options.host, options.port),
    path: options.path,
    env: ctx.env,
    hook,
    keepActive: options.keepActive,
    receiver: options.receiver,
    catchUp: options.catchUp,
    now: () => ctx.now(),
    signal: options.signal,
    knobs: options.knobs,
  });
  session.subscribe(tunnelView(ctx.io, { debug: Boolean(ctx.env.HOOKCTL_DEBUG), record: options.onRecord }));
  await session.start();
  return session;
}

/** Download to `to`; a failed download removes the folder it made (an empty $HOOKCTL_HOME/bin helps nobody). */
async function downloadLeavingNothing(to: string, download: (to: string) => Promise<string>): Promise<string> {
  const { existsSync, rmSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const folder = dirname(to);
  const existed = existsSync(folder);
  try {
    return await download(to);
  } catch (err) {
    rmSync(existed ? to : folder, { recursive: true, force: true });
    throw err;
  }
}

/** Find cloudflared; on a TTY offer to download it (with the npm package's installer) when it is nowhere. */
export async function resolveBinary(
  ctx: AppContext,
  flag: string | undefined,
  download: (to: string) => Promise<string> = downloadCloudflared,
): Promise<CloudflaredBinary> {
  const found = await findCloudflared({ flag, env: ctx.env, home: ctx.paths.home });
  if (found) return found;
  const to = downloadedBinPath(ctx.paths.home);
  if (!ctx.io.canPrompt()) throw cloudflaredMissingError(ctx.paths.home);
  const yes = await confirm(ctx.io, `cloudflared is not installed. Download it from github.com/cloudflare/cloudflared releases into ${to}?`);
  if (!yes) throw cloudflaredMissingError(ctx.paths.home, { declined: true });
  ctx.io.err(`Downloading cloudflared to ${to} …`);
  const path = await downloadLeavingNothing(to, download);
  ctx.io.success(`Downloaded cloudflared to ${path}`);
  return { path, source: 'HOOKCTL_HOME' };
}
