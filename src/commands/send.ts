/**
 * hookctl send <event[.action]>: a realistic, correctly signed sample delivery, exactly as
 * GitHub would send it (or the user's own payload, or --count of them), and --dry-run to see
 * the request without sending it.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { entryName, loadIndex } from '../core/catalog/catalog.js';
import { buildSample, listSamples, type Sample } from '../core/catalog/sample.js';
import { HttpFileError, httpFile, requestJson } from '../core/deliver/export.js';
import { isSuccess, post, type DeliveryResult } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { eventName } from '../ui/format.js';
import { requestText, resultLine, violationLines } from '../ui/lines.js';
import { search } from '../ui/prompt.js';
import { SAMPLES_FIT } from '../ui/fit.js';
import { printJson } from '../ui/records.js';
import { safe } from '../ui/sanitize.js';
import { table } from '../ui/table.js';
import { runBatch } from './shared/batch.js';
import { resolveTarget } from './shared/target.js';
import { readInput } from './shared/input.js';
import type { SendOptions } from './send.command.js';

/** Headers GitHub sets that --header may not replace: they are what makes the request verifiable. */
const FIXED_HEADERS = new Set(['content-length', 'host', 'x-hub-signature', 'x-hub-signature-256', 'transfer-encoding']);

function checkOptions(options: SendOptions): Record<string, string> {
  if (options.to !== undefined) {
    parseTargetUrl(options.to, { field: '--to' });
  }
  const extra: Record<string, string> = {};
  for (const h of options.header ?? []) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s?(.*)$/.exec(h);
    if (!m) throw new UsageError(`--header expects NAME:VALUE, got "${h}"`);
    if (FIXED_HEADERS.has(m[1].toLowerCase())) throw new UsageError(`--header cannot set ${m[1]}: hookctl computes it from the body`);
    extra[m[1]] = m[2];
  }
  return extra;
}

/** --format (or --json) with --dry-run: the request file to write, if any. */
function requestFormat(options: SendOptions): 'http' | 'json' | undefined {
  if (options.format === undefined) return options.dryRun && options.json ? 'json' : undefined;
  if (!options.dryRun) throw new UsageError(`--format ${options.format} writes the request instead of sending it: add --dry-run`);
  if (options.json && options.format !== 'json') throw new UsageError(`--json and --format ${options.format} ask for two outputs; pass one`);
  return options.format;
}

/** The delivery to send: the user's file or a catalog sample, with --repo/--sender/--set/--app-id applied (core/catalog/sample.ts). */
async function loadSample(ctx: AppContext, options: SendOptions, name: string, secret: string | undefined): Promise<Sample> {
  const payload = options.payload ? await readInput(ctx, options.payload, 'payload') : undefined;
  const sample = buildSample({
    name,
    payload,
    payloadSource: options.payload === '-' ? 'stdin' : options.payload,
    set: options.set,
    repo: options.repo,
    sender: options.sender,
    appId: options.appId,
    contentType: options.contentType,
    secret,
    deliveryId: options.deliveryId,
    hookId: options.hookId,
  });
  for (const note of sample.notes) ctx.io.err(ctx.io.errColor.dim(safe(note)));
  return sample;
}

/** --validate: false (and why, on stderr) when the payload does not match GitHub's schema. */
async function validates(ctx: AppContext, p: Sample, quiet: boolean): Promise<boolean> {
  const { io } = ctx;
  const { validatePayload } = await import('../core/schemas/validate.js');
  const result = await validatePayload(p.event, p.action, p.payload);
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

export async function run(ctx: AppContext, options: SendOptions, eventArg?: string): Promise<number> {
  if (options.list) return list(ctx, options);
  const name = eventArg || (await askEvent(ctx));
  const extraHeaders = checkOptions(options);
  const format = requestFormat(options);
  const secret = ctx.secrets(options.secret)[0];
  const p = await loadSample(ctx, options, name, secret);
  if (options.validate && !(await validates(ctx, p, Boolean(options.json)))) return 1;
  const to = resolveTarget(ctx, options.to).url;

  // The request, exactly as GitHub sends it (plus --header); each of --count gets its own GUID.
  const base = { ...p.headers, ...extraHeaders };
  const build = (deliveryId: string): SendRequest => ({ url: to, body: p.body, headers: { ...base, 'X-GitHub-Delivery': deliveryId } });
  if (options.dryRun) return showRequest(ctx, p, build(p.headers['X-GitHub-Delivery']), { format, signed: Boolean(secret), count: options.count });
  return deliver(ctx, options, p, build, Boolean(secret));
}

type SendRequest = { url: string; body: Buffer; headers: Record<string, string> };

/** No event given: pick one on a terminal; without one, say how to name it. */
async function askEvent(ctx: AppContext): Promise<string> {
  if (!ctx.io.canPrompt()) {
    throw new UsageError('which event? pass one, e.g. `hookctl send pull_request.opened`', ['See every event with `hookctl send --list`.']);
  }
  return pickEvent(ctx);
}

/** --dry-run: the request as it would go (or as a request file, --format), and nothing sent. */
function showRequest(ctx: AppContext, p: Sample, request: SendRequest, how: { format: 'http' | 'json' | undefined; signed: boolean; count: number }): number {
  const { io } = ctx;
  if (how.format) {
    // A request file: exactly what would be sent (core/deliver/export.ts says what each format can carry).
    const message = { method: 'POST', ...request };
    try {
      io.out(how.format === 'http' ? httpFile(message, `${p.name} ${request.headers['X-GitHub-Delivery']}`) : requestJson(message));
    } catch (err) {
      if (err instanceof HttpFileError) throw new UsageError(err.message, ['--format json carries any body (base64 when it is not UTF-8).']);
      throw err;
    }
    if (!how.signed) io.err(io.errColor.dim('Unsigned: no --secret, HOOKCTL_SECRET or GITHUB_WEBHOOK_SECRET.'));
  } else io.out(requestText(request));
  io.err(io.errColor.dim(`Nothing was sent (--dry-run)${how.count > 1 ? `; --count ${how.count} would send ${how.count} like it, each with its own X-GitHub-Delivery` : ''}.`));
  return 0;
}

/** Send it (--count times, --concurrency at once), report each result, and exit 1 when any was not a 2xx. */
async function deliver(ctx: AppContext, options: SendOptions, p: Sample, build: (deliveryId: string) => SendRequest, signed: boolean): Promise<number> {
  const { io } = ctx;
  const c = io.color;
  // A catalog variant is said by its name (pull_request.closed:merged), not only its event.action.
  const label = p.name.includes(':') ? { event: p.name, action: null } : p;
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
      bytes: p.body.length,
      signed,
      ...(result.responseSnippet !== undefined ? { response: result.responseSnippet } : {}),
    };
    return { line: `${resultLine(c, label, result)} ${c.dim(deliveryId)}`, record };
  };
  let failed: number;
  if (options.count > 1) {
    const ids = deliveryIds(options.count, options.deliveryId);
    const tally = await runBatch(ctx, { total: options.count, concurrency: options.concurrency, json: options.json, verbose: options.verbose, verb: 'Sent', timeoutMs: options.timeout, source: ids, build, onResult: report });
    failed = tally.non2xx + tally.failed;
  } else {
    const deliveryId = p.headers['X-GitHub-Delivery'];
    const result = await post(build(deliveryId), { timeoutMs: options.timeout });
    const { record } = report(result, deliveryId);
    if (options.json) printJson(io, record);
    else io.out(`${resultLine(c, label, result)}\n  ${c.dim(`X-GitHub-Delivery: ${deliveryId}`)}`);
    failed = isSuccess(result) ? 0 : 1;
  }
  if (refused && !options.json) io.err(io.errColor.dim('Start a receiver with `hookctl listen`, or point --to at your app.'));
  if (!signed && !options.json && options.count === 1) io.err(io.errColor.dim('Sent unsigned (no --secret, HOOKCTL_SECRET or GITHUB_WEBHOOK_SECRET).'));
  return failed > 0 ? 1 : 0;
}

function* deliveryIds(count: number, fixed?: string): Generator<string> {
  for (let i = 0; i < count; i++) yield fixed ?? randomUUID();
}

function list(ctx: AppContext, options: SendOptions): number {
  const entries = listSamples();
  if (options.json) {
    printJson(ctx.io, entries);
    return 0;
  }
  const c = ctx.io.color;
  const rows = entries.map((e) => [
    e.name + (e.default ? c.dim(' *') : ''),
    e.source === 'captured' ? 'captured' : c.dim('synthesized'),
    e.appOnly ? c.cyan('App') : '',
    e.description,
  ]);
  ctx.io.out(table(c, ['EVENT', 'SAMPLE', 'FOR', 'DESCRIPTION'], rows, { columns: SAMPLES_FIT, width: ctx.io.width }));
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
