/** Starting the inspector for `listen` and `inspect`: the server over a store backend, and its one line. */
import type { AppContext } from '../../context.js';
import { TargetError } from '../../errors.js';
import type { StoreBackendOptions } from '../../core/inspector/store-backend.js';

export interface RunningInspector {
  url: string;
  close(): Promise<void>;
}

export async function startInspectorFor(ctx: AppContext, port: number | undefined, backendOptions: StoreBackendOptions): Promise<RunningInspector> {
  const [{ startInspector }, { createStoreBackend }] = await Promise.all([import('../../core/inspector/server.js'), import('../../core/inspector/store-backend.js')]);
  const backend = createStoreBackend(backendOptions);
  let inspector;
  try {
    inspector = await startInspector({ backend, port });
  } catch (err) {
    backend.close();
    const e = err as NodeJS.ErrnoException;
    throw new TargetError(`cannot start the inspector on 127.0.0.1:${port ?? 4141}: ${e.code === 'EADDRINUSE' ? 'that port and the next ones are taken' : e.message}`, [
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
