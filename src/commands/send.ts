/**
 * hookctl send <event[.action]>: a realistic, correctly signed sample delivery, exactly as
 * GitHub would send it (or the user's own payload, or --count of them), and --dry-run to see
 * the request without sending it.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { entryName, loadIndex, loadPayloadBytes, resolve, type CatalogEntry } from '../core/catalog/catalog.js';
import { applyEdits, hasEdits, installationTarget } from '../core/catalog/edits.js';
import { appOnly, checkEventName } from '../core/catalog/events.js';
import { isSuccess, post, type DeliveryResult } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { formBody, githubHeaders } from '../core/webhook/headers.js';
import { describeJsonError } from '../core/webhook/payload.js';
import type { BodyKind } from '../core/webhook/types.js';
import { eventName } from '../ui/format.js';
import { requestText, resultLine, violationLines } from '../ui/lines.js';
import { search } from '../ui/prompt.js';
import { printJson } from '../ui/records.js';
import { safe } from '../ui/sanitize.js';
import { table } from '../ui/table.js';
import { runBatch } from './shared/batch.js';
import { readInput } from './shared/input.js';

export interface SendOptions {
  /** Default: the contract's default target (ctx.defaults.target). */
  to?: string;
  secret?: string[];
  payload?: string;
  set?: string[];
  repo?: string;
  sender?: string;
  contentType: BodyKind;
  deliveryId?: string;
  hookId?: string;
  /** Send as to a GitHub App's webhook. */
  appId?: string;
  header?: string[];
  count: number;
  concurrency: number;
  validate?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  list?: boolean;
  json?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Headers GitHub sets that --header may not replace: they are what makes the request verifiable. */
const FIXED_HEADERS = new Set(['content-length', 'host', 'x-hub-signature', 'x-hub-signature-256', 'transfer-encoding']);

function checkOptions(options: SendOptions & { to: string }): Record<string, string> {
  try {
    parseTargetUrl(options.to);
  } catch (err) {
    throw new UsageError(`--to: ${(err as Error).message}`);
  }
  if (options.deliveryId && !GUID.test(options.deliveryId)) {
    throw new UsageError(`--delivery-id must be a GUID like ${randomUUID()}, got "${options.deliveryId}"`);
  }
  if (options.hookId && !/^\d+$/.test(options.hookId)) throw new UsageError(`--hook-id must be a number, got "${options.hookId}"`);
  if (options.appId && !/^\d+$/.test(options.appId)) throw new UsageError(`--app-id must be a number, got "${options.appId}"`);
  const extra: Record<string, string> = {};
  for (const h of options.header ?? []) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s?(.*)$/.exec(h);
    if (!m) throw new UsageError(`--header expects NAME:VALUE, got "${h}"`);
    if (FIXED_HEADERS.has(m[1].toLowerCase())) throw new UsageError(`--header cannot set ${m[1]}: hookctl computes it from the body`);
    extra[m[1]] = m[2];
  }
  return extra;
}

interface Payload {
  event: string;
  action: string | null;
  json: Buffer;
  parsed: Record<string, unknown>;
}

/** The JSON to send: the user's file or a catalog sample, with --repo/--sender/--set applied. */
async function loadPayload(ctx: AppContext, options: SendOptions, name: string): Promise<Payload> {
  const { io } = ctx;
  let event: string;
  let json: Buffer;
  if (options.payload) {
    event = checkEventName(name, { flag: 'event' }).event;
    json = await readInput(ctx, options.payload, 'payload');
  } else {
    const resolution = resolve(name);
    if (!resolution.ok) {
      const what = resolution.reason === 'unknown-action' ? `unknown action in "${name}"` : `unknown event "${name}"`;
      throw new UsageError(what, [`Did you mean: ${resolution.suggestions.slice(0, 3).join(', ')}?`, 'See every event with `hookctl send --list`.']);
    }
    const { entry, defaulted } = resolution;
    if (defaulted && entry.action) io.err(io.errColor.dim(`${entry.event} has actions; sending ${entryName(entry)} (pass ${entry.event}.<action> for another)`));
    event = entry.event;
    json = loadPayloadBytes(entry);
  }
  // Parsed always: repository.id goes in the headers, and a bad file is a usage error.
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${options.payload === '-' ? 'stdin' : (options.payload ?? 'payload')} is not JSON: ${describeJsonError(json) ?? (err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('a webhook payload must be a JSON object');
  const edits = { repo: options.repo, sender: options.sender, set: options.set };
  if (hasEdits(edits)) {
    let notes: string[];
    try {
      notes = applyEdits(parsed as never, edits).notes;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    for (const note of notes) io.err(io.errColor.dim(`--set: ${safe(note)}`));
    // Edited: GitHub's compact form. Unedited: the exact bytes, never re-serialized.
    json = Buffer.from(JSON.stringify(parsed), 'utf8');
  }
  return { event, action: typeof parsed.action === 'string' ? parsed.action : null, json, parsed };
}

/** An App receives every delivery with the installation it is about: add one when the sample has none. */
function asAppDelivery(ctx: AppContext, p: Payload): void {
  if (p.parsed.installation && typeof p.parsed.installation === 'object') return;
  p.parsed.installation = { id: 2311213, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==' };
  p.json = Buffer.from(JSON.stringify(p.parsed), 'utf8');
  ctx.io.err(ctx.io.errColor.dim('--app-id: added an installation (id 2311213) to the payload, as an App\'s deliveries carry one'));
}

/** --validate: false (and why, on stderr) when the payload does not match GitHub's schema. */
async function validates(ctx: AppContext, p: Payload, quiet: boolean): Promise<boolean> {
  const { io } = ctx;
  const { validatePayload } = await import('../core/schemas/validate.js');
  const result = await validatePayload(p.event, p.action, p.parsed);
  const name = eventName(p.event, p.action);
  if (!result.schemaFound) io.warn(`no official schema for ${name}; sending unvalidated`);
  else if (!result.valid) {
    io.err(`${io.errColor.red('✗')} ${result.violations.length} ${result.violations.length === 1 ? 'violation' : 'violations'} of GitHub's ${name} schema:`);
    for (const line of violationLines(io.errColor, result.violations)) io.err(line);
    io.err('Nothing was sent. Drop --validate to send it anyway.');
    return false;
  } else if (!quiet) io.err(io.errColor.dim(`✓ ${name} matches GitHub's schema`));
  return true;
}

export async function run(ctx: AppContext, given: SendOptions, eventArg?: string): Promise<number> {
  const options = { ...given, to: given.to ?? ctx.defaults.target };
  if (options.list) return list(ctx, options);
  const { io } = ctx;
  let name = eventArg;
  if (!name) {
    if (!io.canPrompt()) {
      throw new UsageError('which event? pass one, e.g. `hookctl send pull_request.opened`', ['See every event with `hookctl send --list`.']);
    }
    name = await pickEvent(ctx);
  }
  const extraHeaders = checkOptions(options);
  const p = await loadPayload(ctx, options, name);
  if (options.appId) asAppDelivery(ctx, p);
  if (options.validate && !(await validates(ctx, p, Boolean(options.json)))) return 1;

  // The request, exactly as GitHub sends it (plus --header).
  const body = options.contentType === 'form' ? formBody(p.json.toString('utf8')) : p.json;
  const secret = ctx.secrets(options.secret)[0];
  // An App's webhook: target type integration, target id the App ID.
  const target = options.appId ? { type: 'integration', id: options.appId } : installationTarget(p.parsed);
  const base = {
    ...githubHeaders({ event: p.event, body, contentType: options.contentType, deliveryId: 'x', hookId: options.hookId, targetType: target?.type, targetId: target?.id, secret }),
    ...extraHeaders,
  };
  const build = (deliveryId: string) => ({ url: options.to, body, headers: { ...base, 'X-GitHub-Delivery': deliveryId } });

  if (options.dryRun) {
    const request = build(options.deliveryId ?? randomUUID());
    if (options.json) printJson(io, { method: 'POST', url: request.url, headers: request.headers, body: body.toString('utf8') });
    else io.out(requestText(request));
    io.err(io.errColor.dim(`Nothing was sent (--dry-run)${options.count > 1 ? `; --count ${options.count} would send ${options.count} like it, each with its own X-GitHub-Delivery` : ''}.`));
    return 0;
  }

  const c = io.color;
  let refused = false;
  const report = (result: DeliveryResult, deliveryId: string) => {
    if (result.error?.startsWith('nothing is listening')) refused = true;
    const record = {
      event: p.event,
      action: p.action,
      deliveryId,
      url: result.url,
      status: result.status,
      durationMs: result.durationMs,
      error: result.error,
      bytes: body.length,
      signed: Boolean(secret),
      ...(result.responseSnippet !== undefined ? { response: result.responseSnippet } : {}),
    };
    return { line: `${resultLine(c, p, result)} ${c.dim(deliveryId)}`, record };
  };
  let failed: number;
  if (options.count > 1) {
    const ids = deliveryIds(options.count, options.deliveryId);
    const tally = await runBatch(ctx, { total: options.count, concurrency: options.concurrency, json: options.json, verbose: options.verbose, verb: 'Sent', source: ids, build, onResult: report });
    failed = tally.non2xx + tally.failed;
  } else {
    const deliveryId = options.deliveryId ?? randomUUID();
    const result = await post(build(deliveryId));
    const { record } = report(result, deliveryId);
    if (options.json) printJson(io, record);
    else io.out(`${resultLine(c, p, result)}\n  ${c.dim(`X-GitHub-Delivery: ${deliveryId}`)}`);
    failed = isSuccess(result) ? 0 : 1;
  }
  if (refused && !options.json) io.err(io.errColor.dim('Start a receiver with `hookctl listen`, or point --to at your app.'));
  if (!secret && !options.json && options.count === 1) io.err(io.errColor.dim('Sent unsigned (no --secret, HOOKCTL_SECRET or GITHUB_WEBHOOK_SECRET).'));
  return failed > 0 ? 1 : 0;
}

function* deliveryIds(count: number, fixed?: string): Generator<string> {
  for (let i = 0; i < count; i++) yield fixed ?? randomUUID();
}

function list(ctx: AppContext, options: SendOptions): number {
  const index = loadIndex();
  const entries = [...index.entries].sort((a, b) => entryName(a).localeCompare(entryName(b)));
  const isDefault = (e: CatalogEntry) => e.action !== null && !e.variant && index.defaultActions[e.event] === e.action;
  if (options.json) {
    printJson(ctx.io, entries.map((e) => ({ name: entryName(e), event: e.event, action: e.action, description: e.description, source: e.source, default: isDefault(e), appOnly: appOnly(e.event) })));
    return 0;
  }
  const c = ctx.io.color;
  const rows = entries.map((e) => [
    entryName(e) + (isDefault(e) ? c.dim(' *') : ''),
    e.source === 'captured' ? 'captured' : c.dim('synthesized'),
    appOnly(e.event) ? c.cyan('App') : '',
    e.description,
  ]);
  ctx.io.out(table(c, ['EVENT', 'SAMPLE', 'FOR', 'DESCRIPTION'], rows));
  // The footer belongs to the table a person reads, not to a pipe (`send --list | head`).
  if (ctx.io.isStdoutTTY) ctx.io.err(c.dim(`${entries.length} payloads; * = sent when only the event is given; App = only a GitHub App's webhook receives it (send --app-id N)`));
  return 0;
}

/** The picker: what was typed narrows the list; an event's default action comes first. */
async function pickEvent(ctx: AppContext): Promise<string> {
  const index = loadIndex();
  const names = index.entries.map((e) => ({ name: entryName(e), event: e.event, description: e.description, isDefault: e.action !== null && index.defaultActions[e.event] === e.action }));
  const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return search(ctx.io, 'Which event?', (term) => {
    const t = term.toLowerCase();
    return names
      .filter((n) => n.name.toLowerCase().includes(t))
      // Names that start with what was typed, defaults first, the shortest event (the closest) first.
      .sort(
        (a, b) =>
          Number(!a.name.startsWith(t)) - Number(!b.name.startsWith(t)) ||
          Number(!a.isDefault) - Number(!b.isDefault) ||
          a.event.length - b.event.length ||
          byCodePoint(a.name, b.name),
      )
      .slice(0, 50)
      .map((n) => ({ value: n.name, name: n.name, description: n.description }));
  });
}
