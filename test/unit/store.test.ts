import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANGES_KEPT, openStore, StoreMissingError, type Store } from '../../src/core/store/store.js';
import { openDeliveryWriter } from '../../src/core/store/listen-writer.js';
import { StoreFollower } from '../../src/core/store/follow.js';
import { newDelivery as delivery } from '../helpers/deliveries.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-store-'));
  store = openStore(join(dir, 'nested', 'deliveries.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('store', () => {
  it('keeps exact bytes, headers in order and case, and a short id', () => {
    const body = Buffer.from([0x7b, 0x7d, 0x0a, 0xff, 0x00, 0xe2, 0x82, 0xac]);
    const row = store.insertDelivery(delivery({ body }));
    expect(row.id).toMatch(/^[0-9a-f]{7}$/);
    const back = store.get(row.id)!;
    expect(Buffer.compare(back.body, body)).toBe(0);
    expect(back.bytes).toBe(body.length);
    expect(back.rawHeaders).toEqual(['Host', '127.0.0.1:5000', 'X-GitHub-Event', 'pull_request', 'x-custom', 'Keep Case']);
    expect(back.url).toBe('http://127.0.0.1:5000/webhooks');
    expect(back.attempt).toBe(1);
    expect(back.source).toBe('listen');
  });

  it('numbers redeliveries of one GUID as further attempts', () => {
    const a = store.insertDelivery(delivery());
    const b = store.insertDelivery(delivery());
    const c = store.insertDelivery(delivery({ deliveryId: 'other' }));
    expect([a.attempt, b.attempt, c.attempt]).toEqual([1, 2, 1]);
    expect(store.hasDeliveryGuid('6c1a0f00-0000-4000-8000-000000000001')).toBe(true);
    expect(store.hasDeliveryGuid('nope')).toBe(false);
  });

  it('resolves local ids, GUIDs and prefixes, and lists candidates when ambiguous', () => {
    const a = store.insertDelivery(delivery({ deliveryId: 'aaaa1111-0000' }));
    const a2 = store.insertDelivery(delivery({ deliveryId: 'aaaa1111-0000' }));
    const b = store.insertDelivery(delivery({ deliveryId: 'aaaa2222-0000' }));
    expect(store.resolve(a.id)).toMatchObject({ kind: 'found', delivery: { id: a.id } });
    // A GUID with two attempts resolves to the latest one.
    expect(store.resolve('aaaa1111-0000')).toMatchObject({ kind: 'found', delivery: { id: a2.id } });
    expect(store.resolve('AAAA2')).toMatchObject({ kind: 'found', delivery: { id: b.id } });
    const amb = store.resolve('aaaa');
    expect(amb.kind).toBe('ambiguous');
    if (amb.kind === 'ambiguous') expect(amb.candidates.map((c) => c.id).sort()).toEqual([a2.id, b.id].sort());
    expect(store.resolve('zzzz')).toEqual({ kind: 'none' });
    expect(store.resolve('%')).toEqual({ kind: 'none' });
  });

  it('lists newest first with event, event.action, since and limit filters', () => {
    store.insertDelivery(delivery({ event: 'push', action: null, receivedAt: new Date('2026-11-22T09:00:00Z') }));
    store.insertDelivery(delivery({ action: 'closed', receivedAt: new Date('2026-11-22T10:00:00Z') }));
    store.insertDelivery(delivery({ action: 'opened', receivedAt: new Date('2026-11-22T11:00:00Z') }));
    expect(store.list().map((d) => d.action)).toEqual(['opened', 'closed', null]);
    expect(store.list({ event: 'pull_request' }).length).toBe(2);
    expect(store.list({ event: 'pull_request.closed' }).map((d) => d.action)).toEqual(['closed']);
    expect(store.list({ since: new Date('2026-11-22T09:30:00Z') }).length).toBe(2);
    expect(store.list({ limit: 1 }).map((d) => d.action)).toEqual(['opened']);
    expect(store.stats().deliveries).toBe(3);
  });

  it('iterates in received order across pages, with last N', () => {
    for (let i = 0; i < 250; i++) store.insertDelivery(delivery({ deliveryId: `g${i}`, body: Buffer.from(`{"n":${i}}`) }));
    const all = [...store.iterate()].map((d) => d.body.toString());
    expect(all.length).toBe(250);
    expect(all[0]).toBe('{"n":0}');
    expect(all[249]).toBe('{"n":249}');
    expect([...store.iterate({ last: 3 })].map((d) => d.deliveryId)).toEqual(['g247', 'g248', 'g249']);
    expect(store.count({ last: 3 })).toBe(3);
    expect(store.count()).toBe(250);
    // The connection is free while iterating: attempts can be recorded between rows.
    let n = 0;
    for (const d of store.iterate()) {
      store.recordAttempt(d.id, { kind: 'replay', url: 'http://x/', status: 200, durationMs: 1, error: null });
      n++;
    }
    expect(n).toBe(250);
  });

  it('records forward and replay attempts; the latest forward shows on the row', () => {
    const d = store.insertDelivery(delivery());
    store.recordAttempt(d.id, { kind: 'forward', url: 'http://127.0.0.1:3000/', status: null, durationMs: 3, error: 'nothing is listening' });
    store.recordAttempt(d.id, { kind: 'replay', url: 'http://127.0.0.1:3000/', status: 202, durationMs: 4.4, error: null });
    expect(store.attempts(d.id).map((a) => [a.kind, a.status])).toEqual([
      ['forward', null],
      ['replay', 202],
    ]);
    expect(store.get(d.id)!.forward).toMatchObject({ url: 'http://127.0.0.1:3000/', status: null, error: 'nothing is listening' });
    expect(() => store.recordAttempt('0000000', { kind: 'replay', url: 'x', status: 1, durationMs: 1, error: null })).toThrow(/no stored delivery/);
  });

  it('an attempt reads the same wherever it is read: as recorded, in attempts(), as the latest forward, followed', () => {
    const follower = new StoreFollower({ current: () => store } as never);
    const d = store.insertDelivery(delivery({ body: Buffer.from('{"zen":"hi"}') }));
    const at = new Date('2026-01-01T01:27:35.000Z');
    const forward = store.recordAttempt(d.id, { kind: 'forward', url: 'http://127.0.0.1:3000/', status: 502, durationMs: 3.6, error: null, at, response: 'bad gateway' });
    const edit = store.recordAttempt(d.id, { kind: 'replay', url: 'http://127.0.0.1:3000/', status: 202, durationMs: 4.4, error: null, at, deliveryId: 'new-guid', body: Buffer.from('{}'), resigned: true });
    // A forward sends the stored body: its bytes are the stored body's (told as 0 on record before).
    expect(forward).toEqual({ n: 1, kind: 'forward', url: 'http://127.0.0.1:3000/', status: 502, durationMs: 4, error: null, at: at.toISOString(), deliveryId: null, edited: false, resigned: false, bytes: 12, response: 'bad gateway' });
    expect(edit).toEqual({ n: 2, kind: 'replay', url: 'http://127.0.0.1:3000/', status: 202, durationMs: 4, error: null, at: at.toISOString(), deliveryId: 'new-guid', edited: true, resigned: true, bytes: 2, response: null });
    expect(store.attempts(d.id)).toEqual([forward, edit]);
    expect(store.get(d.id)!.forward).toEqual(forward);
    // Another writer's attempts, as a follower of the file tells them.
    const other = openStore(store.file);
    try {
      const third = other.recordAttempt(d.id, { kind: 'replay', url: 'http://127.0.0.1:3001/', status: null, durationMs: 0, error: 'refused', at });
      expect(third).toMatchObject({ n: 3, bytes: 12, edited: false });
      expect(follower.turn()).toContainEqual({ type: 'attempt', id: d.id, attempt: third });
    } finally {
      other.close();
    }
  });

  it('group-commits concurrent inserts in one transaction and resolves after commit', async () => {
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => store.enqueue(() => store.insertDelivery(delivery({ deliveryId: `c${i}` })))));
    expect(new Set(rows.map((r) => r.id)).size).toBe(50);
    // A second connection sees them all: they are committed.
    const other = openStore(store.file);
    try {
      expect(other.stats().deliveries).toBe(50);
    } finally {
      other.close();
    }
  });

  it('one failing op in a batch does not undo the others', async () => {
    const ok = store.enqueue(() => store.insertDelivery(delivery()));
    const bad = store.enqueue(() => store.recordAttempt('missing', { kind: 'replay', url: 'x', status: 1, durationMs: 1, error: null }));
    await expect(bad).rejects.toThrow(/no stored delivery/);
    await expect(ok).resolves.toMatchObject({ attempt: 1 });
    expect(store.stats().deliveries).toBe(1);
  });

  it('stores imported deliveries with GitHub\'s status and schema verdicts', () => {
    const d = store.insertImported({
      ...delivery(),
      signature: undefined,
      status: 502,
      github: { id: 1234, status: 'Invalid HTTP Response: 502', statusCode: 502, redelivery: false, durationMs: 310, hookId: 9 },
    });
    expect(d).toMatchObject({ source: 'github', signature: 'unchecked', status: 502, github: { id: 1234, statusCode: 502 } });
    store.setSchemaVerdict(d.id, { status: 'invalid', violations: [{ path: '/number', message: 'must be integer' }] });
    expect(store.get(d.id)!.schema).toEqual({ status: 'invalid', violations: [{ path: '/number', message: 'must be integer' }] });
    expect(store.list({ source: 'listen' })).toEqual([]);
  });

  it('listen\'s writer resolves a delivery once it is on disk, and close() settles what still waits', async () => {
    const file = join(dir, 'writer.db');
    const writer = openDeliveryWriter(file);
    const first = await writer.receive(delivery({ deliveryId: 'w-1' }));
    expect(first).toMatchObject({ status: 200, action: 'opened', attempt: 1 });
    // Queued but not yet committed or synced when close() runs: still kept, and resolved.
    const pending = Array.from({ length: 20 }, (_, i) => writer.receive(delivery({ deliveryId: `w-${i + 2}` })));
    writer.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(20);
    const other = openStore(file);
    try {
      expect(other.stats().deliveries).toBe(21);
    } finally {
      other.close();
    }
  });

  it('listen\'s writer syncs the WAL SQLite really uses when the store is a symlink', async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'deliveries.db');
    openStore(target).close();
    const link = join(dir, 'link.db');
    symlinkSync(target, link);
    const writer = openDeliveryWriter(link);
    await expect(writer.receive(delivery())).resolves.toMatchObject({ status: 200 });
    expect(existsSync(`${link}-wal`)).toBe(false);
    writer.close();
  });

  it('listen\'s writer keeps the WAL bounded under steady writes (checkpointed and started over as it goes)', async () => {
    const file = join(dir, 'steady.db');
    const writer = openDeliveryWriter(file);
    // 2,000 deliveries of 48 KiB, 32 in flight: ~100 MB through the WAL, never a pause.
    const body = Buffer.alloc(48 * 1024, 0x61);
    let sent = 0;
    let largestWal = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (sent < 2000) {
        sent += 1;
        await writer.receive(delivery({ deliveryId: `steady-${sent}`, body }));
        largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
      }
    }));
    writer.close();
    // Checkpointed as it went and started over, not left to grow.
    expect(largestWal).toBeLessThan(48 * 1024 * 1024);
    expect(existsSync(`${file}-wal`)).toBe(false);
    const other = openStore(file, { mustExist: true });
    try {
      expect(other.stats().deliveries).toBe(2000);
      expect(Buffer.compare(other.get(other.list({ limit: 1 })[0].id)!.body, body)).toBe(0);
    } finally {
      other.close();
    }
  });

  it('reopens an existing file without re-running migrations', () => {
    store.insertDelivery(delivery());
    store.close();
    store = openStore(join(dir, 'nested', 'deliveries.db'));
    expect(store.stats().deliveries).toBe(1);
  });
});

describe('migrations', () => {
  it('brings a store written by the first hookctl up to date, keeping every byte', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { MIGRATIONS } = await import('../../src/core/store/schema.js');
    const file = join(dir, 'v1.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    const body = Buffer.from([0x7b, 0x7d, 0x00, 0xff]);
    const headers = JSON.stringify(['X-GitHub-Event', 'push', 'X-GitHub-Hook-ID', '4242', 'X-GitHub-Delivery', 'g-1']);
    old
      .prepare(
        `INSERT INTO deliveries (id, delivery_guid, attempt, event, headers, body, bytes, received_at, received_ms, path, signature, status, schema_status, schema_violations)
         VALUES ('abc1234', 'g-1', 1, 'push', ?, ?, ?, '2026-11-22T10:00:00.000Z', 0, '/', 'valid', 200, 'invalid', '[{"path":"/ref","message":"must be string"}]')`,
      )
      .run(headers, body, body.length);
    old.prepare(`INSERT INTO attempts (delivery_seq, kind, url, status, duration_ms, at) VALUES (1, 'forward', 'http://x/', 200, 5, '2026-11-22T10:00:01.000Z')`).run();
    old.close();
    const migrated = openStore(file);
    try {
      const d = migrated.get('abc1234')!;
      expect(Buffer.compare(d.body, body)).toBe(0);
      expect(d).toMatchObject({ hookId: 4242, bytes: 4, bodyBytes: 4, truncated: false, schema: { status: 'invalid', violations: [{ path: '/ref', message: 'must be string' }] } });
      expect(migrated.attempts('abc1234')).toMatchObject([{ n: 1, kind: 'forward', bytes: 4, edited: false, deliveryId: null }]);
      expect(migrated.list({ hookId: 4242 }).map((r) => r.id)).toEqual(['abc1234']);
    } finally {
      migrated.close();
    }
  });

  it('opens a store written by the released hookctl (version 2): rows kept, and followed from then on like any other', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { MIGRATIONS, SCHEMA_VERSION } = await import('../../src/core/store/schema.js');
    const file = join(dir, 'v2.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.pragma('auto_vacuum = INCREMENTAL');
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
    old.pragma('user_version = 2');
    old.prepare(`INSERT INTO deliveries (id, delivery_guid, attempt, event, headers, bytes, body_bytes, received_at, received_ms, path, signature, status)
      VALUES ('abc1234', 'g-1', 1, 'push', '[]', 2, 2, '2026-11-22T10:00:00.000Z', 0, '/', 'valid', 200)`).run();
    old.prepare(`INSERT INTO bodies (seq, body) VALUES (1, '{}')`).run();
    old.prepare(`INSERT INTO attempts (delivery_seq, kind, url, status, duration_ms, at, bytes) VALUES (1, 'forward', 'http://x/', 200, 5, '2026-11-22T10:00:01.000Z', 2)`).run();
    old.close();
    const migrated = openStore(file);
    const writer = openStore(file);
    try {
      expect(migrated.get('abc1234')).toMatchObject({ deliveryId: 'g-1', bytes: 2, forward: { status: 200 } });
      expect(migrated.attempts('abc1234')).toMatchObject([{ n: 1, kind: 'forward' }]);
      const version = new Database(file, { readonly: true });
      expect(version.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      version.close();
      // A row of the released version has no writer: another's, for every follower.
      const follower = new StoreFollower({ current: () => migrated });
      const added = writer.insertDelivery(delivery({ deliveryId: 'g-2' }));
      writer.remove(['abc1234']);
      expect(follower.turn()).toEqual([{ type: 'delivery', delivery: expect.objectContaining({ id: added.id }) }, { type: 'removed', id: 'abc1234' }]);
    } finally {
      writer.close();
      migrated.close();
    }
  });
});

describe('opening', () => {
  it('a reading command\'s store must exist: refused, naming it, with nothing created (not even its folder)', () => {
    const missing = join(dir, 'not', 'there.db');
    let error: unknown;
    try {
      openStore(missing, { mustExist: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreMissingError);
    expect(error).toMatchObject({ exitCode: 2, message: `no deliveries stored yet: ${missing} does not exist` });
    expect(existsSync(join(dir, 'not'))).toBe(false);
  });
});

describe('the change log', () => {
  it('keeps removals and verdicts with their writer, trimmed to the newest CHANGES_KEPT', async () => {
    const ids = await store.enqueue(() => Array.from({ length: CHANGES_KEPT + 50 }, (_, i) => store.insertDelivery(delivery({ deliveryId: `g${i}` })).id));
    store.setSchemaVerdict(ids[0], { status: 'valid', violations: [] });
    store.remove(ids.slice(1, 3));
    const Database = (await import('better-sqlite3')).default;
    const reader = new Database(store.file, { readonly: true });
    try {
      const rows = () => reader.prepare('SELECT kind, delivery_id AS id, writer FROM changes ORDER BY seq').all() as { kind: string; id: string; writer: string }[];
      expect(rows()).toEqual([
        { kind: 'schema', id: ids[0], writer: store.writerId },
        { kind: 'removed', id: ids[1], writer: store.writerId },
        { kind: 'removed', id: ids[2], writer: store.writerId },
      ]);
      store.prune({ keep: 0 });
      const kept = rows();
      expect(kept).toHaveLength(CHANGES_KEPT);
      expect(kept.at(-1)).toEqual({ kind: 'removed', id: ids.at(-1), writer: store.writerId });
    } finally {
      reader.close();
    }
  });
});

describe('summariesAfter', () => {
  it('reads every row after a row number, oldest first, across pages, filtered', async () => {
    await store.enqueue(() => {
      for (let i = 0; i < 250; i++) store.insertDelivery(delivery({ deliveryId: `g${i}`, event: i % 2 ? 'push' : 'issues' }));
    });
    const after = [...store.summariesAfter({ event: 'push' }, 20)].map((d) => d.deliveryId);
    expect(after).toEqual(Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 2 && i + 1 > 20).map((i) => `g${i}`));
  });
});

