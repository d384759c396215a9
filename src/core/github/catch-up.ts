/**
 * Catch-up: what a hook's delivery log holds that the store does not — deliveries GitHub sent
 * while hookctl was not listening — asked to be redelivered, so they arrive through the
 * tunnel, signed, as the real thing. Never asks twice for one GUID; what is older than
 * GitHub's redelivery window is reported as lost (its payload can still be pulled).
 */
import type { LoggedDelivery } from './delivery-log.js';

/** GitHub redelivers deliveries of the past three days. */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3600 * 1000;

export interface CatchUpOptions {
  /** The hook's delivery log, newest first. */
  log: AsyncIterable<LoggedDelivery>;
  redeliver: (delivery: LoggedDelivery) => Promise<void>;
  /** Does the store hold this X-GitHub-Delivery? */
  stored: (guid: string) => boolean;
  /** When the newest delivery the store holds from this hook was received (the log is read back to it). */
  newestStored: Date | null;
  /** GUIDs asked for before, by any run (remembered in HOOKCTL_HOME). */
  asked: ReadonlySet<string>;
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

export async function catchUp(options: CatchUpOptions): Promise<CatchUpResult> {
  const result: CatchUpResult = { redelivered: [], lost: [], failed: [], more: 0 };
  const windowStart = options.now.getTime() - REDELIVERY_WINDOW_MS;
  // A minute of slack: clocks differ, and GitHub logs a delivery when it was sent.
  const readBackTo = options.newestStored ? options.newestStored.getTime() - 60_000 : -Infinity;
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
    if (options.stored(d.guid) || options.asked.has(guid)) continue;
    if (at < windowStart) {
      result.lost.push(d);
      continue;
    }
    if (result.redelivered.length + result.failed.length >= (options.maxRedeliveries ?? 100)) {
      result.more++;
      continue;
    }
    try {
      await options.redeliver(d);
      result.redelivered.push(d);
    } catch (err) {
      result.failed.push({ delivery: d, error: (err as Error).message });
    }
  }
  return result;
}
