/** Starting the inspector for `listen` and `inspect`: the server over a store backend, and its one line. */
import type { AppContext } from '../../context.js';
import { TargetError } from '../../errors.js';
import type { StoreBackendOptions } from '../../core/inspector/store-backend.js';

export interface RunningInspector {
  url: string;
  close(): Promise<void>;
}

/**
 * With `optional` (listen without --inspect-port: the inspector is an extra there), every
 * port from 4141 taken is a warning and no inspector, not a receiver that refuses to start.
 */
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional?: false): Promise<RunningInspector>;
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional: boolean): Promise<RunningInspector | undefined>;
export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions, optional = false): Promise<RunningInspector | undefined> {
  const [{ startInspector, PORT_TRIES }, { createStoreBackend }] = await Promise.all([
    import('../../core/inspector/server.js'),
    import('../../core/inspector/store-backend.js'),
  ]);
  const backend = createStoreBackend(backendOptions);
  let inspector;
  try {
    inspector = await startInspector({ backend, port: port ?? ctx.defaults.inspectPort });
  } catch (err) {
    backend.close();
    const e = err as NodeJS.ErrnoException;
    const first = port ?? ctx.defaults.inspectPort;
    if (optional && e.code === 'EADDRINUSE') {
      ctx.io.warn(`no inspector: ports ${first}–${first + PORT_TRIES} on 127.0.0.1 are taken; pick a free one with --inspect-port PORT`);
      return undefined;
    }
    throw new TargetError(`cannot start the inspector on 127.0.0.1:${first}: ${e.code === 'EADDRINUSE' ? `that port and the next ${PORT_TRIES} are taken` : e.message}`, [
      'Pick another with --inspect-port, or run without it (--no-inspect).',
    ]);
  }
  const ec = ctx.io.errColor;
  ctx.io.err(`${ec.green('●')} Inspector: ${ec.bold(inspector.url)}`);
  return {
    url: inspector.url,
    close: async () => {
      await inspector.close();
      backend.close();
    },
  };
}
