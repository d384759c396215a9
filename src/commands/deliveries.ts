/**
 * `hookctl deliveries list|show|export`: read the delivery store. (`pull` is in
 * deliveries-pull.ts, `rm` and `prune` in deliveries-manage.ts.)
 */
import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { HookctlError, UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { HttpFileError, curlCommand, fixture, httpFile, requestJson, storedRequest } from '../core/deliver/export.js';
import { notReplayable } from '../core/deliver/replay.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { signatureFilter, statusFilter } from '../core/store/filter.js';
import type { Store } from '../core/store/store.js';
import type { DeliveryFilter, DeliverySummary, StoredDelivery } from '../core/store/types.js';
import { headerPairs } from '../core/webhook/headers.js';
import { LIST_HEADER, deliveryDetail, deliveryTable, listRow } from '../ui/delivery-view.js';
import { LIST_FIT, streamColumns } from '../ui/fit.js';
import { page } from '../ui/pager.js';
import { printJson, printJsonLine, toRecord } from '../ui/records.js';
import { Columns } from '../ui/lines.js';
import { visibleWidth } from '../ui/table.js';
import { sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';
import { stopSignals } from './shared/signals.js';
import { openStoreFor, storeFile } from './shared/store.js';
import type { ExportOptions, ListOptions, ShowOptions } from './deliveries.command.js';




/** The store's filter for the flags, each checked as the inspector's API checks it (core/store/filter.ts). */
function listFilter(ctx: AppContext, options: ListOptions): DeliveryFilter {
  if (options.event) parseEventList(options.event, { flag: '--event' });
  return {
    event: options.event,
    since: sinceOption(ctx, options.since),
    status: options.status !== undefined ? statusFilter(options.status, '--status') : undefined,
    signature: options.signature !== undefined ? signatureFilter(options.signature, '--signature') : undefined,
  };
}

const SUBCOMMANDS = ['list', 'show', 'export', 'pull', 'rm', 'prune'];

export async function list(ctx: AppContext, options: ListOptions, unexpected: string[] = []): Promise<number> {
  if (unexpected.length > 0) {
    const { unexpectedWord } = await import('./shared/unexpected.js');
    throw unexpectedWord(unexpected[0], SUBCOMMANDS);
  }
  const { io } = ctx;
  const file = storeFile(ctx, options.store);
  const filter = listFilter(ctx, options);
  const limit = options.limit;
  // No store yet where HOOKCTL_HOME says: nothing to list (--follow waits for the first, in a store created now).
  if (!options.store && !options.follow && !existsSync(file)) {
    if (options.json) printJson(io, []);
    else io.err(`No deliveries stored yet in ${file}. Run hookctl listen, then: hookctl send pull_request.opened`);
    return 0;
  }
  const store = openStoreFor(ctx, options.store, { mustExist: !options.follow || options.store !== undefined });
  try {
    if (options.follow) return await follow(ctx, store, filter, limit, options);
    const rows = store.list({ ...filter, limit });
    if (options.json) {
      printJson(io, rows.map((r) => toRecord(r)));
      return 0;
    }
    if (rows.length === 0) {
      const filtered = options.event || options.since || options.status || options.signature;
      io.err(filtered ? `No deliveries in ${file} match.` : `No deliveries stored yet in ${file}. Run hookctl listen, then: hookctl send pull_request.opened`);
      return 0;
    }
    io.out(deliveryTable(io.color, rows, ctx.now(), io.width));
    const total = rows.length < limit ? rows.length : store.count(filter);
    if (total > rows.length && io.isStdoutTTY) io.err(io.errColor.dim(`showing ${rows.length} of ${total} (--limit N for more)`));
    else if (total > rows.length) io.err(`showing ${rows.length} of ${total} (--limit N for more)`);
    return 0;
  } finally {
    store.close();
  }
}

/**
 * --follow: the newest rows, then every new one as it arrives (like tail -f), until Ctrl+C.
 * Each poll reads every row committed since the last one, a page at a time, oldest first.
 */
async function follow(ctx: AppContext, store: Store, filter: DeliveryFilter, limit: number, options: ListOptions): Promise<number> {
  const { io } = ctx;
  const c = io.color;
  // The newest rows and where the store ends, read together: a row committed meanwhile comes with the first poll.
  let { recent, last } = store.snapshot(() => ({ recent: store.list({ ...filter, limit }), last: store.maxSeq() }));
  // The header and the recent rows line up as in `deliveries list`; later rows widen a column
  // only when they must. Oldest first, so the newest is always the last line (tail -f).
  const cells = recent.map((d) => listRow(c, d, ctx.now()));
  const expected = LIST_HEADER.map((h, i) => Math.max(h.length, ...cells.map((row) => visibleWidth(row[i]))));
  const columns = new Columns(expected, 40, streamColumns(io.width, expected, LIST_FIT));
  const print = (d: DeliverySummary) => (options.json ? printJsonLine(io, toRecord(d)) : io.out(columns.line(listRow(c, d, ctx.now()))));
  if (!options.json) {
    io.err(io.errColor.dim(`Following ${store.file} (Ctrl+C to stop)`));
    io.out(c.dim(columns.line(LIST_HEADER)));
  }
  for (const d of [...recent].reverse()) print(d);
  recent = [];
  const signals = stopSignals();
  try {
    while (!signals.abort.aborted) {
      await Promise.race([new Promise((r) => setTimeout(r, 200)), signals.stopped]);
      // Everything up to `head` is read by the pages below; a row past it that does not match is read again next time.
      const head = store.maxSeq();
      for (const d of store.summariesAfter(filter, last)) {
        last = Math.max(last, d.seq);
        print(d);
      }
      last = Math.max(last, head);
    }
    return 0;
  } finally {
    signals.dispose();
  }
}

export async function show(ctx: AppContext, options: ShowOptions, ref: string): Promise<number> {
  const { io } = ctx;
  const store = openStoreFor(ctx, options.store, { mustExist: true });
  let d: StoredDelivery;
  let attempts;
  try {
    d = resolveDelivery(store, ref);
    attempts = store.attempts(d.id);
  } finally {
    store.close();
  }
  if (options.raw) {
    await io.writeRaw(d.body);
    return 0;
  }
  if (options.json) {
    const body = options.payload === false ? {} : { body: d.body.toString('utf8') };
    printJson(io, { ...toRecord(d, attempts), headers: headerPairs(d.rawHeaders), attempts, ...body });
    return 0;
  }
  await page(io, deliveryDetail(io.color, d, attempts, ctx.now(), { payload: options.payload }));
  return 0;
}

export async function exportDelivery(ctx: AppContext, options: ExportOptions, ref: string): Promise<number> {
  if (options.to !== undefined) {
    parseTargetUrl(options.to, { field: '--to' });
    if (options.format === 'fixture') throw new UsageError('--to only applies to --format curl, http and json');
  }
  const store = openStoreFor(ctx, options.store, { mustExist: true });
  let d: StoredDelivery;
  try {
    d = resolveDelivery(store, ref);
  } finally {
    store.close();
  }
  // Every format stands for the request as it was sent: not the first MiB of a rejected one.
  const partial = notReplayable(d);
  if (partial) throw new HookctlError(`${d.id}: ${partial.replace('replayed', 'exported')}`);
  const format = options.format;
  if (format === 'curl') ctx.io.out(curlCommand(d, options.to));
  else if (format === 'fixture') ctx.io.out(JSON.stringify(fixture(d), null, 2));
  else if (format === 'json') ctx.io.out(requestJson(storedRequest(d, options.to)));
  else {
    try {
      ctx.io.out(httpFile(storedRequest(d, options.to), [d.event && (d.action ? `${d.event}.${d.action}` : d.event), d.deliveryId].filter(Boolean).join(' ')));
    } catch (err) {
      if (err instanceof HttpFileError) throw new UsageError(`${d.id}: ${err.message}`, ['--format json carries any body (base64 when it is not UTF-8); --format curl too.']);
      throw err;
    }
  }
  return 0;
}

