/**
 * The inspector's store backend over a real store: a delivery's siblings (its redeliveries),
 * and live events inside `listen`, where two sources tell of the same rows (the relay, and
 * following the store) in either order; each delivery and attempt is told once. listen's
 * relay tells a delivery only after the WAL's fdatasync, while another connection already
 * sees the committed row: following the store often comes first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createStoreBackend, type StoreBackend } from '../../src/core/inspector/store-backend.js';
import { InspectorError, type InspectorEvent } from '../../src/core/inspector/backend.js';
import type { RelayEvent } from '../../src/core/relay/engine.js';
import { openStore, type Store } from '../../src/core/store/store.js';
import type { StoredDelivery } from '../../src/core/store/types.js';
import { newDelivery } from '../helpers/deliveries.js';
import { formBody } from '../../src/core/webhook/headers.js';
import { startCaptureServer } from '../helpers/capture-server.js';

let dir: string;
let writer: Store;
let backend: StoreBackend;
const relayListeners = new Set<(event: RelayEvent) => void>();
const relay = {
  subscribe(listener: (event: RelayEvent) => void) {
    relayListeners.add(listener);
    return () => relayListeners.delete(listener);
  },
};
const tell = (event: RelayEvent) => relayListeners.forEach((listener) => listener(event));
const told = (delivery: StoredDelivery): RelayEvent => ({ type: 'delivery', delivery, received: {} as never, matches: true });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-live-'));
  const file = join(dir, 'deliveries.db');
  writer = openStore(file);
  backend = createStoreBackend({ store: file, version: 'test', relay, followMs: 10 });
});

afterEach(() => {
  backend.close();
  writer.close();
  relayListeners.clear();
  rmSync(dir, { recursive: true, force: true });
});

it('tells each delivery and each attempt once, whether the relay or the store tells first', async () => {
  const events: InspectorEvent[] = [];
  const stop = backend.subscribe((event) => events.push(event));
  const key = (event: InspectorEvent) => (event.type === 'attempt' ? `attempt:${event.id}:${event.attempt.n}` : `${event.type}:${'delivery' in event ? event.delivery.id : event.id}`);

  // The store first (committed, the relay still waits for the sync), then the relay.
  const seen = (wanted: string) => () => events.some((event) => key(event) === wanted);
  const first = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
  await until(seen(`delivery:${first.id}`));
  tell(told(first));
  // The relay first, then the store.
  const second = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
  tell(told(second));
  // A forward attempt, store first, then the relay; another, relay first.
  const forward = writer.recordAttempt(first.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 200, durationMs: 3, error: null });
  await until(seen(`attempt:${first.id}:1`));
  tell({ type: 'forward', id: first.id, attempt: forward });
  const again = writer.recordAttempt(second.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 502, durationMs: 4, error: null });
  tell({ type: 'forward', id: second.id, attempt: again });
  // Another process's delivery: only the store tells it.
  const elsewhere = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
  await until(seen(`delivery:${elsewhere.id}`));
  await sleep(80); // several turns of following the store

  stop();
  expect(events.filter((event) => event.type === 'delivery' || event.type === 'attempt').map(key)).toEqual([
    `delivery:${first.id}`,
    `delivery:${second.id}`,
    `attempt:${first.id}:1`,
    `attempt:${second.id}:1`,
    `delivery:${elsewhere.id}`,
  ]);
});

it('names a delivery\'s siblings: the other attempts of its X-GitHub-Delivery, oldest first, never itself', async () => {
  const guid = randomUUID();
  const first = writer.insertDelivery(newDelivery({ deliveryId: guid }));
  const alone = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
  const second = writer.insertDelivery(newDelivery({ deliveryId: guid }));
  const third = writer.insertDelivery(newDelivery({ deliveryId: guid }));
  const noGuid = writer.insertDelivery(newDelivery({ deliveryId: null }));
  expect((await backend.get(alone.id))!.siblings).toEqual([]);
  expect((await backend.get(noGuid.id))!.siblings).toEqual([]);
  expect((await backend.get(first.id))!.siblings).toEqual([second.id, third.id]);
  expect((await backend.get(second.id))!.siblings).toEqual([first.id, third.id]);
  expect((await backend.get(third.id))).toMatchObject({ attempt: 3, siblings: [first.id, second.id] });
});

it('over a store another process writes (hookctl inspect): a row tells its forward, its schema verdict and its replays as they come', async () => {
  const events: InspectorEvent[] = [];
  const stop = backend.subscribe((event) => events.push(event));
  const target = await startCaptureServer();
  try {
    const stored = writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), schema: null }));
    const of = (type: string) => events.filter((event) => event.type === type && ('delivery' in event ? event.delivery.id : event.id) === stored.id);
    await until(() => of('delivery').length === 1);
    expect(of('delivery')[0]).toMatchObject({ delivery: { forward: null, schema: null, replayCount: 0 } });

    // The other listener forwards it, then records its schema verdict.
    writer.recordAttempt(stored.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 502, durationMs: 3, error: null });
    await until(() => of('updated').length === 1);
    expect(of('attempt')).toHaveLength(1);
    expect(of('updated')[0]).toMatchObject({ delivery: { forward: { url: 'http://127.0.0.1:9/app', status: 502 }, schema: null } });
    writer.setSchemaVerdict(stored.id, { status: 'invalid', violations: [{ path: '/number', message: 'must be integer' }] });
    await until(() => of('updated').length === 2);
    expect(of('updated')[1]).toMatchObject({ delivery: { schema: { status: 'invalid' }, forward: { status: 502 } } });

    // A replay from the page: its attempt, and the row's replay count.
    await backend.replay(stored.id, { to: target.url, resign: false });
    await until(() => of('updated').length === 3);
    expect(of('attempt')).toHaveLength(2);
    expect(of('updated')[2]).toMatchObject({ delivery: { replayCount: 1 } });
    // A replay by another process (`hookctl replay`).
    writer.recordAttempt(stored.id, { kind: 'replay', url: target.url, status: 200, durationMs: 3, error: null });
    await until(() => of('updated').length === 4);
    expect(of('updated')[3]).toMatchObject({ delivery: { replayCount: 2 } });
    await sleep(80);
    expect(of('attempt')).toHaveLength(3);
    expect(of('updated')).toHaveLength(4);
  } finally {
    stop();
    await target.close();
  }
});

it('tells a burst of rows in one turn of following the store, not 200 a turn', async () => {
  await backend.close();
  backend = createStoreBackend({ store: writer.file, version: 'test', relay, followMs: 150 });
  const events: InspectorEvent[] = [];
  const stop = backend.subscribe((event) => events.push(event));
  // More than one page of rows arrives between two turns (a listener at ~1,500 deliveries/s
  // writes 300 a turn): all are told at the next turn, so following never falls behind.
  await writer.enqueue(() => {
    for (let i = 0; i < 1000; i += 1) {
      const stored = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
      writer.recordAttempt(stored.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 200, durationMs: 1, error: null });
    }
  });
  await until(() => events.length > 0);
  await sleep(40); // well within the same turn
  stop();
  expect(events.filter((event) => event.type === 'delivery')).toHaveLength(1000);
  expect(events.filter((event) => event.type === 'attempt')).toHaveLength(1000);
});

it('refuses to replay a rejected delivery kept only in part (409), edited or not', async () => {
  const stored = writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), body: Buffer.alloc(1024, 0x61), bodyBytes: 4096, signature: 'invalid', status: 401 }));
  for (const request of [{ to: 'http://127.0.0.1:9/app' }, { to: 'http://127.0.0.1:9/app', payload: '{"a":1}' }]) {
    const err = await backend.replay(stored.id, request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect(err).toMatchObject({ status: 409, message: expect.stringMatching(/only the first 1,024 of its 4,096 bytes were kept/) });
  }
  expect(writer.get(stored.id)!.body).toEqual(Buffer.alloc(1024, 0x61));
});

it('deletes while another process holds the write lock: it waits, then deletes (no 500)', async () => {
  const stored = writer.insertDelivery(newDelivery({ deliveryId: randomUUID() }));
  const other = new Database(join(dir, 'deliveries.db'));
  other.exec('BEGIN IMMEDIATE');
  const removing = backend.remove(stored.id);
  let settled = false;
  void removing.finally(() => (settled = true));
  await sleep(300);
  expect(settled).toBe(false);
  other.exec('ROLLBACK');
  other.close();
  await expect(removing).resolves.toBe(true);
  expect(writer.get(stored.id)).toBeUndefined();
});

describe('payload search', () => {
  /** 3,000 deliveries of ~6 KB; every 100th has the needle in its payload. */
  async function fill(): Promise<string[]> {
    const padding = 'x'.repeat(6000);
    const withNeedle: string[] = [];
    await writer.enqueue(() => {
      for (let i = 0; i < 3000; i += 1) {
        const needle = i % 100 === 7;
        const body = Buffer.from(JSON.stringify({ action: 'opened', issue: { title: needle ? `crash in Needle-Module ${i}` : `issue ${i}` }, padding }));
        const stored = writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), body }));
        if (needle) withNeedle.push(stored.id);
      }
    });
    return withNeedle.reverse();
  }

  it('finds every match, newest first, across its budgeted pages', async () => {
    const expected = await fill();
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages += 1) {
      const page = await backend.list({ q: 'needle-module', limit: 7, cursor });
      ids.push(...page.deliveries.map((d) => d.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(ids).toEqual(expected);
  });

  it('finds text with spaces, quotes and colons in a form body too (payload=%7B%22…, as GitHub encodes it)', async () => {
    const json = JSON.stringify({ action: 'opened', issue: { title: 'Crash: null pointer & more' } });
    const ids = await writer.enqueue(() => [
      writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), body: formBody(json) })).id,
      writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), body: Buffer.from(json) })).id,
      writer.insertDelivery(newDelivery({ deliveryId: randomUUID(), body: Buffer.from('{"action":"opened","issue":{"title":"crash"}}') })).id,
    ]);
    expect(formBody(json).toString()).toContain('%22Crash%3A+null+pointer+%26+more%22');
    for (const q of ['crash: NULL pointer &', '"title":"crash:']) {
      const page = await backend.list({ q, limit: 10 });
      expect(page.deliveries.map((d) => d.id), q).toEqual([ids[1], ids[0]]);
    }
  });

  it('lets the event loop run while it scans (inside listen, the receiver goes on answering)', async () => {
    await fill();
    let turns = 0;
    let longest = 0;
    let last = performance.now();
    let scanning = true;
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      turns += 1;
      if (scanning) setImmediate(tick);
    };
    setImmediate(tick);
    const page = await backend.list({ q: 'text-no-payload-has' });
    scanning = false;
    expect(page.deliveries).toEqual([]);
    expect(turns, `the event loop ran ${turns} times during the search`).toBeGreaterThan(3);
    console.log(`payload search: the event loop ran ${turns} times, the longest wait ${longest.toFixed(0)} ms`);
  });
});
