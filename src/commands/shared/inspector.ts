/** Starting the inspector for `listen` and `inspect`: the server over a store backend, and its one line. */
import type { AppContext } from '../../context.js';
import { HookctlError, TargetError } from '../../errors.js';
import { freePortNear } from '../../core/ports.js';
import type { StoreBackendOptions } from '../../core/inspector/store-backend.js';

export interface RunningInspector {
  /** The URL to open: with the user's access token (`?token=`). */
  url: string;
  close(): Promise<void>;
}

/**
 * With `optional` (listen without --inspect-port: the inspector is an extra there), every
 * port from 4141 taken is a warning and no inspector, not a receiver that refuses to start.
 */
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional?: false, flag?: string): Promise<RunningInspector>;
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional: boolean, flag?: string): Promise<RunningInspector | undefined>;
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional = false, flag = '--inspect-port'): Promise<RunningInspector | undefined> {
  const [{ startInspector, PORT_TRIES }, { createStoreBackend }, { accessTokenIn }] = await Promise.all([
    import('../../core/inspector/server.js'),
    import('../../core/inspector/store-backend.js'),
    import('../../core/inspector/access.js'),
  ]);
  let accessToken: string;
  try {
    accessToken = accessTokenIn(ctx.paths.home);
  } catch (err) {
    throw new HookctlError((err as Error).message, ['Remove that file (a new token is made), or set HOOKCTL_HOME to a folder of your own.']);
  }
  const backend = createStoreBackend(backendOptions);
  let inspector;
  try {
    // Only the default moves to the next free port: a port the user named is that port or an error.
    inspector = await startInspector({ backend, port: port ?? ctx.defaults.inspectPort, exactPort: port !== undefined, accessToken });
  } catch (err) {
    backend.close();
    const e = err as NodeJS.ErrnoException;
    const first = port ?? ctx.defaults.inspectPort;
    if (optional && e.code === 'EADDRINUSE') {
      ctx.io.warn(`no inspector: ports ${first}–${first + PORT_TRIES} on 127.0.0.1 are taken; pick a free one with --inspect-port PORT`);
      return undefined;
    }
    if (e.code !== 'EADDRINUSE') throw new TargetError(`cannot start the inspector on 127.0.0.1:${first}: ${e.message}`);
    const free = await freePortNear('127.0.0.1', port ?? first + PORT_TRIES);
    throw new TargetError(`cannot start the inspector on 127.0.0.1:${first}: ${port !== undefined ? 'that port is taken' : `that port and the next ${PORT_TRIES} are taken`}`, [
      `Pick another with ${flag}: ${free} is free, e.g. ${flag} ${free}${flag === '--inspect-port' ? '; or run without it (--no-inspect)' : ''}.`,
    ]);
  }
  const ec = ctx.io.errColor;
  const first = port ?? ctx.defaults.inspectPort;
  if (inspector.port !== first && first !== 0) ctx.io.err(ec.dim(`Inspector port ${first} is taken: on ${inspector.port} instead.`));
  ctx.io.err(`${ec.green('●')} Inspector: ${ec.bold(inspector.openUrl)}`);
  return {
    url: inspector.openUrl,
    close: async () => {
      await inspector.close();
      backend.close();
    },
  };
}
