/**
 * The one way a command opens the delivery store, and the messages that name it (terminals
 * with different HOOKCTL_HOME confuse people). A reading command asks for a store that must
 * exist: a missing file is refused (exit 2), naming it, and nothing is created. `listen` and
 * `deliveries pull` create it.
 */
import type { AppContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { openStore, StoreMissingError, type Store, type StoreOptions } from '../../core/store/store.js';

export function storeFile(ctx: AppContext, flag?: string): string {
  return flag ?? ctx.paths.store;
}

/** "No deliveries stored yet" when the file does not exist, naming it and how to fill it. */
function noStore(file: string, flag?: string): UsageError {
  return new UsageError(`no deliveries stored yet: ${file} does not exist`, [
    flag ? 'Check the --store path.' : 'Run hookctl listen, then send it something: hookctl send pull_request.opened (HOOKCTL_HOME decides where the store is).',
  ], 'store');
}

/** Open the store `--store` (else HOOKCTL_HOME's) names; with mustExist, only one that exists. */
export function openStoreFor(ctx: AppContext, flag: string | undefined, options: StoreOptions & { mustExist: boolean }): Store {
  try {
    return openStore(storeFile(ctx, flag), options);
  } catch (err) {
    if (err instanceof StoreMissingError) throw noStore(err.path, flag);
    throw err;
  }
}
