/**
 * Where `send` and `replay` go without --to: the running listener (the newest, when several
 * run), then $HOOKCTL_URL, then the default (replay: where the delivery was first received,
 * when the store knows it, before the default). Every choice but --to is said on stderr, so a
 * delivery never goes somewhere the user did not see.
 */
import type { AppContext } from '../../context.js';
import { runningListeners, type ListenerRecord } from '../../core/listeners.js';
import { parseTargetUrl } from '../../core/deliver/url.js';
import type { ReplayTarget } from '../../core/deliver/replay-record.js';
import { timeAgo } from '../../ui/format.js';
import { safe } from '../../ui/sanitize.js';

type TargetSource = 'flag' | 'listener' | 'env' | 'default';

export interface Target {
  source: TargetSource;
  /** The URL (for replay without a listener's path: the base the delivery's own path is kept on). */
  url: string;
  listener?: ListenerRecord;
}

function checked(url: string, field: string): string {
  parseTargetUrl(url, { field });
  return url;
}

/** The target without --to, or --to itself; says on stderr which one it took and why. */
export function resolveTarget(ctx: AppContext, flag: string | undefined, options: { replay?: boolean } = {}): Target {
  if (flag !== undefined) return { source: 'flag', url: checked(flag, '--to') };
  const { io } = ctx;
  const dim = io.errColor.dim;
  const listeners = runningListeners(ctx.paths.home);
  if (listeners.length > 0) {
    const [newest, ...others] = listeners;
    const started = timeAgo(new Date(newest.startedAt), ctx.now());
    if (others.length === 0) {
      io.err(dim(`To the running listener: ${safe(newest.url)} (pid ${newest.pid}, started ${started}). --to URL sends elsewhere.`));
    } else {
      io.err(dim(`${listeners.length} listeners are running; to the newest: ${safe(newest.url)} (pid ${newest.pid}, started ${started}).`));
      for (const other of others) io.err(dim(`  also running: ${safe(other.url)} (pid ${other.pid}, started ${timeAgo(new Date(other.startedAt), ctx.now())})`));
      io.err(dim('Pass --to URL to choose another.'));
    }
    return { source: 'listener', url: newest.url, listener: newest };
  }
  const fromEnv = ctx.env.HOOKCTL_URL;
  if (fromEnv) {
    const url = checked(fromEnv, '$HOOKCTL_URL');
    io.err(dim(`No listener is running: to $HOOKCTL_URL, ${safe(url)}.`));
    return { source: 'env', url };
  }
  const where = options.replay ? `where each delivery was first received (else ${ctx.defaults.target})` : `the default, ${ctx.defaults.target}`;
  io.err(dim(`No listener is running and $HOOKCTL_URL is not set: to ${where}.`));
  return { source: 'default', url: ctx.defaults.target };
}

/**
 * The target of a replay (core/deliver/replay-record.ts): --to and $HOOKCTL_URL as given; a
 * running listener, keeping each delivery's own path when it takes every path; else where each
 * was first received, else the default.
 */
export function replayTarget(target: Target): ReplayTarget {
  if (target.source === 'flag' || target.source === 'env') return { kind: 'url', url: target.url };
  if (target.source === 'listener') return { kind: 'listener', url: target.url, path: target.listener?.path ?? null };
  return { kind: 'received', fallback: target.url };
}
