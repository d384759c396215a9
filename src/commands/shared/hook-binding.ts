/**
 * The command's half of the webhook a tunnel session points at its URL: the flags checked
 * before anything starts, and the GitHub client made here (its token, and any prompt for one,
 * are the command's; the token is asked for on the first call). The binding itself is
 * core/tunnel/hook-binding.ts.
 */
import type { AppContext } from '../../context.js';
import { parseEventList } from '../../core/catalog/events.js';
import type { AppCredentials } from '../../core/github/app.js';
import type { ResolvedToken } from '../../core/github/client.js';
import { parseRepo } from '../../core/github/targets.js';
import { bindAppHook, bindRepoHook, type HookBinder } from '../../core/tunnel/hook-binding.js';
import { connectApp } from './app.js';
import { connect } from './github.js';

interface HookFlags {
  /** --register OWNER/REPO */
  register?: string;
  /** --register's token, when resolved already (else asked for on the first call). */
  token?: ResolvedToken;
  /** --register-app, with the App's credentials. */
  registerApp?: AppCredentials;
  /** --events (a,b or *). */
  events?: string;
  /** Secrets given by the user (the first is the hook's). */
  secrets?: string[];
  apiUrl?: string;
  /** Told the secret the hook gets before GitHub is asked for anything. */
  onSecret?: (secret: string) => void;
}

/** The binder for --register or --register-app (undefined: neither); a bad OWNER/REPO or event is a usage error now. */
export function hookBinder(ctx: AppContext, flags: HookFlags): HookBinder | undefined {
  const base = { home: ctx.paths.home, secrets: flags.secrets ?? [], onSecret: flags.onSecret };
  if (flags.register) {
    const target = parseRepo(flags.register, '--register OWNER/REPO');
    const events = flags.events !== undefined ? parseEventList(flags.events, { flag: '--events', emptyMeansAll: true }) : null;
    const client = connect(ctx, { apiUrl: flags.apiUrl, token: flags.token });
    return (url, report) => bindRepoHook({ ...base, client, target, events }, url, report);
  }
  if (flags.registerApp) {
    const client = connectApp(ctx, flags.registerApp, { apiUrl: flags.apiUrl });
    const appId = flags.registerApp.appId;
    return (url, report) => bindAppHook({ ...base, client, appId, pid: process.pid, now: () => ctx.now() }, url, report);
  }
  return undefined;
}
