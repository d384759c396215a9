/**
 * hookctl send <event[.action]>: a realistic, correctly signed sample delivery, exactly as
 * GitHub would send it.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { TargetError, UsageError } from '../errors.js';
import { entryName, loadIndex, loadPayloadBytes, resolve, type CatalogEntry } from '../core/catalog/catalog.js';
import { applyEdits, hasEdits, installationTarget } from '../core/catalog/edits.js';
import { isSuccess, post, postAll, type DeliveryResult } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { formBody, githubHeaders } from '../core/webhook/headers.js';
import { describeJsonError } from '../core/webhook/payload.js';
import type { BodyKind } from '../core/webhook/types.js';
import { eventName, formatDuration } from '../ui/format.js';
import { resultLine } from '../ui/lines.js';
import { search } from '../ui/prompt.js';
import { safe } from '../ui/sanitize.js';
import { printJson, printJsonLine } from '../ui/records.js';
import { table } from '../ui/table.js';
import { readInput } from './shared/input.js';

export interface SendOptions {
  to: string;
  secret?: string[];
  payload?: string;
  set?: string[];
  repo?: string;
  sender?: string;
  contentType: BodyKind;
  deliveryId?: string;
  hookId?: string;
  count: number;
  concurrency: number;
  validate?: boolean;
  list?: boolean;
  json?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function run(ctx: AppContext, options: SendOptions, eventArg?: string): Promise<number> {
  if (options.list) return list(ctx, options);
  const { io } = ctx;

  let name = eventArg;
  if (!name) {
    if (!io.canPrompt()) {
      throw new UsageError('which event? pass one, e.g. `hookctl send pull_request.opened`', ['See every event with `hookctl send --list`.']);
    }
    name = await pickEvent(ctx);
  }

  try {
    parseTargetUrl(options.to);
  } catch (err) {
    throw new UsageError(`--to: ${(err as Error).message}`);
  }
  if (options.deliveryId && !GUID.test(options.deliveryId)) {
    throw new UsageError(`--delivery-id must be a GUID like ${randomUUID()}, got "${options.deliveryId}"`);
  }
  if (options.hookId && !/^\d+$/.test(options.hookId)) throw new UsageError(`--hook-id must be a number, got "${options.hookId}"`);

  // 1. The JSON: the user's own file, or a catalog sample.
  let event: string;
  let json: Buffer;
  if (options.payload) {
    event = name.split('.')[0];
    json = await readInput(ctx, options.payload, 'payload');
  } else {
    const resolution = resolve(name);
    if (!resolution.ok) {
      const what = resolution.reason === 'unknown-action' ? `unknown action in "${name}"` : `unknown event "${name}"`;
      throw new UsageError(what, [`Did you mean: ${resolution.suggestions.join(', ')}?`, 'See every event with `hookctl send --list`.']);
    }
    const { entry, defaulted } = resolution;
    if (defaulted && entry.action) io.err(io.errColor.dim(`${entry.event} has actions; sending ${entryName(entry)} (pass ${entry.event}.<action> for another)`));
    event = entry.event;
    json = loadPayloadBytes(entry);
  }

  // 2. Parse (always: we need repository.id for the headers, and a bad file is a usage error).
  let parsed: Record<string, unknown>;
  const text = json.toString('utf8');
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${options.payload === '-' ? 'stdin' : (options.payload ?? 'payload')} is not JSON: ${describeJsonError(json) ?? (err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('a webhook payload must be a JSON object');
  }
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
  const action = typeof parsed.action === 'string' ? parsed.action : null;

  if (options.validate) {
    const { validatePayload } = await import('../core/schemas/validate.js');
    const result = await validatePayload(event, action, parsed);
    if (!result.schemaFound) {
      io.warn(`no official schema for ${eventName(event, action)}; sending unvalidated`);
    } else if (!result.valid) {
      io.err(`${io.errColor.red('✗')} ${eventName(event, action)} does not match GitHub's schema:`);
      for (const v of result.violations) io.err(`  ${v.path || '/'}: ${v.message}`);
      io.err('Nothing was sent. Drop --validate to send it anyway.');
      return 1;
    } else if (!options.json) {
      io.err(io.errColor.dim(`✓ ${eventName(event, action)} matches GitHub's schema`));
    }
  }

  // 3. The request, exactly as GitHub sends it.
  const body = options.contentType === 'form' ? formBody(json.toString('utf8')) : json;
  const secret = ctx.secrets(options.secret)[0];
  const target = installationTarget(parsed);
  const base = githubHeaders({
    event,
    body,
    contentType: options.contentType,
    deliveryId: 'x',
    hookId: options.hookId,
    targetType: target?.type,
    targetId: target?.id,
    secret,
  });

  // 4. Send.
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  let refused = false;
  const many = options.count > 1;
  const c = io.color;
  const onResult = (result: DeliveryResult, deliveryId: string) => {
    if (isSuccess(result)) ok++;
    else failed++;
    if (result.error?.startsWith('nothing is listening')) refused = true;
    if (options.json) {
      const record = {
        event,
        action,
        deliveryId,
        url: result.url,
        status: result.status,
        durationMs: result.durationMs,
        error: result.error,
        bytes: body.length,
        signed: Boolean(secret),
        ...(result.responseSnippet !== undefined ? { response: result.responseSnippet } : {}),
      };
      if (many) printJsonLine(io, record);
      else printJson(io, record);
      return;
    }
    let line = resultLine(c, { event, action }, result);
    if (many) line += ` ${c.dim(deliveryId)}`;
    else line += `\n  ${c.dim(`X-GitHub-Delivery: ${deliveryId}`)}`;
    io.out(line);
  };
  const build = (deliveryId: string) => ({ url: options.to, body, headers: { ...base, 'X-GitHub-Delivery': deliveryId } });
  if (many) {
    // One keep-alive undici pool, at most --concurrency in flight.
    await postAll(deliveryIds(options.count, options.deliveryId), build, {
      concurrency: Math.min(options.concurrency, options.count),
      onResult,
    }).catch((err: unknown) => {
      throw new TargetError(`sending failed: ${(err as Error).message}`);
    });
  } else {
    const deliveryId = options.deliveryId ?? randomUUID();
    onResult(await post(build(deliveryId)), deliveryId);
  }

  if (refused && !options.json) {
    io.err(io.errColor.dim('Start a receiver with `hookctl listen`, or point --to at your app.'));
  }
  if (many && !options.json) {
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(options.count / seconds);
    io.err(`${options.count} deliveries in ${formatDuration(seconds * 1000)} (${rate}/s): ${ok} answered 2xx, ${failed} did not`);
  }
  if (!secret && !options.json && !many) io.err(io.errColor.dim('Sent unsigned (no --secret, HOOKCTL_SECRET or GITHUB_WEBHOOK_SECRET).'));
  return failed > 0 ? 1 : 0;
}

function* deliveryIds(count: number, fixed?: string): Generator<string> {
  for (let i = 0; i < count; i++) yield fixed ?? randomUUID();
}

function list(ctx: AppContext, options: SendOptions): number {
  const index = loadIndex();
  const entries = [...index.entries].sort((a, b) => entryName(a).localeCompare(entryName(b)));
  if (options.json) {
    printJson(
      ctx.io,
      entries.map((e) => ({
        name: entryName(e),
        event: e.event,
        action: e.action,
        description: e.description,
        source: e.source,
        default: e.action !== null && index.defaultActions[e.event] === e.action,
      })),
    );
    return 0;
  }
  const c = ctx.io.color;
  const rows = entries.map((e: CatalogEntry) => [
    entryName(e) + (e.action !== null && index.defaultActions[e.event] === e.action ? c.dim(' *') : ''),
    e.source === 'captured' ? 'captured' : c.dim('synthesized'),
    e.description,
  ]);
  ctx.io.out(table(c, ['EVENT', 'SAMPLE', 'DESCRIPTION'], rows));
  ctx.io.err(c.dim(`${entries.length} payloads; * = sent when only the event is given`));
  return 0;
}

async function pickEvent(ctx: AppContext): Promise<string> {
  const names = loadIndex().entries.map((e) => ({ name: entryName(e), description: e.description }));
  return search(ctx.io, 'Which event?', (term) => {
    const t = term.toLowerCase();
    return names
      .filter((n) => n.name.toLowerCase().includes(t))
      .slice(0, 50)
      .map((n) => ({ value: n.name, name: n.name, description: n.description }));
  });
}
