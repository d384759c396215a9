/**
 * A tunnel session: cloudflared quick tunnel to a local port, optionally with the
 * repository webhook pointed at it. Shared by `hookctl tunnel` and `hookctl listen --tunnel`.
 * Prints its progress on stderr (stdout stays data); the caller shows the payload URL prominently.
 */
import type { AppContext } from '../../context.js';
import { parseEventList } from '../../core/catalog/events.js';
import { ensureHook, secretFingerprint, setHookActive, pingHook, type DesiredHook } from '../../core/github/hooks.js';
import { hookStatePath, rememberHook, rememberedHook, targetKey, tunnelSecret } from '../../core/github/hookstate.js';
import { describeTarget, parseRepo } from '../../core/github/targets.js';
import { cloudflaredMissingError, downloadCloudflared, downloadedBinPath, findCloudflared, findCloudflaredConfigs, type CloudflaredBinary } from '../../core/tunnel/find.js';
import { parseLogLine } from '../../core/tunnel/log.js';
import { startQuickTunnel, type QuickTunnel } from '../../core/tunnel/process.js';
import { confirm } from '../../ui/prompt.js';
import { connect } from './github.js';

export interface TunnelSessionOptions {
  /** Local port the tunnel points at. */
  port: number;
  /** Local host the tunnel points at (127.0.0.1 unless listen binds elsewhere). */
  host?: string;
  /** Path appended to the public URL to form the payload URL. */
  path?: string;
  /** OWNER/REPO whose webhook should point at the tunnel. */
  register?: string;
  /** Events for the registered hook (a,b or *). */
  events?: string;
  /** Secrets given by the user (first one is used for the hook). */
  secrets?: string[];
  keepActive?: boolean;
  cloudflared?: string;
  apiUrl?: string;
  /**
   * Called before the hook is registered when the session picks the secret (the user's, or
   * one generated and remembered for the repository), so the listener verifies with it
   * before GitHub's ping arrives.
   */
  onSecret?: (secret: string) => void;
  /** Abort (e.g. on Ctrl+C) while cloudflared starts: it is stopped and CancelledError thrown. */
  signal?: AbortSignal;
}

export interface TunnelSession {
  /** https://….trycloudflare.com */
  publicUrl: string;
  /** publicUrl + path: what GitHub posts to. */
  payloadUrl: string;
  /** Resolves with a reason if cloudflared dies while the session is open. */
  died: Promise<string>;
  /** Stop cloudflared (and deactivate the hook unless keepActive); prints what was done. */
  close(): Promise<void>;
  /** cloudflared's process id (for tests and diagnostics). */
  pid?: number;
  /** The registered webhook, when --register was given (outcome: created, updated or unchanged). */
  hook?: { id: number; repo: string; outcome: string };
}

/** The origin cloudflared should reach: a wildcard bind address means loopback. */
export function originUrl(host: string | undefined, port: number): string {
  let h = host || '127.0.0.1';
  if (h === '0.0.0.0') h = '127.0.0.1';
  else if (h === '::' || h === '[::]') h = '[::1]';
  else if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`;
  return `http://${h}:${port}`;
}

export function payloadUrlFor(publicUrl: string, path: string | undefined): string {
  if (!path || path === '/') return publicUrl;
  return publicUrl + (path.startsWith('/') ? path : `/${path}`);
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
  if (!yes) throw cloudflaredMissingError(ctx.paths.home);
  ctx.io.err(`Downloading cloudflared to ${to} …`);
  const path = await download(to);
  ctx.io.success(`Downloaded cloudflared to ${path}`);
  return { path, source: 'HOOKCTL_HOME' };
}

interface Registration {
  repo: string;
  hookId: number;
  outcome: string;
  deactivate(): Promise<void>;
}

export async function openTunnelSession(ctx: AppContext, options: TunnelSessionOptions): Promise<TunnelSession> {
  const { io } = ctx;
  const c = io.errColor;
  // A bad OWNER/REPO or event name is a usage error before anything starts.
  if (options.register) parseRepo(options.register, '--register OWNER/REPO');
  if (options.events !== undefined) parseEventList(options.events, { flag: '--events', emptyMeansAll: true });
  const bin = await resolveBinary(ctx, options.cloudflared);
  const target = originUrl(options.host, options.port);
  const debug = Boolean(ctx.env.HOOKCTL_DEBUG);

  const configs = findCloudflaredConfigs(ctx.env);
  if (configs.length > 0) {
    io.warn(`cloudflared config found (${configs.join(', ')}); it can stop quick tunnels (requests answered by its ingress rules). If the tunnel fails or answers 404, move it aside.`);
  }
  io.err(c.dim(`Starting a cloudflared quick tunnel to ${target} (cloudflared from ${bin.source}: ${bin.path}) …`));

  let ready = false;
  let lastWarning = '';
  let lastWarningAt = 0;
  const tunnel: QuickTunnel = await startQuickTunnel({
    bin: bin.path,
    target,
    env: ctx.env,
    signal: options.signal,
    onLine: (line) => {
      if (debug) io.err(c.dim(`cloudflared: ${line}`));
      else if (ready && parseLogLine(line).kind === 'error') {
        // cloudflared logs a failed request twice (the error, then "Request failed"): say it once.
        const warning = `cloudflared: ${line.match(/\berror="((?:[^"\\]|\\.)*)"/)?.[1] ?? line.replace(/^\S+\s+ERR\s+/, '').trim()}`;
        const now = Date.now();
        if (warning === lastWarning && now - lastWarningAt < 2000) return;
        lastWarning = warning;
        lastWarningAt = now;
        io.warn(warning);
      }
    },
  });
  ready = true;
  const publicUrl = tunnel.publicUrl;
  const payloadUrl = payloadUrlFor(publicUrl, options.path);
  const conn = tunnel.connection;
  io.err(`${c.green('✓')} Tunnel ready: ${publicUrl} → ${target}${conn.location ? c.dim(` (Cloudflare ${conn.location}, ${conn.protocol || 'quic'})`) : ''}`);

  let registration: Registration | undefined;
  let closing: Promise<void> | undefined;

  const stopTunnel = async () => {
    const result = await tunnel.stop();
    if (result.alreadyExited) return;
    io.err(result.forced ? `cloudflared ignored SIGTERM; killed it (pid ${tunnel.pid})` : `Stopped the tunnel (cloudflared pid ${tunnel.pid})`);
  };

  if (options.register) {
    try {
      registration = await registerHook(ctx, options, payloadUrl);
    } catch (err) {
      await stopTunnel();
      throw err;
    }
  }

  return {
    publicUrl,
    payloadUrl,
    died: tunnel.died,
    pid: tunnel.pid,
    hook: registration ? { id: registration.hookId, repo: registration.repo, outcome: registration.outcome } : undefined,
    close() {
      closing ??= (async () => {
        if (registration) {
          try {
            await registration.deactivate();
          } catch (err) {
            io.warn(`could not deactivate webhook ${registration.hookId} of ${registration.repo}: ${(err as Error).message}`);
          }
        }
        await stopTunnel();
      })();
      return closing;
    },
  };
}

/**
 * Point the repository's webhook at the payload URL (the remembered hook is re-pointed, so
 * restarts never add hooks), active, with the session's secret; remember it; ask for a ping.
 */
async function registerHook(ctx: AppContext, options: TunnelSessionOptions, payloadUrl: string): Promise<Registration> {
  const { io } = ctx;
  const c = io.errColor;
  const target = parseRepo(options.register, '--register OWNER/REPO');
  const client = connect(ctx, { apiUrl: options.apiUrl });
  const key = targetKey(client.baseUrl, target);
  const { secret, generated } = tunnelSecret(ctx.paths.home, key, options.secrets ?? []);
  options.onSecret?.(secret);
  const events = options.events !== undefined ? parseEventList(options.events, { flag: '--events', emptyMeansAll: true }) : null;
  const remembered = rememberedHook(ctx.paths.home, key);
  const desired: DesiredHook = { url: payloadUrl, events: events ?? ['*'], contentType: 'json', insecureSsl: false, active: true, secret };
  const result = await ensureHook(client, target, desired, {
    rememberedHookId: remembered?.hookId,
    secretMatches: (id) => remembered?.secretFingerprint === secretFingerprint(client.baseUrl, id, secret),
  });
  const hookId = result.hook.id;
  rememberHook(ctx.paths.home, key, { hookId, url: payloadUrl, secretFingerprint: secretFingerprint(client.baseUrl, hookId, secret) });
  const name = describeTarget(target);
  const verb = result.outcome === 'created' ? 'Created' : result.outcome === 'updated' ? 'Re-pointed' : 'Reused';
  const eventList = (result.hook.events ?? desired.events).join(',') || '*';
  io.err(`${c.green('✓')} ${verb} webhook ${hookId} of ${name} → ${payloadUrl} (events: ${eventList}, active)`);
  io.err(c.dim(generated ? `  secret: generated by hookctl, kept in ${hookStatePath(ctx.paths.home)} for ${name}` : '  secret: yours (from --secret or the environment)'));
  try {
    await pingHook(client, target, hookId);
    io.err(`${c.green('✓')} Asked GitHub to ping webhook ${hookId}; it arrives through the tunnel`);
  } catch (err) {
    io.warn(`could not ask GitHub for a ping: ${(err as Error).message}`);
  }
  return {
    repo: name,
    hookId,
    outcome: result.outcome,
    deactivate: async () => {
      if (options.keepActive) {
        io.err(`Left webhook ${hookId} of ${name} active (--keep-active); it points at ${payloadUrl}, which stops working now`);
        return;
      }
      await setHookActive(client, target, hookId, false);
      io.err(`${c.green('✓')} Deactivated webhook ${hookId} of ${name} (kept for next time: the next run re-points and re-activates it)`);
    },
  };
}
