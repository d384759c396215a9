/**
 * listen's writer commits without fsync (synchronous=NORMAL) and fdatasyncs the WAL itself:
 * a delivery must not resolve (listen must not answer 200) before that fdatasync returned,
 * and a failed fdatasync must reject (503), never resolve.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newDelivery } from '../helpers/deliveries.js';

// Every fdatasync waits here until the test lets it return.
const syncs: { fd: number; done: (err: Error | null) => void }[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasync = (fd: number, cb: (err: Error | null) => void) => syncs.push({ fd, done: cb });
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const { openDeliveryWriter } = await import('../../src/core/store/listen-writer.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-sync-'));
  syncs.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
});

