/**
 * `hookctl replay GUID --from-github OWNER/REPO [--hook-id N] [--to URL] | --redeliver`:
 * fetch one delivery from a hook's log on GitHub and replay it to a local target, or ask
 * GitHub to redeliver it. replay.ts delegates here when --from-github is set.
 */
import type { AppContext } from '../context.js';
import { ApiError, UsageError } from '../errors.js';
import { isSuccess, post } from '../core/deliver/post.js';
import { parseTargetUrl } from '../core/deliver/url.js';
import { findDelivery, getDelivery, rebuildDelivery, redeliver } from '../core/github/delivery-log.js';
import { describeWebhook } from '../core/github/targets.js';
import { eventName } from '../ui/format.js';
import { resultLine } from '../ui/lines.js';
import { printJsonLine } from '../ui/records.js';
import { safe } from '../ui/sanitize.js';
import { logTarget } from './shared/app.js';
import type { ReplayFlags } from './replay.command.js';

/** replay's flags this part reads (--from-github OWNER/REPO, or true: bare --from-github with --app), as replay's declaration infers them. */
export type ReplayGithubOptions = Pick<ReplayFlags, 'fromGithub' | 'app' | 'appId' | 'privateKey' | 'hookId' | 'redeliver' | 'to' | 'secret' | 'apiUrl' | 'json'>;

/** Where a replay goes by default, as for stored deliveries (the contract's listen default). */

export async function run(ctx: AppContext, options: ReplayGithubOptions, ids: string[] = []): Promise<number> {
  const { io } = ctx;
  if (!options.fromGithub) throw new UsageError('--redeliver needs --from-github OWNER/REPO (or --from-github --app)');
  const repo = typeof options.fromGithub === 'string' ? options.fromGithub : undefined;
  if (!repo && !options.app) throw new UsageError('--from-github needs OWNER/REPO, or --app for your GitHub App\'s webhook');
  if (ids.length === 0) throw new UsageError('which delivery? give its GUID (X-GitHub-Delivery) or GitHub delivery id', [
    `See them with \`hookctl deliveries pull ${repo ?? '--app'}\` or on the hook's "Recent Deliveries" tab.`,
  ]);
  if (options.redeliver && options.to) throw new UsageError('--redeliver asks GitHub to send it again to the hook\'s URL; --to does not apply');
  const to = options.to ?? ctx.defaults.target;
  if (!options.redeliver) {
    parseTargetUrl(to, { field: '--to' });
  }
  const secret = ctx.secrets(options.secret)[0];
  const { client, target, hookId } = await logTarget(ctx, options, repo, '--from-github OWNER/REPO');
  const c = io.color;
  let failures = 0;
  for (const id of ids) {
    const summary = await findDelivery(client, target, hookId, id);
    if (!summary) {
      throw new ApiError(`no delivery ${id} in the log of ${describeWebhook(target, hookId)}`, 404, [
        'GitHub keeps a hook\'s deliveries for a limited time (redelivery: 3 days); check the GUID and --hook-id.',
      ]);
    }
    if (options.redeliver) {
      await redeliver(client, target, hookId, summary.id);
      if (options.json) printJsonLine(io, { deliveryId: summary.guid, githubId: summary.id, hookId, redelivery: 'requested' });
      else io.out(`asked GitHub to redeliver ${safe(summary.guid)} (${safe(eventName(summary.event, summary.action))}) to ${describeWebhook(target, hookId)}`);
      continue;
    }
    const detail = await getDelivery(client, target, hookId, summary.id);
    const rebuilt = rebuildDelivery(detail, secret);
    const result = await post({ url: to, body: rebuilt.body, headers: rebuilt.headers });
    const ok = isSuccess(result);
    if (!ok) failures += 1;
    if (options.json) {
      printJsonLine(io, {
        deliveryId: detail.guid,
        githubId: detail.id,
        event: detail.event,
        action: detail.action,
        url: result.url,
        status: result.status,
        durationMs: result.durationMs,
        error: result.error,
        bytes: rebuilt.body.length,
        signature: rebuilt.signature,
      });
    } else {
      io.out(resultLine(c, { id: detail.guid, event: detail.event, action: detail.action }, result));
    }
    if (rebuilt.signature === 'dropped') io.warn("sent without a signature: GitHub's API returns the payload parsed, so the original signature cannot match the re-serialized body; pass --secret to re-sign");
    else if (rebuilt.signature === 'resigned') io.err(io.errColor.dim('re-signed with your secret (the body was re-serialized from GitHub\'s parsed payload)'));
  }
  return failures > 0 ? 1 : 0;
}
