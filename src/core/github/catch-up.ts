/**
 * Catch-up: what a hook's delivery log holds that the store does not — deliveries GitHub sent
 * while hookctl was not listening — asked to be redelivered, so they arrive through the
 * tunnel, signed, as the real thing. Never asks twice for one GUID; what is older than
 * GitHub's redelivery window is reported as lost (its payload can still be pulled).
 */
import type { LoggedDelivery } from './delivery-log.js';

/** GitHub redelivers deliveries of the past three days. */
const REDELIVERY_WINDOW_MS = 3 * 24 * 3600 * 1000;
/** A redelivery asked for and not stored after this long did not arrive: ask again. */
export const ASK_AGAIN_AFTER_MS = 5 * 60 * 1000;
/** How many times one GUID is asked for before it is reported as failed. */
export const MAX_ASKS = 3;

/** What catch-up remembers of a GUID (in HOOKCTL_HOME, across runs). */
export interface AskedRedelivery {
  /** When it was last asked for (or found missing and left for later). */
  at: string;
  /** How many times it was asked for: 0 = found missing, left for the next catch-up. */
  times: number;
  /** When GitHub first delivered it (the log is read back at least this far while it is missing). */
  deliveredAt: string | null;
}

export interface CatchUpOptions {
  /** The hook's delivery log, newest first. */
  log: AsyncIterable<LoggedDelivery>;
  redeliver: (delivery: LoggedDelivery) => Promise<void>;
  /** Does the store hold this X-GitHub-Delivery? */
  stored: (guid: string) => boolean;
  /** When the newest delivery the store holds from this hook was received (the log is read back to it). */
  newestStored: Date | null;
  /** What any run asked for or left for later, by lower-case GUID. */
  asked: ReadonlyMap<string, AskedRedelivery>;
  /** Keep `entry` for `guid`; called before GitHub is asked, so a killed run never asks twice. */
  remember: (guid: string, entry: AskedRedelivery) => void;
  now: Date;
  /** At most this many redeliveries in one catch-up (the rest: the next one). */
  maxRedeliveries?: number;
  /** Stop reading the log after this many entries. */
  maxScan?: number;
}

export interface CatchUpResult {
  redelivered: LoggedDelivery[];
  lost: LoggedDelivery[];
  failed: { delivery: LoggedDelivery; error: string }[];
  /** Missing deliveries left for the next catch-up (over maxRedeliveries). */
  more: number;
}

const SLACK_MS = 60_000;

export async function catchUp(options: CatchUpOptions): Promise<CatchUpResult> {
  const result: CatchUpResult = { redelivered: [], lost: [], failed: [], more: 0 };
  const now = options.now.getTime();
  const windowStart = now - REDELIVERY_WINDOW_MS;
  // Back to the newest delivery stored from this hook, with a minute of slack (clocks differ,
  // and GitHub logs a delivery when it was sent); further back while something asked for or
  // left for later is still missing, so neither is passed over once newer rows are stored.
  let readBackTo = options.newestStored ? options.newestStored.getTime() - SLACK_MS : -Infinity;
  for (const [guid, entry] of options.asked) {
    if (entry.deliveredAt && !options.stored(guid)) readBackTo = Math.min(readBackTo, Date.parse(entry.deliveredAt) - SLACK_MS);
  }
  const seen = new Set<string>();
  let scanned = 0;
  for await (const d of options.log) {
    if (++scanned > (options.maxScan ?? 1000)) break;
    const at = new Date(d.delivered_at).getTime();
    if (at < readBackTo) break;
    const guid = d.guid.toLowerCase();
    // The log lists every attempt of a GUID, newest first: the first one seen stands for it.
    if (seen.has(guid)) continue;
    seen.add(guid);
    if (options.stored(d.guid)) continue;
    if (at < windowStart) {
      result.lost.push(d);
      continue;
    }
    const before = options.asked.get(guid);
    const times = before?.times ?? 0;
    if (before && times > 0) {
      // Asked before and still not stored: in flight, or it never arrived (the tunnel died,
      // hookctl was stopped). GitHub's log says so when its redelivery failed.
      const failedSince = d.redelivery && (d.status_code < 200 || d.status_code > 299) && at > Date.parse(before.at);
      if (!failedSince && now - Date.parse(before.at) < ASK_AGAIN_AFTER_MS) continue;
      if (times >= MAX_ASKS) {
        result.failed.push({ delivery: d, error: `asked ${times} times, never received${d.redelivery ? ` (GitHub's last redelivery: ${d.status_code || d.status})` : ''}` });
        continue;
      }
    }
    const firstDelivered = before?.deliveredAt ?? d.delivered_at;
    if (result.redelivered.length + result.failed.length >= (options.maxRedeliveries ?? 100)) {
      if (!before) options.remember(guid, { at: options.now.toISOString(), times: 0, deliveredAt: firstDelivered });
      result.more++;
      continue;
    }
    options.remember(guid, { at: options.now.toISOString(), times: times + 1, deliveredAt: firstDelivered });
    try {
      await options.redeliver(d);
      result.redelivered.push(d);
    } catch (err) {
      result.failed.push({ delivery: d, error: (err as Error).message });
    }
  }
  return result;
}
