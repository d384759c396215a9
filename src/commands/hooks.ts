/**
 * `hookctl hooks list|delete|ping OWNER/REPO [HOOK_ID]`.
 */
import type { AppContext } from '../context.js';
import { deleteHook, listHooks, pingHook, type Hook } from '../core/github/hooks.js';
import { forgetHook, targetKey } from '../core/github/hookstate.js';
import { describeTarget, parseRepo } from '../core/github/targets.js';
import { confirm } from '../ui/prompt.js';
import { printJson } from '../ui/records.js';
import { safe } from '../ui/sanitize.js';
import { table } from '../ui/table.js';
import { connect } from './shared/github.js';
import type { HooksDeleteOptions, HooksListOptions, HooksPingOptions } from './hooks.command.js';

function clientFor(ctx: AppContext, options: { apiUrl?: string }) {
  return connect(ctx, { apiUrl: options.apiUrl });
}

/** "200 OK", "unused", "502 failed to connect". */
function lastResponse(hook: Hook): string {
  const r = hook.last_response;
  if (!r) return '-';
  if (r.code === null || r.code === undefined) return r.status ?? '-';
  return [String(r.code), r.message ?? (r.status !== 'active' ? r.status : '')].filter(Boolean).join(' ');
}

export async function list(ctx: AppContext, options: HooksListOptions, repo: string): Promise<number> {
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
        safe(h.config?.url ?? ''),
        safe((h.events ?? []).join(',')),
        h.active ? c.green('yes') : c.yellow('no'),
        safe(lastResponse(h)),
      ]),
    ),
  );
  return 0;
}

/** `hook`: the positional hook id, parsed by the declaration (shared/options.ts's parseHookId). */
export async function remove(ctx: AppContext, options: HooksDeleteOptions, repo: string, hook: number): Promise<number> {
  const target = parseRepo(repo);
  if (!options.yes && ctx.io.canPrompt() && !(await confirm(ctx.io, `Delete webhook ${hook} of ${describeTarget(target)}? GitHub stops delivering to it at once.`, false))) {
    ctx.io.err(`Left webhook ${hook} of ${describeTarget(target)} as it was.`);
    return 0;
  }
  const client = clientFor(ctx, options);
  await deleteHook(client, target, hook);
  forgetHook(ctx.paths.home, targetKey(client.baseUrl, target), hook);
  ctx.io.out(`deleted webhook ${hook} from ${describeTarget(target)}`);
  return 0;
}

export async function ping(ctx: AppContext, options: HooksPingOptions, repo: string, hook: number): Promise<number> {
  const target = parseRepo(repo);
  await pingHook(clientFor(ctx, options), target, hook);
  ctx.io.out(`asked GitHub to ping webhook ${hook} of ${describeTarget(target)}; see \`hookctl deliveries pull ${describeTarget(target)} --hook-id ${hook}\``);
  return 0;
}

