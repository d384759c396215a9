/**
 * Where `send` and `replay` go without --to: the running listener (the newest, when several
 * run), then $HOOKCTL_URL, then the default (replay: where the delivery was first received,
 * when the store knows it, before the default). Every choice but --to is said on stderr, so a
 * delivery never goes somewhere the user did not see.
 */
import type { AppContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { runningListeners, type ListenerRecord } from '../../core/listeners.js';
import { parseTargetUrl } from '../../core/deliver/url.js';
import { timeAgo } from '../../ui/format.js';
import { safe } from '../../ui/sanitize.js';

type TargetSource = 'flag' | 'listener' | 'env' | 'default';

export interface Target {
  source: TargetSource;
  /** The URL (for replay without a listener's path: the base the delivery's own path is kept on). */
  url: string;
  listener?: ListenerRecord;
}

function checked(url: string, what: string): string {
  try {
    parseTargetUrl(url);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
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
 * A stored delivery's URL for replay: --to and $HOOKCTL_URL as given; a running listener's URL,
 * keeping the delivery's own path when the listener takes every path; else where it was
 * first received, else the default.
 */
export function replayUrl(target: Target, receivedAt: string | null): string {
  if (target.source === 'flag' || target.source === 'env') return target.url;
  if (target.source === 'listener') {
    if (target.listener?.path || !receivedAt) return target.url;
    try {
      const original = new URL(receivedAt);
      return new URL(`${original.pathname}${original.search}`, target.url).href;
    } catch {
      return target.url;
    }
  }
  return receivedAt ?? target.url;
}
