/**
 * hookctl replay: stored deliveries, byte for byte, to any endpoint; or edited (--set,
 * --payload, --edit): new bytes, signed anew, recorded as an attempt with its own body, the
 * stored original untouched. Each is planned and its attempt recorded by core/deliver/replay-record,
 * as the inspector's replays are; this runs many through one pool and says what happened.
 */
import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { applyEdits } from '../core/catalog/edits.js';
import type { DeliveryResult } from '../core/deliver/post.js';
import { notReplayable, payloadText, type PayloadEdit } from '../core/deliver/replay.js';
import { assertReplayable, planStoredReplay, recordReplays, type PlannedReplay, type ReplayTarget } from '../core/deliver/replay-record.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { tooDeepToEdit } from '../core/webhook/payload.js';
import type { Store } from '../core/store/store.js';
import { isNotForwarded, type DeliveryFilter, type DeliverySummary, type ReplayableDelivery, type StoredDelivery } from '../core/store/types.js';
import { count, eventName, timeAgo } from '../ui/format.js';
import { requestJson } from '../core/deliver/export.js';
import { requestText, resultLine } from '../ui/lines.js';
import type { Colors } from '../ui/io.js';
import { select } from '../ui/prompt.js';
import { safe } from '../ui/sanitize.js';
import { runBatch } from './shared/batch.js';
import { verifyDataFolder } from './shared/data-folder.js';
import { readInput, sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';
import { replayTarget, resolveTarget } from './shared/target.js';
import { openStoreFor } from './shared/store.js';
import type { ReplayFlags } from './replay.command.js';

/** The options as `replay`'s declaration (replay.command.ts) parses them. */
export type ReplayOptions = ReplayFlags;

/** How many requests a batch's --dry-run prints. */
const DRY_RUN_SHOWN = 3;

const ATTEMPT_BATCH = 250;

function isBatch(options: ReplayOptions): boolean {
  return Boolean(options.all || options.event || options.since || options.last !== undefined || options.notForwarded);
}

function checkOptions(options: ReplayOptions, ids: string[]): void {
  const batch = isBatch(options);
  if (ids.length > 0 && batch) throw new UsageError('give delivery ids, or a batch (--all, --event, --since, --last, --not-forwarded), not both');
  const whole = [options.payload !== undefined && '--payload', options.edit && '--edit'].filter(Boolean);
  if (whole.length > 1) throw new UsageError('give --payload or --edit, not both');
  if (whole.length && options.set?.length) throw new UsageError(`${whole[0]} replaces the whole payload; --set edits one field: give one of them`);
  if (whole.length && (batch || ids.length > 1)) throw new UsageError(`${whole[0]} edits one delivery: give exactly one id`);
  if (options.to) {
    parseTargetUrl(options.to, { field: '--to' });
  }
  if (options.event) parseEventList(options.event, { flag: '--event' });
}

export async function run(ctx: AppContext, options: ReplayOptions, ids: string[] = []): Promise<number> {
  if ((options.app || options.appId || options.privateKey) && !options.fromGithub) throw new UsageError('--app, --app-id and --private-key go with --from-github');
  if (options.fromGithub || options.redeliver) {
    if (!options.fromGithub) throw new UsageError('--redeliver needs --from-github OWNER/REPO (or --from-github --app)');
    const { run: runFromGithub } = await import('./replay-github.js');
    return runFromGithub(ctx, options, ids);
  }
  checkOptions(options, ids);
  const since = sinceOption(ctx, options.since);
  const batch = isBatch(options);
  // Replay records its attempts in the data folder's store: verified private first (when it is there to replay from).
  if (!options.store && existsSync(ctx.paths.store)) verifyDataFolder(ctx);
  const store = openStoreFor(ctx, options.store, { mustExist: true });
  try {
    let source: Iterable<ReplayableDelivery>;
    let total: number;
    if (ids.length > 0) {
      source = ids.map((ref) => resolveDelivery(store, ref));
      total = ids.length;
    } else if (batch) {
      const filter: DeliveryFilter = { event: options.event, since, last: options.last, notForwarded: options.notForwarded };
      total = store.count(filter);
      if (total === 0) {
        ctx.io.err(options.notForwarded ? `Nothing waits to be forwarded in ${store.file}.` : `No stored deliveries match in ${store.file}; see \`hookctl deliveries list\`.`);
        return 0;
      }
      // Take exactly the rows that matched at the start: replaying to a listener on the
      // same store appends new rows, which must not be replayed again.
      source = take(store.iterateReplayable(filter), total);
    } else {
      if (!ctx.io.canPrompt()) {
        throw new UsageError('which delivery? pass an id (see `hookctl deliveries list`), or --all, --event, --since or --last');
      }
      source = [await pickDelivery(ctx, store)];
      total = 1;
    }
    const edit = await wholeEdit(ctx, options, source);
    if (!batch && total === 1) {
      assertReplayable((source as ReplayableDelivery[])[0], edit, ['Send a whole body instead with --payload FILE.']);
    }
    if (options.dryRun) return dryRun(ctx, source, total, options, edit);
    return await replayAll(ctx, store, source, total, options, edit);
  } finally {
    store.close();
  }
}

/** --payload FILE|- or --edit: the one delivery's new payload. */
async function wholeEdit(ctx: AppContext, options: ReplayOptions, source: Iterable<ReplayableDelivery>): Promise<PayloadEdit | undefined> {
  if (options.payload !== undefined) return { exact: await readInput(ctx, options.payload, 'payload') };
  if (!options.edit) return undefined;
  if (!ctx.io.canPrompt()) throw new UsageError('--edit opens your editor and needs a terminal; use --payload FILE or --set PATH=VALUE instead');
  const [d] = [...source];
  const text = payloadText(d);
  if (text === null) throw new UsageError(`${d.id} has no JSON payload to edit`);
  const deep = tooDeepToEdit(text);
  if (deep) throw new UsageError(`${d.id}'s payload cannot be edited: ${deep}`, ['Replayed without --edit, it is sent byte for byte.']);
  let pretty = text;
  try {
    pretty = `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    // not JSON: edit it as it is
  }
  const { editPayload } = await import('./shared/edit-payload.js');
  return { json: await editPayload(ctx, pretty, `${d.id}.json`, `hookctl replay ${d.id}`) };
}

/** --set PATH=VALUE on one stored payload: the edited JSON (and what the edits noted). */
function setEdit(d: ReplayableDelivery, set: string[], say: (note: string) => void): PayloadEdit {
  const text = payloadText(d);
  let payload: unknown;
  try {
    payload = JSON.parse(text ?? '');
  } catch {
    throw new UsageError(`${d.id}'s payload is not JSON; --set cannot edit it`);
  }
  const deep = tooDeepToEdit(text!);
  if (deep) throw new UsageError(`${d.id}'s payload cannot be edited with --set: ${deep}`, ['Replayed without --set, it is sent byte for byte.']);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new UsageError(`${d.id}'s payload is not a JSON object; --set cannot edit it`);
  for (const note of applyEdits(payload as never, { set }).notes) say(note);
  return { json: JSON.stringify(payload) };
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
  return `${d.id}  ${safe(eventName(d.event ?? '?', d.action)).padEnd(28)} ${timeAgo(new Date(d.receivedAt), ctx.now()).padEnd(8)} ${safe(d.deliveryId ?? '')}`;
}

async function pickDelivery(ctx: AppContext, store: Store): Promise<StoredDelivery> {
  const recent = store.list({ limit: 30 });
  if (recent.length === 0) throw new UsageError(`the store ${store.file} has no deliveries yet; receive some with \`hookctl listen\``);
  const id = await select(ctx.io, 'Replay which delivery?', recent.map((d) => ({ value: d.id, name: describe(ctx, d) })));
  return store.get(id)!;
}

function plan(target: ReplayTarget, d: ReplayableDelivery, options: ReplayOptions, secret: string | undefined, edit: PayloadEdit | undefined, say: (note: string) => void, kind?: 'forward'): PlannedReplay {
  const thisEdit = options.set?.length ? setEdit(d, options.set, say) : edit;
  return planStoredReplay(d, { target, secret, newDeliveryId: options.newDeliveryId, edit: thisEdit, kind });
}

/** One request of a run: a delivery, and (--not-forwarded) the forward target it is owed to. */
interface ReplayItem {
  d: ReplayableDelivery;
  /** Sent to this forward target and recorded as that forward (not as a replay). */
  forwardTo?: string;
}

/** The forward targets a delivery is still owed (a forward never attempted, none to that URL since). */
function pendingForwards(store: Store, id: string): string[] {
  const latest = new Map<string, boolean>();
  for (const a of store.attempts(id)) if (a.kind === 'forward') latest.set(a.url, isNotForwarded(a));
  return [...latest].filter(([, pending]) => pending).map(([url]) => url);
}

/** The run's requests: one per delivery, or with --not-forwarded (as the stored bytes, to no other URL) one per forward owed. */
/** --not-forwarded with nothing that changes the request or its target: sent as the forwards they are owed. */
function asForwards(options: ReplayOptions): boolean {
  return Boolean(options.notForwarded && !options.to && !options.set?.length && !options.newDeliveryId);
}

function* replayItems(store: Store, source: Iterable<ReplayableDelivery>, options: ReplayOptions): Generator<ReplayItem> {
  const asForward = asForwards(options);
  for (const d of source) {
    if (!asForward) yield { d };
    else for (const url of pendingForwards(store, d.id)) yield { d, forwardTo: url };
  }
}

/** --dry-run: the requests exactly as replay would send them (the first few of a batch), nothing sent or recorded. */
function dryRun(ctx: AppContext, source: Iterable<ReplayableDelivery>, total: number, options: ReplayOptions, edit: PayloadEdit | undefined): number {
  const { io } = ctx;
  const secret = ctx.secrets(options.secret)[0];
  const target = replayTarget(resolveTarget(ctx, options.to, { replay: true }));
  let shown = 0;
  let skipped = 0;
  for (const d of source) {
    const refused = notReplayable(d, edit);
    if (refused) {
      skipped++;
      io.warn(`would skip ${d.id}: ${refused}`);
      continue;
    }
    if (shown === DRY_RUN_SHOWN) continue;
    const { plan: p } = plan(target, d, options, secret, edit, (note) => io.err(io.errColor.dim(`--set: ${d.id}: ${safe(note)}`)));
    const message = { method: 'POST', ...p.request };
    if (options.json) io.out(requestJson(message).trimEnd());
    else io.out(`${shown > 0 ? '\n' : ''}${io.color.dim(`# ${d.id} ${safe(eventName(d.event ?? '?', d.action))}${p.resigned ? ', signed anew' : secret ? '' : ', original signatures'}`)}\n${requestText(p.request)}`);
    shown++;
  }
  const would = total - skipped;
  const rest = would > shown ? `; the first ${shown} shown` : '';
  io.err(io.errColor.dim(`Nothing was sent (--dry-run): ${count(would, 'delivery', 'deliveries')} would be replayed${rest}.`));
  return 0;
}

/** The items that can be replayed; each one that cannot (a rejected delivery kept only in part) goes to `onSkip`. */
function* replayableOnly(items: Iterable<ReplayItem>, edit: PayloadEdit | undefined, onSkip: (item: ReplayItem, refused: string) => void): Generator<ReplayItem> {
  for (const item of items) {
    const refused = notReplayable(item.d, edit);
    if (!refused) yield item;
    else onSkip(item, refused);
  }
}

/**
 * The replays' attempts, written in batches of ATTEMPT_BATCH, one transaction (one sync) each.
 * `close` writes the rest and resolves with how many could not be recorded.
 */
function attemptRecorder(store: Store) {
  const pending: Promise<unknown>[] = [];
  let sent: { replay: PlannedReplay; result: DeliveryResult }[] = [];
  const flush = () => {
    const batch = sent;
    sent = [];
    if (batch.length > 0) pending.push(recordReplays(store, batch).catch(() => Promise.reject(batch.length)));
  };
  return {
    add(replay: PlannedReplay, result: DeliveryResult): void {
      sent.push({ replay, result });
      if (sent.length >= ATTEMPT_BATCH) flush();
    },
    async close(): Promise<number> {
      flush();
      const settled = await Promise.allSettled(pending);
      return settled.reduce((n, s) => n + (s.status === 'rejected' ? Number(s.reason) : 0), 0);
    },
  };
}

/** What one replay prints: its line (with the new delivery id and the edit, when any) and its --json record. */
function resultReport(c: Colors, item: ReplayItem, replay: PlannedReplay, result: DeliveryResult) {
  const { d } = item;
  const p = replay.plan;
  let line = resultLine(c, d, result);
  if (p.deliveryId) line += `\n  ${c.dim(`new X-GitHub-Delivery: ${p.deliveryId}`)}`;
  if (p.editedBody) line += `\n  ${c.dim(`edited: ${p.editedBody.length} bytes${p.resigned ? ', signed anew' : ', unsigned (no secret)'}; the stored original is unchanged`)}`;
  const record = { id: d.id, deliveryId: d.deliveryId, event: d.event, action: d.action, url: result.url, status: result.status, durationMs: result.durationMs, error: result.error, bytes: p.request.body.length, resigned: p.resigned, newDeliveryId: p.deliveryId, edited: p.editedBody !== null, ...(item.forwardTo ? { forward: true } : {}) };
  return { line, record };
}

async function replayAll(
  ctx: AppContext,
  store: Store,
  source: Iterable<ReplayableDelivery>,
  total: number,
  options: ReplayOptions,
  edit: PayloadEdit | undefined,
): Promise<number> {
  const { io } = ctx;
  const secret = ctx.secrets(options.secret)[0];
  // --not-forwarded alone goes to each delivery's own forward targets: no other target to find or say.
  const target: ReplayTarget = asForwards(options) ? { kind: 'url', url: '' } : replayTarget(resolveTarget(ctx, options.to, { replay: true }));
  const c = io.color;
  const plans = new Map<ReplayItem, PlannedReplay>();
  const attempts = attemptRecorder(store);
  let unsigned = 0;
  // Rejected deliveries kept only in part are passed over, each said, and make the exit 1.
  let skipped = 0;
  const replayable = replayableOnly(replayItems(store, source, options), edit, (item, refused) => {
    skipped++;
    io.warn(`skipped ${item.d.id}: ${refused}`);
  });
  const onResult = (result: DeliveryResult, item: ReplayItem) => {
    const replay = plans.get(item)!;
    plans.delete(item);
    if (replay.plan.unsigned) unsigned++;
    attempts.add(replay, result);
    return resultReport(c, item, replay, result);
  };
  let tally;
  try {
    tally = await runBatch(ctx, {
      total,
      concurrency: options.concurrency,
      json: options.json,
      verbose: options.verbose,
      verb: options.notForwarded && !options.to ? 'Forwarded' : 'Replayed',
      timeoutMs: options.timeout,
      source: replayable,
      build: (item) => {
        const { d } = item;
        const replay = plan(item.forwardTo ? { kind: 'url', url: item.forwardTo } : target, d, options, secret, edit, (note) => io.err(io.errColor.dim(`--set: ${d.id}: ${safe(note)}`)), item.forwardTo ? 'forward' : undefined);
        plans.set(item, replay);
        return replay.plan.request;
      },
      onResult,
    });
  } finally {
    const unrecorded = await attempts.close();
    if (unrecorded > 0) io.warn(`${unrecorded} replay attempt(s) could not be recorded in ${store.file}`);
  }
  if (!options.json && !secret && tally.non2xx > 0) io.err(c.dim('Sent with the original signatures; pass --secret to re-sign for a target with another secret.'));
  if (unsigned > 0) io.warn('the edited payload was sent unsigned: no secret to sign it with (pass --secret or set HOOKCTL_SECRET)');
  return tally.non2xx + tally.failed + skipped > 0 ? 1 : 0;
}
