/**
 * `hookctl hooks list|delete|ping OWNER/REPO [HOOK_ID]`.
 */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { connect, deleteHook, describeTarget, describeWait, listHooks, parseRepo, pingHook, type Hook } from '../core/github.js';
import { forgetHook, targetKey } from '../core/hookstate.js';
import { printJson, table } from '../output.js';

export interface HooksOptions {
  apiUrl?: string;
  json?: boolean;
}

function hookId(value: string | undefined): number {
  const id = Number(value);
  if (!value || !/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0) {
    throw new UsageError(`expected a hook id (a whole number, see \`hookctl hooks list OWNER/REPO\`), got "${value ?? ''}"`);
  }
  return id;
}

function clientFor(ctx: AppContext, options: HooksOptions) {
  return connect(ctx, { apiUrl: options.apiUrl, onWait: (w) => ctx.io.warn(describeWait(w)) });
}

/** "200 OK", "unused", "502 failed to connect". */
export function lastResponse(hook: Hook): string {
  const r = hook.last_response;
  if (!r) return '-';
  if (r.code === null || r.code === undefined) return r.status ?? '-';
  return [String(r.code), r.message ?? (r.status !== 'active' ? r.status : '')].filter(Boolean).join(' ');
}

export async function list(ctx: AppContext, options: HooksOptions, repo: string): Promise<number> {
  const target = parseRepo(repo);
  const hooks = await listHooks(clientFor(ctx, options), target);
  if (options.json) {
    printJson(ctx.io, hooks);
    return 0;
  }
  if (hooks.length === 0) {
    ctx.io.err(`${describeTarget(target)} has no webhooks; add one with \`hookctl register ${describeTarget(target)} --url URL\``);
    return 0;
  }
  const c = ctx.io.color;
  ctx.io.out(
    table(
      c,
      ['ID', 'URL', 'EVENTS', 'ACTIVE', 'LAST RESPONSE'],
      hooks.map((h) => [
        String(h.id),
        h.config?.url ?? '',
        (h.events ?? []).join(','),
        h.active ? c.green('yes') : c.yellow('no'),
        lastResponse(h),
      ]),
    ),
  );
  return 0;
}

export async function remove(ctx: AppContext, options: HooksOptions, repo: string, id: string): Promise<number> {
  const target = parseRepo(repo);
  const hook = hookId(id);
  const client = clientFor(ctx, options);
  await deleteHook(client, target, hook);
  forgetHook(ctx.paths.home, targetKey(client.baseUrl, target), hook);
  ctx.io.out(`deleted webhook ${hook} from ${describeTarget(target)}`);
  return 0;
}

export async function ping(ctx: AppContext, options: HooksOptions, repo: string, id: string): Promise<number> {
  const target = parseRepo(repo);
  const hook = hookId(id);
  await pingHook(clientFor(ctx, options), target, hook);
  ctx.io.out(`asked GitHub to ping webhook ${hook} of ${describeTarget(target)}; see \`hookctl deliveries pull ${describeTarget(target)} --hook-id ${hook}\``);
  return 0;
}

export const run = list;
