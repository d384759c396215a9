/**
 * `hookctl deliveries rm <id|prefix>...` and `hookctl deliveries prune --older-than 30d | --keep N`:
 * delete stored deliveries (their bodies and attempts with them) and give the space back.
 * On a terminal they ask first, naming what goes; --yes skips the question, and without a
 * terminal --yes is required.
 */
import { statSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { Store } from '../core/store/store.js';
import { count, formatBytes } from '../ui/format.js';
import { confirm } from '../ui/prompt.js';
import { sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';
import { openStoreFor } from './shared/store.js';
import type { PruneOptions, RmOptions } from './deliveries-manage.command.js';



function fileSize(file: string): number {
  let size = 0;
  for (const suffix of ['', '-wal']) {
    try {
      size += statSync(`${file}${suffix}`).size;
    } catch {
      // no such file
    }
  }
  return size;
}

/**
 * --yes, or a yes on a terminal to a question naming what goes. Without a terminal there is no
 * one to ask, so deleting needs --yes (as `gh repo delete` does): a script says so explicitly.
 */
async function approved(ctx: AppContext, options: RmOptions, what: string, command: string): Promise<boolean> {
  if (options.yes) return true;
  if (!ctx.io.canPrompt()) {
    throw new UsageError(`this would delete ${what}; without a terminal to ask, pass --yes`, [`Use: hookctl ${command} --yes`]);
  }
  return confirm(ctx.io, `Delete ${what}?`, false);
}

/** "2 deliveries (b5da260, 7b61d9b)", at most 10 ids named. */
function named(ids: string[]): string {
  const shown = ids.slice(0, 10).join(', ');
  return `${count(ids.length, 'delivery', 'deliveries')} (${shown}${ids.length > 10 ? `, and ${ids.length - 10} more` : ''})`;
}

export async function rm(ctx: AppContext, options: RmOptions, refs: string[] = []): Promise<number> {
  if (refs.length === 0) throw new UsageError('which deliveries? give ids, GUIDs or unique prefixes (see `hookctl deliveries list`)');
  const store = openStoreFor(ctx, options.store, { mustExist: true });
  try {
    // A full GUID removes every attempt of it; an id or prefix, that one row.
    const ids = new Set<string>();
    for (const ref of refs) {
      const d = resolveDelivery(store, ref);
      const byGuid = d.deliveryId && d.deliveryId.toLowerCase() === ref.trim().toLowerCase();
      for (const row of byGuid ? store.list({ deliveryId: d.deliveryId!, limit: 10_000 }) : [d]) ids.add(row.id);
    }
    if (!(await approved(ctx, options, `${named([...ids])} from ${store.file}`, `deliveries rm ${refs.join(' ')}${options.store ? ` --store ${options.store}` : ''}`))) {
      ctx.io.err('Nothing was deleted.');
      return 0;
    }
    const removed = store.remove([...ids]);
    store.reclaim();
    ctx.io.err(`Deleted ${count(removed, 'delivery', 'deliveries')} (${[...ids].join(', ')}) from ${store.file}`);
    return 0;
  } finally {
    store.close();
  }
}

export async function prune(ctx: AppContext, options: PruneOptions): Promise<number> {
  if (options.olderThan === undefined && options.keep === undefined) {
    throw new UsageError('say what to prune: --older-than 30d, --keep N, or both (older than 30 days and not among the newest N)');
  }
  const olderThan = options.olderThan !== undefined ? sinceOption(ctx, options.olderThan, '--older-than') : undefined;
  const store: Store = openStoreFor(ctx, options.store, { mustExist: true });
  try {
    const total = store.stats().deliveries;
    const keepNewest = options.keep ?? 0;
    const older = olderThan ? total - store.count({ since: olderThan }) : total;
    const candidates = Math.min(older, Math.max(0, total - keepNewest));
    if (candidates === 0) {
      ctx.io.err(`Nothing to prune in ${store.file} (${count(total, 'delivery', 'deliveries')} kept).`);
      return 0;
    }
    const flags = [options.olderThan !== undefined && `--older-than ${options.olderThan}`, options.keep !== undefined && `--keep ${options.keep}`, options.store && `--store ${options.store}`].filter(Boolean).join(' ');
    if (!(await approved(ctx, options, `up to ${count(candidates, 'delivery', 'deliveries')} of ${total} from ${store.file}`, `deliveries prune ${flags}`))) {
      ctx.io.err('Nothing was deleted.');
      return 0;
    }
    const before = fileSize(store.file);
    const removed = store.prune({ olderThan, keep: options.keep });
    const after = fileSize(store.file);
    ctx.io.err(`Deleted ${count(removed, 'delivery', 'deliveries')} from ${store.file}; ${total - removed} kept; ${formatBytes(Math.max(0, before - after))} given back.`);
    return 0;
  } finally {
    store.close();
  }
}
