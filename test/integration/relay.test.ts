/**
 * The relay engine with fake subscribers: each subscriber is a guest. One that throws is told
 * about once, to the others; the client keeps its 200, the delivery is forwarded and recorded,
 * and every other subscriber sees every event. A failure after the answer (the store refusing
 * a verdict, a forward that cannot be recorded) still settles the delivery and is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Relay, type RelayEvent } from '../../src/core/relay/engine.js';
import { openStore } from '../../src/core/store/store.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { postDelivery, samplePayload } from '../helpers/webhook-apps.js';

let dir: string;
let app: CaptureServer;
let relay: Relay | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-relay-'));
  app = await startCaptureServer((_req, res) => res.writeHead(202).end('thanks'));
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startRelay(): Promise<string> {
  relay = new Relay({ store: join(dir, 'd.db'), secrets: [], routes: [{ events: null, url: app.url }], events: null });
  const address = await relay.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${address.port}/`;
}

function settledOf(events: RelayEvent[], count: number): Promise<void> {
  return expect.poll(() => events.filter((e) => e.type === 'settled').length, { timeout: 10_000 }).toBe(count) as unknown as Promise<void>;
}

describe('a subscriber is a guest', () => {
  it('one that throws on every event: the client gets its 200, the forward happens, the others see everything, the failure is told once', async () => {
    const url = await startRelay();
    const before: RelayEvent[] = [];
    const after: RelayEvent[] = [];
    let thrown = 0;
    relay!.subscribe((e) => before.push(e));
    relay!.subscribe(() => {
      thrown += 1;
      throw new Error('renderer broke');
    });
    relay!.subscribe((e) => after.push(e));

    const first = await postDelivery(url, samplePayload({ action: 'edited' }), { event: 'issues' });
    const second = await postDelivery(url, samplePayload(), { event: 'issues' });
    expect([first.status, second.status]).toEqual([200, 200]);
    await settledOf(after, 2);

    // Both forwarded and recorded, whatever the broken subscriber did.
    expect(app.requests).toHaveLength(2);
    const store = openStore(join(dir, 'd.db'));
    try {
      const rows = [...store.iterate()];
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(store.attempts(row.id)).toMatchObject([{ kind: 'forward', status: 202 }]);
    } finally {
      store.close();
    }
    // The subscriber after the broken one saw every event the one before it saw, plus the failure, once.
    const kinds = (events: RelayEvent[]) => events.filter((e) => e.type !== 'failure').map((e) => e.type);
    expect(kinds(after)).toEqual(kinds(before));
    expect(kinds(after)).toEqual(expect.arrayContaining(['delivery', 'forward', 'settled']));
    const failures = after.filter((e) => e.type === 'failure');
    expect(failures).toEqual([{ type: 'failure', stage: 'subscriber', id: expect.any(String), message: 'a subscriber failed on a delivery event: renderer broke' }]);
    expect(before.filter((e) => e.type === 'failure')).toHaveLength(1);
    expect(thrown).toBeGreaterThanOrEqual(6);
  });

  it('a failure after the answer (the schema verdict cannot be recorded) is reported and the delivery still settles', async () => {
    const url = await startRelay();
    const events: RelayEvent[] = [];
    relay!.subscribe((e) => events.push(e));
    // The store refuses the verdict: what a locked or lost store does after the answer.
    const writer = (relay as unknown as { writer: { setSchemaVerdict: () => Promise<void> } }).writer;
    writer.setSchemaVerdict = () => Promise.reject(new Error('disk I/O error'));
    const res = await postDelivery(url, samplePayload(), { event: 'issues' });
    expect(res.status).toBe(200);
    await settledOf(events, 1);
    expect(events.filter((e) => e.type === 'failure')).toEqual([{ type: 'failure', stage: 'schema', id: expect.any(String), message: 'disk I/O error' }]);
    expect(app.requests).toHaveLength(1);
  });
});
