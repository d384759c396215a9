/**
 * `hookctl tunnel [--port N] [--path P] [--register OWNER/REPO …]`: a cloudflared quick tunnel
 * to a server the user runs themselves. Prints the payload URL (stdout: the URL alone, for
 * scripts; stderr: the human view) and runs until Ctrl+C.
 */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { hookStatePath } from '../core/github/hookstate.js';
import { probePort } from '../core/tunnel/process.js';
import { originUrl, type TunnelKnobs } from '../core/tunnel/session.js';
import { stopSignals } from './shared/signals.js';
import { openTunnelSession } from './shared/tunnel-session.js';
import type { TunnelFlags } from './tunnel.command.js';

/** What tunnel() takes in process: the declared flags (tunnel.command.ts), each optional, so a test gives only what it tests. */
export type TunnelOptions = Partial<TunnelFlags>;

/** Hooks for tests: stop without a signal, shorter tunnel timers. */
export interface TunnelControl {
  signal?: AbortSignal;
  knobs?: TunnelKnobs;
}

export async function tunnel(ctx: AppContext, options: TunnelOptions, control: TunnelControl = {}): Promise<number> {
  const port = options.port ?? ctx.defaults.port;
  const { io } = ctx;
  const c = io.errColor;
  // Handlers first: a Ctrl+C while cloudflared starts must still stop it.
  const signals = stopSignals({ control: control.signal });
  try {
    if (!options.register && (options.events || options.keepActive)) {
      throw new UsageError(`${options.events ? '--events' : '--keep-active'} only applies with --register OWNER/REPO`);
    }
    const secrets = ctx.secrets(options.secret);
    const target = originUrl('127.0.0.1', port);
    if (!(await probePort('127.0.0.1', port))) {
      io.warn(`nothing is listening on ${target} yet; requests through the tunnel get 502 until your server runs`);
    }
    const session = await openTunnelSession(ctx, {
      port: port,
      host: '127.0.0.1',
      path: options.path,
      register: options.register,
      events: options.events,
      secrets,
      keepActive: options.keepActive,
      cloudflared: options.cloudflared,
      apiUrl: options.apiUrl,
      signal: signals.abort,
      knobs: control.knobs,
      onSecret: () => {
        // The user's own server must verify with the secret GitHub signs with.
        if (secrets.length === 0) {
          io.err(c.yellow(`  Your server must verify signatures with the secret hookctl generated for ${options.register}:`));
          io.err(c.yellow(`  it is the "generatedSecret" of that repository in ${hookStatePath(ctx.paths.home)} (or pass your own with --secret).`));
        }
      },
    });
    io.err('');
    io.err(`  ${c.bold('Payload URL:')}  ${c.cyan(c.bold(session.payloadUrl))}`);
    io.err('');
    io.out(session.payloadUrl);
    io.err(c.dim('Forwarding requests to your server. Press Ctrl+C to stop.'));
    const outcome = await signals.until(session.died);
    if ('signal' in outcome) io.err('');
    // The hook's release is the first thing close() does: stopped at once, it may still finish, briefly.
    await signals.stop(
      () => session.close(),
      () => session.releaseHook(),
    );
    if ('value' in outcome) throw outcome.value;
    return 0;
  } finally {
    signals.dispose();
  }
}

export async function run(ctx: AppContext, options: TunnelOptions): Promise<number> {
  return tunnel(ctx, options);
}
