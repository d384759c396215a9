/**
 * hookctl replay: stored deliveries, byte for byte, to any endpoint; or edited (--set,
 * --payload, --edit): new bytes, signed anew, recorded as an attempt with its own body, the
 * stored original untouched. The request itself is built by core/deliver/replay.
 */
import type { AppContext } from '../context.js';
import { TargetError, UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { applyEdits } from '../core/catalog/edits.js';
import type { DeliveryResult } from '../core/deliver/post.js';
import { EditError, notReplayable, payloadText, planReplay, type PayloadEdit, type ReplayPlan } from '../core/deliver/replay.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import type { Store } from '../core/store/store.js';
import type { DeliveryFilter, DeliverySummary, NewAttempt, ReplayableDelivery, StoredDelivery } from '../core/store/types.js';
import { eventName, timeAgo } from '../ui/format.js';
import { resultLine } from '../ui/lines.js';
import { editText, select } from '../ui/prompt.js';
import { safe } from '../ui/sanitize.js';
import { runBatch } from './shared/batch.js';
import { readInput, sinceOption } from './shared/input.js';
import { resolveDelivery } from './shared/lookup.js';
import { openStoreFor } from './shared/store.js';
import type { ReplayGithubOptions } from './replay-github.js';

/** --to, --secret, --json and the --from-github options are declared once, in replay-github's options. */
export interface ReplayOptions extends ReplayGithubOptions {
  newDeliveryId?: boolean;
  all?: boolean;
  event?: string;
  since?: string;
  last?: number;
  concurrency: number;
  store?: string;
  set?: string[];
  payload?: string;
  edit?: boolean;
  verbose?: boolean;
}

const ATTEMPT_BATCH = 250;

function checkOptions(options: ReplayOptions, ids: string[]): void {
  const batch = options.all || options.event || options.since || options.last !== undefined;
  if (ids.length > 0 && batch) throw new UsageError('give delivery ids, or a batch (--all, --event, --since, --last), not both');
  const whole = [options.payload !== undefined && '--payload', options.edit && '--edit'].filter(Boolean);
  if (whole.length > 1) throw new UsageError('give --payload or --edit, not both');
  if (whole.length && options.set?.length) throw new UsageError(`${whole[0]} replaces the whole payload; --set edits one field: give one of them`);
  if (whole.length && (batch || ids.length > 1)) throw new UsageError(`${whole[0]} edits one delivery: give exactly one id`);
  if (options.to) {
    try {
      parseTargetUrl(options.to);
    } catch (err) {
      throw new UsageError(`--to: ${(err as Error).message}`);
    }
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
  const batch = options.all || options.event || options.since || options.last !== undefined;
  const store = openStoreFor(ctx, options.store, { mustExist: true });
  try {
    let source: Iterable<ReplayableDelivery>;
    let total: number;
    if (ids.length > 0) {
      source = ids.map((ref) => resolveDelivery(store, ref));
      total = ids.length;
    } else if (batch) {
      const filter: DeliveryFilter = { event: options.event, since, last: options.last };
      total = store.count(filter);
      if (total === 0) {
        ctx.io.err(`No stored deliveries match in ${store.file}; see \`hookctl deliveries list\`.`);
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
      const [only] = source as ReplayableDelivery[];
      const refused = notReplayable(only, edit);
      if (refused) throw new TargetError(`cannot replay ${only.id}: ${refused}`, ['Send a whole body instead with --payload FILE.']);
    }
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
  let pretty = text;
  try {
    pretty = `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    // not JSON: edit it as it is
  }
  const edited = await editText(ctx.io, pretty, `${d.id}.json`);
  if (edited.trim() === pretty.trim()) throw new UsageError('the payload was not changed; nothing was sent (replay without --edit sends the original)');
  return { json: edited };
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
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new UsageError(`${d.id}'s payload is not a JSON object; --set cannot edit it`);
  try {
    for (const note of applyEdits(payload as never, { set }).notes) say(note);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
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

function plan(ctx: AppContext, d: ReplayableDelivery, options: ReplayOptions, secret: string | undefined, edit: PayloadEdit | undefined, say: (note: string) => void): ReplayPlan {
  try {
    const thisEdit = options.set?.length ? setEdit(d, options.set, say) : edit;
    return planReplay(d, options.to ?? d.url ?? ctx.defaults.target, { secret, newDeliveryId: options.newDeliveryId, edit: thisEdit });
  } catch (err) {
    if (err instanceof EditError) throw new UsageError(err.message);
    throw err;
  }
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
  const c = io.color;
  const plans = new Map<ReplayableDelivery, ReplayPlan>();
  const pending: Promise<unknown>[] = [];
  let attempts: { id: string; attempt: NewAttempt }[] = [];
  const flushAttempts = () => {
    const batch = attempts;
    attempts = [];
    if (batch.length > 0) pending.push(store.enqueue(() => batch.forEach((a) => store.recordAttempt(a.id, a.attempt))).catch(() => Promise.reject(batch.length)));
  };
  let unsigned = 0;
  // Rejected deliveries kept only in part are passed over, each said, and make the exit 1.
  let skipped = 0;
  const replayable = (function* () {
    for (const d of source) {
      const refused = notReplayable(d, edit);
      if (!refused) yield d;
      else {
        skipped++;
        io.warn(`skipped ${d.id}: ${refused}`);
      }
    }
  })();
  const onResult = (result: DeliveryResult, d: ReplayableDelivery) => {
    const p = plans.get(d)!;
    plans.delete(d);
    if (p.unsigned) unsigned++;
    // Attempts are written in batches of ATTEMPT_BATCH, one transaction (one sync) each.
    const attempt: NewAttempt = { kind: 'replay', url: result.url, status: result.status, durationMs: result.durationMs, error: result.error, deliveryId: p.deliveryId, body: p.editedBody, bytes: p.request.body.length, resigned: p.resigned, response: result.responseSnippet ?? null };
    attempts.push({ id: d.id, attempt });
    if (attempts.length >= ATTEMPT_BATCH) flushAttempts();
    let line = resultLine(c, d, result);
    if (p.deliveryId) line += `\n  ${c.dim(`new X-GitHub-Delivery: ${p.deliveryId}`)}`;
    if (p.editedBody) line += `\n  ${c.dim(`edited: ${p.editedBody.length} bytes${p.resigned ? ', signed anew' : ', unsigned (no secret)'}; the stored original is unchanged`)}`;
    const record = { id: d.id, deliveryId: d.deliveryId, event: d.event, action: d.action, url: result.url, status: result.status, durationMs: result.durationMs, error: result.error, bytes: p.request.body.length, resigned: p.resigned, newDeliveryId: p.deliveryId, edited: p.editedBody !== null };
    return { line, record };
  };
  let tally;
  try {
    tally = await runBatch(ctx, {
      total,
      concurrency: options.concurrency,
      json: options.json,
      verbose: options.verbose,
      verb: 'Replayed',
      source: replayable,
      build: (d) => {
        const p = plan(ctx, d, options, secret, edit, (note) => io.err(io.errColor.dim(`--set: ${d.id}: ${safe(note)}`)));
        plans.set(d, p);
        return p.request;
      },
      onResult,
    });
  } finally {
    flushAttempts();
    const settled = await Promise.allSettled(pending);
    const unrecorded = settled.reduce((n, s) => n + (s.status === 'rejected' ? Number(s.reason) : 0), 0);
    if (unrecorded > 0) io.warn(`${unrecorded} replay attempt(s) could not be recorded in ${store.file}`);
  }
  if (!options.json && !secret && tally.non2xx > 0) io.err(c.dim('Sent with the original signatures; pass --secret to re-sign for a target with another secret.'));
  if (unsigned > 0) io.warn('the edited payload was sent unsigned: no secret to sign it with (pass --secret or set HOOKCTL_SECRET)');
  return tally.non2xx + tally.failed + skipped > 0 ? 1 : 0;
}
