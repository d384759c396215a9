/** The receiver on its own: 503 when the store cannot be written, streaming 413, slow clients, many connections, bodies held at once. */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReceiver, type Receiver } from '../../src/core/relay/receiver.js';
import { openStore, type Store } from '../../src/core/store/store.js';
import { postDelivery, samplePayload } from '../helpers/webhook-apps.js';

let dir: string;
let receiver: Receiver | undefined;
let store: Store | undefined;
let base: string;

function storeSink(s: Store) {
  return (d: Parameters<Parameters<typeof createReceiver>[0]['sink']>[0]) => s.enqueue(() => s.insertDelivery(d));
}

async function startWith(options: Partial<Parameters<typeof createReceiver>[0]> & { store?: Store }): Promise<void> {
  const s = options.store;
  receiver = createReceiver({ sink: s ? storeSink(s) : async () => ({ id: 'abcdef0', attempt: 1 }), ...options });
  const addr = await receiver.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${addr.port}/`;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-receiver-'));
});
afterEach(async () => {
  await receiver?.close();
  store?.close();
  receiver = undefined;
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('receiver', () => {
  it('answers 503 (never 200) when the store cannot be written, and 200 again once it can', async () => {
    const file = join(dir, 'd.db');
    store = openStore(file, { busyTimeoutMs: 50 });
    await startWith({ store, secrets: ['s'] });
    // Another process holds the write lock.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const res = await postDelivery(base, samplePayload(), { secret: 's' });
    expect(res.status).toBe(503);
    other.exec('ROLLBACK');
    other.close();
    expect(store.stats().deliveries).toBe(0);
    expect((await postDelivery(base, samplePayload(), { secret: 's' })).status).toBe(200);
    expect(store.stats().deliveries).toBe(1);
  });

  it('answers 413 while streaming a chunked body past the cap', async () => {
    await startWith({ maxBodyBytes: 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(base, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 0x20));
    });
    expect(status).toBe(413);
  });

  it('accepts a body of exactly the cap', async () => {
    await startWith({ maxBodyBytes: 1024 });
    const body = `{"a":"${'x'.repeat(1024 - 8)}"}`;
    expect(Buffer.byteLength(body)).toBe(1024);
    expect((await postDelivery(base, body, {})).status).toBe(200);
  });

  it('drops a client that stalls in the middle of its headers', async () => {
    await startWith({ headersTimeoutMs: 300, requestTimeoutMs: 300 });
    const port = Number(new URL(base).port);
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('POST / HTTP/1.1\r\nHost: x\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(closed).toMatch(/^HTTP\/1.1 408 /);
  });

  it('handles 200 concurrent deliveries, each committed before its 200', async () => {
    // Commits wait 30 ms for company: a 200 sent before its commit would reach the client first.
    const s = openStore(join(dir, 'd.db'), { groupCommitDelayMs: 30 });
    store = s;
    await startWith({ store: s, secrets: ['s'] });
    // At the moment each 200 reaches the client, its row must already be in the store.
    const inStoreAtAnswer = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const deliveryId = `commit-order-${i}`;
        const res = await postDelivery(base, samplePayload({ n: i }), { secret: 's', deliveryId });
        return { status: res.status, stored: s.hasDeliveryGuid(deliveryId) };
      }),
    );
    expect(inStoreAtAnswer.filter((r) => r.status !== 200)).toEqual([]);
    expect(inStoreAtAnswer.filter((r) => !r.stored)).toEqual([]);
    expect(s.stats().deliveries).toBe(200);
  });
  it('holds at most its budget of bodies at once: more concurrent big bodies wait their turn unread (not refused) and are all answered 200', async () => {
    const MiB = 1024 * 1024;
    // Each body is just under 1 MiB, so three fit the 3 MiB budget.
    const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(MiB - 100) }));
    const waiting: (() => void)[] = [];
    let calls = 0;
    let released = 0;
    /** Sink calls that came while three bodies were already held (none may). */
    const over: number[] = [];
    await startWith({
      bodyBudgetBytes: 3 * MiB,
      sink: (d) => {
        calls++;
        if (calls > released + 3) over.push(calls);
        expect(d.body.equals(body)).toBe(true);
        return new Promise((resolve) => waiting.push(() => resolve({ id: 'abcdef0', attempt: 1 })));
      },
    });
    const posts = Array.from({ length: 10 }, (_, i) => postDelivery(base, body, { deliveryId: `big-${i}` }));
    await expect.poll(() => waiting.length).toBe(3);
    // Storing one lets exactly one more in.
    while (released < 10) {
      await expect.poll(() => waiting.length).toBeGreaterThan(0);
      released++;
      waiting.shift()!();
    }
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(calls).toBe(10);
    expect(over).toEqual([]);
  });
});
