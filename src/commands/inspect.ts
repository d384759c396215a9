/**
 * `hookctl inspect [--store FILE] [--port 4141] [--open]`: the inspector over a store, with no
 * receiver. A listener writing the same store (another terminal) shows up live.
 */
import type { AppContext } from '../context.js';
import { followPath } from '../core/store/store.js';
import { startInspectorFor } from './shared/inspector.js';
import { stopSignals } from './shared/signals.js';
import { openStoreFor } from './shared/store.js';
import { childEnv } from '../env.js';
import type { InspectOptions } from './inspect.command.js';

/** Open a URL in the default browser; a failure only says so. */
async function openBrowser(ctx: AppContext, url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  await new Promise<void>((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, env: childEnv(ctx.env) });
    child.on('error', () => {
      ctx.io.warn(`could not open a browser (${cmd}); open ${url} yourself`);
      resolve();
    });
    child.on('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

export async function run(ctx: AppContext, options: InspectOptions): Promise<number> {
  // A store that is not there is refused, not created; one replaced later (a listener started
  // afresh) is followed. Another process's lock is waited for from the event loop.
  const opened = { waitForLock: 'event-loop' as const };
  const store = followPath(openStoreFor(ctx, options.store, { ...opened, mustExist: true }), opened);
  const signals = stopSignals();
  try {
    const inspector = await startInspectorFor(ctx, options.port, {
      store,
      version: ctx.version,
      secret: () => ctx.secrets(options.secret)[0],
      defaultTarget: ctx.defaults.target,
    }, false, '--port');
    if (options.open) await openBrowser(ctx, inspector.url);
    ctx.io.err(ctx.io.errColor.dim(`Showing ${store.current().file}. Press Ctrl+C to stop.`));
    await signals.stopped;
    await signals.stop(() => inspector.close());
    return 0;
  } finally {
    signals.dispose();
    store.close();
  }
}
