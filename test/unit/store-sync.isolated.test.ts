/**
 * listen's writer commits without fsync (synchronous=NORMAL) and fdatasyncs the WAL itself:
 * a delivery must not resolve (listen must not answer 200) before that fdatasync returned,
 * and a failed fdatasync must reject (503), never resolve. listen forwards a delivery once it
 * is committed, while that fdatasync runs: the app may see it first (at least once), the
 * sender's 200 still waits for the sync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { newDelivery } from '../helpers/deliveries.js';
import { postDelivery, samplePayload } from '../helpers/webhook-apps.js';

// Every fdatasync waits here until the test lets it return (or, once `syncAtOnce`, returns next turn).
const syncs: { fd: number; done: (err: Error | null) => void }[] = [];
let syncAtOnce = false;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasync = (fd: number, cb: (err: Error | null) => void) => (syncAtOnce ? setImmediate(() => cb(null)) : syncs.push({ fd, done: cb }));
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const { openDeliveryWriter } = await import('../../src/core/store/listen-writer.js');
const { Relay } = await import('../../src/core/relay/engine.js');

let dir: string;
let relay: InstanceType<typeof Relay> | undefined;
let app: CaptureServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-sync-'));
  syncs.length = 0;
  syncAtOnce = false;
});
afterEach(async () => {
  // A sync still held is settled by close() (fdatasyncSync); later ones return at once.
  syncAtOnce = true;
  await relay?.stop();
  await app?.close();
  relay = undefined;
  app = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function received(id: string) {
  return newDelivery({ deliveryId: id });
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('listen\'s writer', () => {
  it('resolves a delivery only after the WAL\'s fdatasync returned; batches committed meanwhile wait for the next one', async () => {
    const writer = openDeliveryWriter(join(dir, 'd.db'));
    let first = false;
    const a = writer.receive(received('a')).then(() => (first = true));
    await tick();
    expect(syncs).toHaveLength(1);
    expect(first).toBe(false);
    // Committed while the first sync runs: not covered by it.
    let second = false;
    const b = writer.receive(received('b')).then(() => (second = true));
    await tick();
    expect(syncs).toHaveLength(1);
    syncs[0].done(null);
    await a;
    await tick();
    expect(second).toBe(false);
    expect(syncs).toHaveLength(2);
    syncs[1].done(null);
    await b;
    expect(second).toBe(true);
    writer.close();
  });

  it('rejects (so listen answers 503) when the fdatasync fails', async () => {
    const writer = openDeliveryWriter(join(dir, 'd.db'));
    const p = writer.receive(received('c'));
    await tick();
    syncs[0].done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(p).rejects.toThrow(/cannot write to the delivery store .*EIO/);
    writer.close();
  });

  it('closed while an fdatasync runs: close() settles the batch once; the late fdatasync settles nothing again', async () => {
    const writer = openDeliveryWriter(join(dir, 'd.db'));
    let settled = 0;
    const p = writer.receive(received('d')).then(() => (settled += 1));
    await tick();
    expect(syncs).toHaveLength(1);
    writer.close();
    await p;
    // The file is closed: settling again would check a closed descriptor (EBADF).
    expect(() => syncs[0].done(null)).not.toThrow();
    await tick();
    expect(settled).toBe(1);
  });

  it('tells onCommitted of the row once it is committed, before the fdatasync returned; the promise still waits for it', async () => {
    const writer = openDeliveryWriter(join(dir, 'd.db'));
    const committed: string[] = [];
    let resolved = false;
    const p = writer.receive(received('e'), (stored) => committed.push(stored.deliveryId!)).then(() => (resolved = true));
    await tick();
    expect(committed).toEqual(['e']);
    expect(syncs).toHaveLength(1);
    expect(resolved).toBe(false);
    syncs[0].done(null);
    await p;
    expect(resolved).toBe(true);
    writer.close();
  });
});

describe('listen forwards once a delivery is committed', () => {
  async function startRelay(): Promise<string> {
    app = await startCaptureServer((_req, res) => res.end('ok'));
    relay = new Relay({ store: join(dir, 'd.db'), secrets: [], routes: [{ events: null, url: app.url }], events: null });
    const { port } = await relay.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${port}/`;
  }

  it('the app gets the delivery while the WAL\'s fdatasync runs; the sender\'s 200 waits for that sync; the forward is recorded after the answer', async () => {
    const url = await startRelay();
    const events: string[] = [];
    relay!.subscribe((e) => events.push(e.type));
    let answered = false;
    const answer = postDelivery(url, samplePayload(), { event: 'issues', deliveryId: 'early-1' }).then((r) => ((answered = true), r));
    await expect.poll(() => app!.requests.length, { timeout: 10_000 }).toBe(1);
    expect(app!.requests[0].headers['x-github-delivery']).toBe('early-1');
    // Forwarded, not answered: the sync that covers its row has not returned.
    expect(syncs).toHaveLength(1);
    expect(answered).toBe(false);
    expect(events).toEqual([]);
    syncAtOnce = true;
    syncs[0].done(null);
    expect((await answer).status).toBe(200);
    await expect.poll(() => events.filter((e) => e !== 'schema'), { timeout: 10_000 }).toEqual(['delivery', 'forward', 'settled']);
    expect(relay!.totals).toMatchObject({ accepted: 1, forwarded: 1 });
  });

  it('a failed fdatasync: the sender gets a 503 (and sends again) though the app already had it; nothing is told as kept', async () => {
    const url = await startRelay();
    const events: string[] = [];
    relay!.subscribe((e) => events.push(e.type));
    const answer = postDelivery(url, samplePayload(), { event: 'issues', deliveryId: 'early-2' });
    await expect.poll(() => app!.requests.length, { timeout: 10_000 }).toBe(1);
    syncs[0].done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    expect((await answer).status).toBe(503);
    expect(events).toEqual(['refused']);
    expect(relay!.totals).toMatchObject({ accepted: 0, forwarded: 0 });
  });
});
