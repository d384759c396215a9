/** Which store a command reads, and the messages that name it (terminals with different HOOKCTL_HOME confuse people). */
import { existsSync } from 'node:fs';
import type { AppContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { openStore, type Store } from '../../core/store/store.js';

export function storeFile(ctx: AppContext, flag?: string): string {
  return flag ?? ctx.paths.store;
}

/** "No deliveries stored yet" when the file does not exist, naming it and how to fill it. */
export function noStore(file: string, flag?: string): UsageError {
  return new UsageError(`no deliveries stored yet: ${file} does not exist`, [
    flag ? 'Check the --store path.' : 'Run hookctl listen, then send it something: hookctl send pull_request.opened (HOOKCTL_HOME decides where the store is).',
  ]);
}

/** Open a store that must exist already (show, export, rm, prune). */
export function openExisting(ctx: AppContext, flag?: string): Store {
  const file = storeFile(ctx, flag);
  if (!existsSync(file)) throw noStore(file, flag);
  return openStore(file);
}
