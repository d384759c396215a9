/**
 * `hookctl register --app --url URL [--secret S]`: a GitHub App's one webhook, set through
 * `/app/hook/config` as the App (a JWT from --app-id and --private-key). Shows the change and,
 * on a terminal, asks first; unchanged settings send nothing. `--restore` puts back what a
 * `listen --register-app` that did not finish borrowed.
 */
import type { AppContext } from '../context.js';
import { UsageError } from '../errors.js';
import { getApp, getAppHookConfig, updateAppHookConfig, type AppHookConfig } from '../core/github/app.js';
import { secretFingerprint, type HookChange } from '../core/github/hooks.js';
import { forgetBorrowed, rememberHook, rememberedHook, targetKey } from '../core/github/hookstate.js';
import { confirm } from '../ui/prompt.js';
import { printJson } from '../ui/records.js';
import { appCredentials, connectApp } from './shared/app.js';
import { restorable } from '../core/tunnel/hook-binding.js';
import type { RegisterOptions } from './register.command.js';

function changes(current: AppHookConfig, want: { url: string; content_type: string; insecure_ssl: string }, secretKnown: boolean | null): HookChange[] {
  const diff: HookChange[] = [];
  if (current.url !== want.url) diff.push({ field: 'url', from: current.url ?? '(none)', to: want.url });
  if ((current.content_type ?? 'form') !== want.content_type) diff.push({ field: 'content_type', from: current.content_type ?? 'form', to: want.content_type });
  if (String(current.insecure_ssl ?? '0') !== want.insecure_ssl) diff.push({ field: 'insecure_ssl', from: String(current.insecure_ssl ?? '0'), to: want.insecure_ssl });
  if (secretKnown === false) diff.push({ field: 'secret', from: current.secret ? '(unknown)' : '(none)', to: '(set)' });
  return diff;
}

export async function registerApp(ctx: AppContext, options: RegisterOptions, showChanges: (diff: HookChange[]) => string[]): Promise<number> {
  const { io } = ctx;
  if (options.org || options.events || options.inactive || options.ping) {
    const which = options.org ? '--org' : options.events ? '--events' : options.inactive ? '--inactive' : '--ping';
    throw new UsageError(`${which} does not apply with --app: an App's events and its webhook's active state are set in its settings on GitHub`);
  }
  const credentials = appCredentials(ctx, options);
  const client = connectApp(ctx, credentials, { apiUrl: options.apiUrl });
  const key = targetKey(client.baseUrl, { kind: 'app', appId: credentials.appId });
  const app = await getApp(client);
  const name = `the webhook of App ${app.name} (${app.id})`;
  if (options.restore) {
    const borrowed = rememberedHook(ctx.paths.home, key)?.borrowed;
    if (!borrowed) {
      io.err(`Nothing to put back: no run of hookctl left ${name} borrowed.`);
      return 0;
    }
    await updateAppHookConfig(client, restorable(borrowed.prior));
    forgetBorrowed(ctx.paths.home, key);
    io.out(`put back ${name}: ${borrowed.prior.url ?? '(no URL)'} (${borrowed.prior.content_type ?? 'form'})`);
    return 0;
  }
  if (!options.url) throw new UsageError('--url is required: the payload URL GitHub should post to');
  const secret = ctx.secrets(options.secret)[0];
  const current = await getAppHookConfig(client);
  const want = { url: options.url, content_type: options.contentType === 'form' ? 'form' : 'json', insecure_ssl: options.insecureSsl ? '1' : '0' };
  const remembered = rememberedHook(ctx.paths.home, key)?.secretFingerprint;
  const fingerprint = secret ? secretFingerprint(client.baseUrl, credentials.appId, secret) : undefined;
  const diff = changes(current, want, secret ? remembered === fingerprint : null);
  if (diff.some((d) => d.field === 'url') && !secret) {
    throw new UsageError(`changing the URL of ${name} sends the secret the new receiver verifies with: pass --secret or set HOOKCTL_SECRET`);
  }
  if (diff.length === 0) {
    io.out(`unchanged ${name}: ${want.url} (${want.content_type})`);
    return 0;
  }
  if (io.canPrompt()) {
    io.err(`${name} (${current.url ?? 'no URL'}) would change:`);
    for (const line of showChanges(diff)) io.err(line);
    if (!(await confirm(io, 'Update it?'))) {
      io.err(`Left ${name} as it was.`);
      return 0;
    }
  }
  const updated = await updateAppHookConfig(client, { ...want, ...(secret ? { secret } : {}) });
  if (fingerprint) rememberHook(ctx.paths.home, key, { secretFingerprint: fingerprint });
  const line = `updated ${name}: ${updated.url ?? want.url} (${updated.content_type ?? want.content_type})`;
  if (options.json) {
    printJson(io, updated);
    io.err(line);
  } else io.out(line);
  if (!io.canPrompt()) for (const l of showChanges(diff)) io.err(l);
  return 0;
}
