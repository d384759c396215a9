/** Catch-up's choices over a delivery log (core/github/catch-up.ts): what is asked for, when again, and what is reported. */
import { describe, expect, it } from 'vitest';
import { ASK_AGAIN_AFTER_MS, catchUp, MAX_ASKS, type AskedRedelivery, type CatchUpOptions } from '../../src/core/github/catch-up.js';
import type { LoggedDelivery } from '../../src/core/github/delivery-log.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function logged(n: number, at: number, extra: Partial<LoggedDelivery> = {}): LoggedDelivery {
  return {
    id: n,
    guid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    delivered_at: iso(at),
    redelivery: false,
    duration: 0.1,
    status: 'Invalid HTTP Response: 502',
    status_code: 502,
    event: 'push',
    action: null,
    installation_id: null,
    repository_id: 1,
    ...extra,
  };
}

/** A hook's log, a store and hookctl's memory of what it asked, across runs. */
class World {
  log: LoggedDelivery[] = [];
  stored = new Set<string>();
  asked = new Map<string, AskedRedelivery>();
  requests: string[] = [];
  failAsk = new Set<string>();

  async run(now: number, options: Partial<CatchUpOptions> = {}) {
    const newest = [...this.log].filter((d) => this.stored.has(d.guid)).sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at))[0];
    const log = [...this.log].sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at));
    return catchUp({
      log: (async function* () { yield* log; })(),
      redeliver: async (d) => {
        this.requests.push(d.guid);
        if (this.failAsk.has(d.guid)) throw new Error('GitHub answered 500');
      },
      stored: (guid) => this.stored.has(guid),
      newestStored: newest ? new Date(newest.delivered_at) : null,
      asked: new Map(this.asked),
      remember: (guid, entry) => this.asked.set(guid, entry),
      now: new Date(now),
      ...options,
    });
  }

  /** GitHub redelivers: the attempt is logged, and stored when it arrived. */
  redelivered(guid: string, at: number, arrived: boolean) {
    const original = this.log.find((d) => d.guid === guid)!;
    this.log.push({ ...original, id: this.log.length + 1000, delivered_at: iso(at), redelivery: true, status_code: arrived ? 200 : 502, status: arrived ? 'OK' : 'Invalid HTTP Response: 502' });
    if (arrived) this.stored.add(guid);
  }
}

describe('catch-up', () => {
  it('asks once for each missing delivery in the window, reports older ones lost, and asks nothing on a second run', async () => {
    const w = new World();
    // Nothing from this hook stored yet: the whole log is read.
    w.log.push(logged(1, T0 - 4 * 24 * 3600_000), logged(2, T0 - 3600_000), logged(4, T0 - 60_000));
    const first = await w.run(T0);
    expect(first.redelivered.map((d) => d.id)).toEqual([4, 2]);
    expect(first.lost.map((d) => d.id)).toEqual([1]);
    expect([...w.asked.values()].map((e) => e.times)).toEqual([1, 1]);
    const second = await w.run(T0 + 1000);
    expect(second.redelivered).toEqual([]);
    expect(w.requests).toHaveLength(2);
  });

  it('what it left for later is asked for by the next catch-up, even after its own redeliveries are stored', async () => {
    const w = new World();
    for (let i = 1; i <= 150; i += 1) w.log.push(logged(i, T0 - 2 * 3600_000 + i * 1000));
    const first = await w.run(T0);
    expect(first.redelivered).toHaveLength(100);
    expect(first.more).toBe(50);
    // The 100 arrive: the newest stored delivery is now the log's newest.
    for (const d of first.redelivered) w.redelivered(d.guid, T0 + 10_000, true);
    const second = await w.run(T0 + 60_000);
    expect(second.redelivered.map((d) => d.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(second.more).toBe(0);
    expect(new Set(w.requests).size).toBe(w.requests.length);
  });

  it('a redelivery that did not arrive is asked for again (GitHub logged it failed, or it is overdue), at most MAX_ASKS times', async () => {
    const w = new World();
    w.log.push(logged(1, T0 - 3600_000), logged(2, T0 - 3500_000), logged(3, T0 - 3700_000, { status_code: 200, status: 'OK' }));
    w.stored.add(w.log[2].guid); // the newest stored is older than both: the log is read back to it
    await w.run(T0);
    expect(w.requests.map((g) => g.slice(-1))).toEqual(['2', '1']);
    // 1: GitHub logs its redelivery as failed (the tunnel died). 2: nothing logged yet.
    w.redelivered(w.log[0].guid, T0 + 5000, false);
    const soon = await w.run(T0 + 30_000);
    const ids = (ds: LoggedDelivery[]) => ds.map((d) => Number(d.guid.slice(-12)));
    expect(ids(soon.redelivered)).toEqual([1]);
    // 2 is overdue after ASK_AGAIN_AFTER_MS; 1 was just asked again and is in flight.
    const later = await w.run(T0 + 30_000 + ASK_AGAIN_AFTER_MS);
    expect(ids(later.redelivered)).toEqual([1, 2]);
    expect(w.asked.get(w.log[0].guid)!.times).toBe(MAX_ASKS);
    // Asked MAX_ASKS times and still missing: reported, not asked again.
    const last = await w.run(T0 + 60_000 + 2 * ASK_AGAIN_AFTER_MS);
    expect(ids(last.redelivered)).toEqual([2]);
    expect(last.failed.map((f) => [f.delivery.guid.slice(-1), f.error])).toEqual([['1', 'asked 3 times, never received (GitHub\'s last redelivery: 502)']]);
    expect(w.requests.filter((g) => g.endsWith('1'))).toHaveLength(MAX_ASKS);
  });

  it('a GitHub error while asking is a failure now and is tried again later', async () => {
    const w = new World();
    w.log.push(logged(1, T0 - 3600_000));
    w.failAsk.add(w.log[0].guid);
    const first = await w.run(T0);
    expect(first.failed.map((f) => f.error)).toEqual(['GitHub answered 500']);
    w.failAsk.clear();
    expect((await w.run(T0 + 1000)).redelivered).toEqual([]);
    expect((await w.run(T0 + ASK_AGAIN_AFTER_MS)).redelivered.map((d) => d.id)).toEqual([1]);
  });

  it('remembers a GUID before asking for it, so a run killed mid-catch-up never asks twice', async () => {
    const w = new World();
    w.log.push(logged(1, T0 - 3600_000));
    let rememberedFirst = false;
    await w.run(T0, {
      redeliver: async () => {
        rememberedFirst = w.asked.has(w.log[0].guid);
      },
    });
    expect(rememberedFirst).toBe(true);
  });
});
