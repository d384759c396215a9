/**
 * hookctl replay: stored deliveries, byte for byte, to any endpoint. The body is the exact
 * stored bytes; headers are the original ones minus hop-by-hop, Host and Content-Length.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { createDispatcher, isSuccess, postAll, type DeliveryResult, type OutgoingDelivery } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { openStore, type Store } from '../core/store/store.js';
import type { DeliveryFilter, DeliverySummary, NewAttempt, ReplayableDelivery, StoredDelivery } from '../core/store/types.js';
import { forwardableHeaders } from '../core/webhook/headers.js';
import { signatureHeaders } from '../core/webhook/signing.js';
import { eventName, formatDuration, timeAgo } from '../ui/format.js';
import { resultLine } from '../ui/lines.js';
import { Progress } from '../ui/progress.js';
import { select } from '../ui/prompt.js';
import { printJsonLine } from '../ui/records.js';
import { sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';

export interface ReplayOptions {
  to?: string;
  secret?: string[];
  newDeliveryId?: boolean;
  all?: boolean;
  event?: string;
  since?: string;
  last?: number;
  concurrency: number;
  store?: string;
  fromGithub?: string;
  hookId?: string;
  redeliver?: boolean;
  apiUrl?: string;
  json?: boolean;
}

export const DEFAULT_TARGET = 'http://127.0.0.1:5000/';
const ATTEMPT_BATCH = 250;

/** The request a replay sends: stored bytes, original headers, optionally a new GUID and fresh signatures. */
export function replayRequest(d: ReplayableDelivery, url: string, options: { secret?: string; newDeliveryId?: boolean }): OutgoingDelivery {
  const drop: string[] = [];
  if (options.secret) drop.push('x-hub-signature', 'x-hub-signature-256');
  if (options.newDeliveryId) drop.push('x-github-delivery');
  const headers = forwardableHeaders(d.rawHeaders, drop);
  if (options.newDeliveryId) headers['X-GitHub-Delivery'] = randomUUID();
  if (options.secret) Object.assign(headers, signatureHeaders(options.secret, d.body));
  return { url, body: d.body, headers };
}

export async function run(ctx: AppContext, options: ReplayOptions, ids: string[] = []): Promise<number> {
  if (options.fromGithub || options.redeliver) {
    if (!options.fromGithub) throw new UsageError('--redeliver needs --from-github OWNER/REPO');
    const { run: runFromGithub } = await import('./replay-github.js');
    return runFromGithub(ctx, options, ids);
  }
  const batch = options.all || options.event || options.since || options.last !== undefined;
  if (options.to) {
    try {
      parseTargetUrl(options.to);
    } catch (err) {
      throw new UsageError(`--to: ${(err as Error).message}`);
    }
  }
  const since = sinceOption(ctx, options.since);
  if (options.event) parseEventList(options.event, { flag: '--event' });
  if (ids.length > 0 && batch) throw new UsageError('give delivery ids, or a batch (--all, --event, --since, --last), not both');

  const store = openStore(options.store ?? ctx.paths.store);
  try {
    let source: Iterable<ReplayableDelivery>;
    let total: number;
    if (ids.length > 0) {
      const found = ids.map((ref) => resolveDelivery(store, ref));
      source = found;
      total = found.length;
    } else if (batch) {
      const filter: DeliveryFilter = { event: options.event, since, last: options.last };
      total = store.count(filter);
      if (total === 0) {
        ctx.io.err('No stored deliveries match; see `hookctl deliveries list`.');
        return 0;
      }
      // Take exactly the rows that matched at the start: replaying to a listener on the
      // same store appends new rows, which must not be replayed again.
      source = take(store.iterateReplayable(filter), total);
    } else {
      if (!ctx.io.canPrompt()) {
        throw new UsageError('which delivery? pass an id (see `hookctl deliveries list`), or --all, --event, --since or --last');
      }
      const picked = await pickDelivery(ctx, store);
      source = [picked];
      total = 1;
    }
    return await replayAll(ctx, store, source, total, options);
  } finally {
    store.close();
  }
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

function describe(ctx: AppContext, d: DeliverySummary): string {
  return `  ${d.id}  ${eventName(d.event ?? '?', d.action).padEnd(28)} ${timeAgo(new Date(d.receivedAt), ctx.now()).padEnd(8)} ${d.deliveryId ?? ''}`;
}

async function pickDelivery(ctx: AppContext, store: Store): Promise<StoredDelivery> {
  const recent = store.list({ limit: 30 });
  if (recent.length === 0) throw new UsageError('the store has no deliveries yet; receive some with `hookctl listen`');
  const id = await select(ctx.io, 'Replay which delivery?', recent.map((d) => ({ value: d.id, name: describe(ctx, d).trim() })));
  return store.get(id)!;
}

interface Tally {
  ok: number;
  non2xx: number;
  failed: number;
}

async function replayAll(ctx: AppContext, store: Store, source: Iterable<ReplayableDelivery>, total: number, options: ReplayOptions): Promise<number> {
  const { io } = ctx;
  const secret = ctx.secrets(options.secret)[0];
  const c = io.color;
  const tally: Tally = { ok: 0, non2xx: 0, failed: 0 };
  const progress = !options.json && io.isStderrTTY && total > 1 ? new Progress(io, total) : undefined;
  const started = performance.now();
  const dispatcher = createDispatcher(options.concurrency);
  const pending: Promise<unknown>[] = [];
  let attempts: { id: string; attempt: NewAttempt }[] = [];
  const flushAttempts = () => {
    const batch = attempts;
    attempts = [];
    if (batch.length > 0) pending.push(store.enqueue(() => batch.forEach((a) => store.recordAttempt(a.id, a.attempt))).catch(() => Promise.reject(batch.length)));
  };
  try {
    await postAll(
      source,
      (d) => replayRequest(d, options.to ?? d.url ?? DEFAULT_TARGET, { secret, newDeliveryId: options.newDeliveryId }),
      {
        concurrency: Math.min(options.concurrency, Math.max(1, total)),
        dispatcher,
        onResult: (result: DeliveryResult, d: ReplayableDelivery) => {
          if (isSuccess(result)) tally.ok++;
          else if (result.status !== null) tally.non2xx++;
          else tally.failed++;
          // Attempts are written in batches of ATTEMPT_BATCH, one transaction (one fsync) each.
          attempts.push({ id: d.id, attempt: { kind: 'replay', url: result.url, status: result.status, durationMs: result.durationMs, error: result.error } });
          if (attempts.length >= ATTEMPT_BATCH) flushAttempts();
          if (options.json) {
            printJsonLine(io, {
              id: d.id,
              deliveryId: d.deliveryId,
              event: d.event,
              action: d.action,
              url: result.url,
              status: result.status,
              durationMs: result.durationMs,
              error: result.error,
              bytes: d.body.length,
              resigned: Boolean(secret),
              newDeliveryId: Boolean(options.newDeliveryId),
            });
            return;
          }
          const success = isSuccess(result);
          if (!progress || !success) {
            const line = resultLine(c, d, result);
            if (progress) progress.above(() => io.out(line));
            else io.out(line);
          }
          progress?.tick();
        },
      },
    );
  } finally {
    flushAttempts();
    await dispatcher.close();
    progress?.clear();
  }
  const settled = await Promise.allSettled(pending);
  const unrecorded = settled.reduce((n, s) => n + (s.status === 'rejected' ? Number(s.reason) : 0), 0);
  if (unrecorded > 0) io.warn(`${unrecorded} replay attempt(s) could not be recorded in the store`);
  const seconds = (performance.now() - started) / 1000;
  if (!options.json && (total > 1 || tally.ok !== 1)) {
    const parts = [c.green(`${tally.ok} 2xx`), tally.non2xx ? c.yellow(`${tally.non2xx} non-2xx`) : `${tally.non2xx} non-2xx`, tally.failed ? c.red(`${tally.failed} failed to connect`) : `${tally.failed} failed to connect`];
    io.err(`Replayed ${total} deliver${total === 1 ? 'y' : 'ies'} in ${formatDuration(seconds * 1000)}${total > 1 ? ` (${Math.round(total / seconds)}/s)` : ''}: ${parts.join(', ')}`);
  }
  if (!secret && !options.json && total > 0 && tally.ok + tally.non2xx + tally.failed > 0 && tally.non2xx > 0) {
    io.err(c.dim('Sent with the original signatures; pass --secret to re-sign for a target with another secret.'));
  }
  return tally.non2xx + tally.failed > 0 ? 1 : 0;
}
