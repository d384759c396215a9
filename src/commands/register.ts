/**
 * `hookctl register OWNER/REPO | --org ORG --url URL`: create or update a webhook,
 * idempotently (the hook with the same URL, else the remembered one, else a new one).
 */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseEventList } from '../core/catalog/events.js';
import { parseTargetUrl, targetUrlProblem } from '../core/deliver/url.js';
import { ensureHook, pingHook, secretFingerprint, type EnsureResult, type Hook, type HookChange, type WantedHook } from '../core/github/hooks.js';
import { rememberHook, rememberedHook, targetKey } from '../core/github/hookstate.js';
import { describeTarget, parseOrg, parseRepo, type HookTarget } from '../core/github/targets.js';
import type { IO } from '../ui/io.js';
import { checkbox, confirm, input } from '../ui/prompt.js';
import { printJson } from '../ui/records.js';
import { connect } from './shared/github.js';
import type { RegisterOptions } from './register.command.js';


/** Events offered by the prompt; the first ones are preselected. */
const COMMON_EVENTS = [
  'push',
  'pull_request',
  'issues',
  'issue_comment',
  'pull_request_review',
  'pull_request_review_comment',
  'release',
  'create',
  'delete',
  'workflow_run',
  'check_run',
  'check_suite',
  'deployment_status',
  'star',
  'fork',
];
const PRESELECTED = new Set(['push', 'pull_request', 'issues', 'issue_comment']);

function resolveTarget(repo: string | undefined, org: string | undefined): HookTarget {
  if (repo && org) throw new UsageError('give either OWNER/REPO or --org ORG, not both');
  if (org) return parseOrg(org);
  if (!repo) throw new UsageError('which repository? give OWNER/REPO, or --org ORG for an organization hook');
  return parseRepo(repo);
}

function formatChanges(io: IO, diff: HookChange[]): string[] {
  const c = io.errColor;
  return diff.map((d) => `  ${d.field}: ${c.red(d.from)} → ${c.green(d.to)}`);
}

function summary(hook: Hook): string {
  const events = (hook.events ?? []).join(',') || '(none)';
  return `events ${events}, ${hook.config?.content_type ?? 'form'}, ${hook.active ? 'active' : 'inactive'}`;
}

/** The events checkbox: the hook's own events checked when it exists, else the common ones. */
async function promptEvents(ctx: AppContext, current?: string[]): Promise<string[]> {
  const checked = (e: string) => (current ? current.includes(e) : PRESELECTED.has(e));
  const names = [...new Set([...COMMON_EVENTS, ...(current ?? []).filter((e) => e !== '*')])];
  const chosen = await checkbox(ctx.io, 'Events to subscribe to', [
    ...names.map((e) => ({ name: e, value: e, checked: checked(e) })),
    { name: '* (every event)', value: '*', checked: Boolean(current?.includes('*')) },
  ]);
  return chosen.includes('*') ? ['*'] : chosen;
}

async function promptUrl(ctx: AppContext): Promise<string> {
  return input(ctx.io, 'Payload URL', (v) => targetUrlProblem(v.trim()) ?? true);
}

function checkUrl(url: string): string {
  parseTargetUrl(url, { field: '--url' });
  return url;
}

export async function run(ctx: AppContext, options: RegisterOptions, repo?: string): Promise<number> {
  const io = ctx.io;
  if (options.app || options.appId || options.privateKey || options.restore) {
    if (!options.app) throw new UsageError(`${options.restore ? '--restore' : '--app-id and --private-key'} go with --app`);
    if (repo) throw new UsageError('give OWNER/REPO or --app, not both');
    const { registerApp } = await import('./register-app.js');
    return registerApp(ctx, options, (diff) => formatChanges(io, diff));
  }
  const target = resolveTarget(repo, options.org);
  const desired = await wantedHook(ctx, options);
  const { url, secret } = desired;
  const client = connect(ctx, { apiUrl: options.apiUrl, org: target.kind === 'org' });
  const key = targetKey(client.baseUrl, target);
  const remembered = rememberedHook(ctx.paths.home, key);
  const interactive = ctx.io.canPrompt();
  const result = await ensureHook(client, target, desired, {
    chooseEvents: interactive ? (existing) => promptEvents(ctx, existing?.events) : undefined,
    rememberedHookId: remembered?.hookId,
    secretMatches: (id) => Boolean(secret) && remembered?.secretFingerprint === secretFingerprint(client.baseUrl, id, secret!),
    confirm: interactive
      ? async (hook, diff) => {
          io.err(`Webhook ${hook.id} of ${describeTarget(target)} (${hook.config?.url ?? ''}) differs:`);
          for (const line of formatChanges(io, diff)) io.err(line);
          return confirm(io, 'Update it?');
        }
      : undefined,
  });
  if (result.outcome === 'declined') {
    io.err(`Left webhook ${result.hook.id} of ${describeTarget(target)} as it was.`);
    return 0;
  }
  rememberHook(ctx.paths.home, key, {
    hookId: result.hook.id,
    url,
    secretFingerprint: secret ? secretFingerprint(client.baseUrl, result.hook.id, secret) : undefined,
  });
  reportRegistered(ctx, options, target, result, { url, signed: Boolean(secret), interactive });
  if (options.ping) {
    await pingHook(client, target, result.hook.id);
    const msg = `asked GitHub to ping webhook ${result.hook.id}; it shows up at ${url} in a moment`;
    if (options.json) io.err(msg);
    else io.out(msg);
  }
  return 0;
}

/** The hook the flags ask for: --url (asked on a terminal when missing), --events (asked later when missing), the secret, the content type and state. */
async function wantedHook(ctx: AppContext, options: RegisterOptions): Promise<WantedHook> {
  let url = options.url;
  if (!url) {
    if (!ctx.io.canPrompt()) throw new UsageError('--url is required: the payload URL GitHub should post to');
    url = (await promptUrl(ctx)).trim();
  }
  checkUrl(url);
  const events = options.events !== undefined ? (parseEventList(options.events, { flag: '--events' }) ?? ['*']) : undefined;
  const secret = ctx.secrets(options.secret)[0];
  return {
    url,
    events,
    contentType: options.contentType === 'form' ? 'form' : 'json',
    insecureSsl: Boolean(options.insecureSsl),
    active: !options.inactive,
    ...(secret ? { secret } : {}),
  };
}

/** What was created, updated or left as it was: the hook (--json on stdout), what changed, and a warning when it has no secret. */
function reportRegistered(ctx: AppContext, options: RegisterOptions, target: HookTarget, result: EnsureResult, how: { url: string; signed: boolean; interactive: boolean }): void {
  const { io } = ctx;
  const line = `${result.outcome} webhook ${result.hook.id} on ${describeTarget(target)}: ${result.hook.config?.url ?? how.url} (${summary(result.hook)})`;
  if (options.json) {
    printJson(io, result.hook);
    io.err(line);
  } else {
    io.out(line);
  }
  if (result.outcome === 'updated' && !how.interactive) for (const l of formatChanges(io, result.diff)) io.err(l);
  if (!how.signed) io.warn('no secret set: anyone who learns the URL can post fake deliveries (pass --secret or set HOOKCTL_SECRET)');
}
