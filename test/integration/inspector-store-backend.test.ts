/**
 * The inspector's store backend over a real store. Live events, one feed per fact: inside
 * `listen` the relay tells its deliveries, forwards and verdicts, the backend what it does
 * itself, and following the store only what other processes wrote; in `hookctl inspect`
 * following the store tells everything others write, removals and late verdicts included.
 * The follower is turned by hand here (its `follow` option), a turn at a time. Then filters
 * (one predicate for the list, the stream and the CLI), payload search, cursors, siblings.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createStoreBackend, type StoreBackend, type StoreBackendOptions } from '../../src/core/inspector/store-backend.js';
import type { InspectorEvent, StreamQuery } from '../../src/core/inspector/backend.js';
import { ConflictError, httpStatusOf, UsageError } from '../../src/errors.js';
import type { RelayEvent } from '../../src/core/relay/engine.js';
import { CHANGES_KEPT, followPath, openStore, type Store, type StoreHandle } from '../../src/core/store/store.js';
import { openDeliveryWriter, type DeliveryWriter } from '../../src/core/store/listen-writer.js';
import { FOLLOW_LIMIT } from '../../src/core/store/follow.js';
import { GroupCommit } from '../../src/core/store/writer.js';
import type { NewDelivery, StoredDelivery } from '../../src/core/store/types.js';
import { newDelivery } from '../helpers/deliveries.js';
import { formBody } from '../../src/core/webhook/headers.js';
import { startCaptureServer } from '../helpers/capture-server.js';
import { runInProcess } from '../helpers/in-process.js';

let dir: string;
let file: string;
/** Another process writing the same store (another listener, `hookctl replay`, `deliveries rm`). */
let other: Store;
let backend: StoreBackend;
let closers: (() => void | Promise<void>)[];
/** One turn of the backend's store follower (it runs only while someone is subscribed). */
let turn: () => void;
const relayListeners = new Set<(event: RelayEvent) => void>();
const relay = {
  subscribe(listener: (event: RelayEvent) => void) {
    relayListeners.add(listener);
    return () => relayListeners.delete(listener);
  },
};
const tell = (event: RelayEvent) => relayListeners.forEach((listener) => listener(event));
const told = (delivery: StoredDelivery): RelayEvent => ({ type: 'delivery', delivery, received: {} as never, matches: true });

function startBackend(store: StoreHandle, options: Partial<StoreBackendOptions> = {}): StoreBackend {
  backend = createStoreBackend({
    store,
    version: 'test',
    follow: (next) => {
      turn = next;
      return () => (turn = () => expect.unreachable('the follower turned while nobody listened'));
    },
    ...options,
  });
  closers.push(() => backend.close());
  return backend;
}

/** `hookctl inspect`: a reader following the store's path, waiting for another process's lock from the event loop. */
function inspectBackend(): StoreBackend {
  const handle = followPath(openStore(file, { mustExist: true, waitForLock: 'event-loop' }), { waitForLock: 'event-loop' });
  closers.push(() => handle.close());
  return startBackend(handle);
}

/** Inside `listen`: the relay's writer, whose connection the backend shares. */
function listenBackend(): { writer: DeliveryWriter; backend: StoreBackend } {
  const writer = openDeliveryWriter(file);
  closers.push(() => writer.close());
  return { writer, backend: startBackend(writer, { relay }) };
}

function subscribe(query?: StreamQuery): InspectorEvent[] {
  const events: InspectorEvent[] = [];
  closers.push(backend.subscribe((event) => events.push(event), query));
  return events;
}

const key = (event: InspectorEvent) => (event.type === 'reset' ? 'reset' : `${event.type}:${'delivery' in event ? event.delivery.id : event.id}`);
const keep = (over: Partial<NewDelivery> = {}) => other.insertDelivery(newDelivery({ deliveryId: randomUUID(), ...over }));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-live-'));
  file = join(dir, 'deliveries.db');
  other = openStore(file);
  closers = [];
  turn = () => expect.unreachable('no subscriber: the follower is not running');
});

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  other.close();
  relayListeners.clear();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('inside listen: one feed per fact', () => {
  it('the relay tells its deliveries, forwards and verdicts, the backend its replays and deletions, following the store nothing of theirs: each once', async () => {
    const { writer } = listenBackend();
    const events = subscribe();
    const target = await startCaptureServer();
    closers.push(() => target.close());

    const d = await writer.receive(newDelivery({ deliveryId: randomUUID(), schema: null }));
    turn();
    tell(told(d));
    const forward = await writer.recordAttempt(d.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 200, durationMs: 3, error: null });
    turn();
    tell({ type: 'forward', id: d.id, attempt: forward });
    await writer.setSchemaVerdict(d.id, { status: 'invalid', violations: [{ path: '/x', message: 'must be string' }] });
    turn();
    tell({ type: 'settled', delivery: { ...d, schema: { status: 'invalid', violations: [] }, forward }, forwards: [forward], matches: true });
    turn();
    await backend.replay(d.id, { to: target.url, resign: false });
    turn();
    expect(await backend.remove(d.id)).toBe(true);
    turn();

    expect(events.map(key)).toEqual([`delivery:${d.id}`, `attempt:${d.id}`, `updated:${d.id}`, `attempt:${d.id}`, `updated:${d.id}`, `removed:${d.id}`]);
    expect(events[2]).toMatchObject({ delivery: { forward: { status: 200 }, schema: { status: 'invalid' } } });
    expect(events[4]).toMatchObject({ delivery: { replayCount: 1 } });
  });

  it('what another process writes to the same store comes from following it: another listener\'s delivery, `hookctl replay`, `deliveries rm`', async () => {
    const { writer } = listenBackend();
    const events = subscribe();
    const mine = await writer.receive(newDelivery({ deliveryId: randomUUID() }));
    const theirs = keep();
    const replayed = other.recordAttempt(mine.id, { kind: 'replay', url: 'http://127.0.0.1:9/', status: 202, durationMs: 2, error: null });
    turn();
    other.remove([mine.id]);
    turn();
    turn();
    expect(events.map(key)).toEqual([`delivery:${theirs.id}`, `attempt:${mine.id}`, `updated:${mine.id}`, `removed:${mine.id}`]);
    expect(events[1]).toMatchObject({ attempt: { n: replayed.n, kind: 'replay', status: 202 } });
  });
});

describe('hookctl inspect: following a store others write', () => {
  it('a row, its forward, its schema verdict (recorded after the row) and replays, each told once', async () => {
    inspectBackend();
    const events = subscribe();
    const target = await startCaptureServer();
    closers.push(() => target.close());
    const of = (type: string) => events.filter((event) => event.type === type);

    const stored = keep({ schema: null });
    turn();
    expect(events.map(key)).toEqual([`delivery:${stored.id}`]);
    expect(events[0]).toMatchObject({ delivery: { forward: null, schema: null, replayCount: 0 } });

    // The other listener forwards it, then records its schema verdict.
    other.recordAttempt(stored.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 502, durationMs: 3, error: null });
    turn();
    expect(events.slice(1).map(key)).toEqual([`attempt:${stored.id}`, `updated:${stored.id}`]);
    expect(of('updated')[0]).toMatchObject({ delivery: { forward: { url: 'http://127.0.0.1:9/app', status: 502 }, schema: null } });
    other.setSchemaVerdict(stored.id, { status: 'invalid', violations: [{ path: '/number', message: 'must be integer' }] });
    turn();
    expect(events.slice(3).map(key)).toEqual([`updated:${stored.id}`]);
    expect(of('updated')[1]).toMatchObject({ delivery: { schema: { status: 'invalid' }, forward: { status: 502 } } });

    // A replay from the page: told by the backend; following the store leaves it alone.
    await backend.replay(stored.id, { to: target.url, resign: false });
    turn();
    expect(events.slice(4).map(key)).toEqual([`attempt:${stored.id}`, `updated:${stored.id}`]);
    expect(of('updated')[2]).toMatchObject({ delivery: { replayCount: 1 } });
    // A replay by another process (`hookctl replay`).
    other.recordAttempt(stored.id, { kind: 'replay', url: target.url, status: 200, durationMs: 3, error: null });
    turn();
    turn();
    expect(events.slice(6).map(key)).toEqual([`attempt:${stored.id}`, `updated:${stored.id}`]);
    expect(of('updated')[3]).toMatchObject({ delivery: { replayCount: 2 } });
  });

  it('a row and its verdict committed between two turns: one delivery, already with its verdict, no update', () => {
    inspectBackend();
    const events = subscribe();
    const stored = keep({ schema: null });
    other.setSchemaVerdict(stored.id, { status: 'valid', violations: [] });
    turn();
    expect(events.map(key)).toEqual([`delivery:${stored.id}`]);
    expect(events[0]).toMatchObject({ delivery: { schema: { status: 'valid' } } });
  });

  it('deleting the newest delivery elsewhere is one removal: nothing else is told again', () => {
    const rows = Array.from({ length: 5 }, () => keep());
    inspectBackend();
    const events = subscribe();
    other.remove([rows[4].id]);
    turn();
    turn();
    expect(events.map(key)).toEqual([`removed:${rows[4].id}`]);
    // What comes next still comes (row numbers never go back).
    const next = keep();
    turn();
    expect(events.map(key)).toEqual([`removed:${rows[4].id}`, `delivery:${next.id}`]);
  });

  it('prune --keep 2 elsewhere removes the 8 others, oldest first', () => {
    const rows = Array.from({ length: 10 }, () => keep());
    inspectBackend();
    const events = subscribe();
    other.prune({ keep: 2 });
    turn();
    expect(events.map(key)).toEqual(rows.slice(0, 8).map((row) => `removed:${row.id}`));
  });

  it('more removals than the change log keeps, or more rows than a turn tells: one reset, then on as before', async () => {
    await other.enqueue(() => Array.from({ length: CHANGES_KEPT + 1 }, () => keep()));
    inspectBackend();
    const events = subscribe();
    other.prune({ keep: 0 });
    turn();
    expect(events.map(key)).toEqual(['reset']);
    const afterReset = keep();
    turn();
    expect(events.map(key)).toEqual(['reset', `delivery:${afterReset.id}`]);
    await other.enqueue(() => Array.from({ length: FOLLOW_LIMIT + 1 }, () => keep()));
    turn();
    expect(events.map(key)).toEqual(['reset', `delivery:${afterReset.id}`, 'reset']);
  });

  it('a store removed and started afresh at the same path is a reset (by file identity, not row numbers); its new rows come after', () => {
    for (let i = 0; i < 3; i += 1) keep();
    inspectBackend();
    const events = subscribe();
    // The files removed, as a person does, and a listener starts a fresh store there.
    other.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    other = openStore(file);
    keep();
    turn();
    turn();
    expect(events.map(key)).toEqual(['reset']);
    const later = keep();
    turn();
    expect(events.map(key)).toEqual(['reset', `delivery:${later.id}`]);
  });

  it('tells a burst of rows in one turn, not a page a turn', async () => {
    inspectBackend();
    const events = subscribe();
    // A listener at ~1,500 deliveries/s writes 300 rows between two turns; a burst of a thousand all come at the next one.
    await other.enqueue(() => {
      for (let i = 0; i < 1000; i += 1) {
        const stored = keep();
        other.recordAttempt(stored.id, { kind: 'forward', url: 'http://127.0.0.1:9/app', status: 200, durationMs: 1, error: null });
      }
    });
    turn();
    expect(events.filter((event) => event.type === 'delivery')).toHaveLength(1000);
    expect(events.filter((event) => event.type === 'attempt')).toHaveLength(1000);
    expect(events.filter((event) => event.type === 'updated')).toHaveLength(0);
  });
});

describe('filters: one predicate for the list, the live stream and the CLI', () => {
  it('a live delivery from Octo-Org/x reaches a stream filtered on octo-org/x; one from octo-org/y does not', () => {
    inspectBackend();
    const events = subscribe({ repository: 'octo-org/x', sender: 'MonaLisa' });
    const all = subscribe();
    const elsewhere = keep({ repository: 'octo-org/y', sender: 'monalisa' });
    const capitals = keep({ repository: 'Octo-Org/x', sender: 'monalisa' });
    turn();
    expect(events.map(key)).toEqual([`delivery:${capitals.id}`]);
    expect(all.map(key)).toEqual([`delivery:${elsewhere.id}`, `delivery:${capitals.id}`]);
  });

  it('the list, a stream and `deliveries list` agree for every filter', async () => {
    inspectBackend();
    const queries: { query: StreamQuery; cli?: string[] }[] = [
      { query: { repository: 'octo-org/x' } },
      { query: { sender: 'HUBOT' } },
      { query: { status: '4xx' }, cli: ['--status', '4XX'] },
      { query: { status: '401' }, cli: ['--status', '401'] },
      { query: { signature: 'invalid' }, cli: ['--signature', 'invalid'] },
      { query: { event: 'issues' }, cli: ['--event', 'issues'] },
      { query: { event: 'issues.closed', repository: 'OCTO-ORG/X' } },
      { query: { drift: true } },
      { query: { q: 'ärger' } },
      { query: { q: 'ÉCOLE', status: '2xx' }, cli: undefined },
    ];
    const streams = queries.map(({ query }) => subscribe(query));
    const rows = [
      keep({ repository: 'Octo-Org/x', sender: 'hubot', event: 'issues', action: 'opened', body: Buffer.from('{"title":"Ärger"}') }),
      keep({ repository: 'octo-org/x', sender: 'mona', event: 'issues', action: 'closed', status: 401, signature: 'invalid' }),
      keep({ repository: 'octo-org/y', sender: 'Hubot', event: 'push', action: null, status: 400, schema: { status: 'invalid', violations: [] } }),
      keep({ repository: 'OCTO-ORG/X', sender: 'mona', event: 'issues', action: 'closed', body: formBody('{"title":"école"}'), rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], contentType: 'application/x-www-form-urlencoded' }),
      keep({ repository: null, sender: null, event: null, action: null, status: 400, body: Buffer.from('ÄRGER, not JSON') }),
    ];
    turn();
    for (const [i, { query, cli }] of queries.entries()) {
      const listed = (await backend.list(query)).deliveries.map((d) => d.id).reverse();
      const live = streams[i].map((event) => (event.type === 'delivery' ? event.delivery.id : event.type));
      expect(live, JSON.stringify(query)).toEqual(listed);
      expect(listed.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(listed.length, JSON.stringify(query)).toBeLessThan(rows.length);
      if (!cli) continue;
      const res = await runInProcess(['deliveries', 'list', '--json', '--store', file, ...cli]);
      expect(res.code, res.stderr).toBe(0);
      expect((JSON.parse(res.stdout) as { id: string }[]).map((d) => d.id).reverse(), cli.join(' ')).toEqual(listed);
    }
  });

  it('the CLI and the API refuse the same filter values with the same words', async () => {
    const { parseDeliveryQuery } = await import('../../src/core/inspector/routes.js');
    for (const [flag, value] of [['status', '6xx'], ['status', '40'], ['signature', 'maybe']]) {
      const cli = await runInProcess(['deliveries', 'list', '--store', file, `--${flag}`, value]);
      expect(cli.code).toBe(2);
      let api = '';
      try {
        parseDeliveryQuery(new URLSearchParams({ [flag]: value }));
      } catch (error) {
        api = (error as Error).message;
      }
      expect(cli.stderr).toContain(`--${api}`);
    }
  });
});

describe('payload search', () => {
  it('ignores case for every alphabet, the term and the payload folded alike (a form body\'s payload decoded)', async () => {
    inspectBackend();
    const umlaut = keep({ body: Buffer.from('{"title":"So ein Ärger"}') });
    const capitals = keep({ body: Buffer.from('{"title":"ÉCOLE"}') });
    const form = keep({ body: formBody('{"title":"Straße nach Ärger"}'), rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], contentType: 'application/x-www-form-urlencoded' });
    keep({ body: Buffer.from('{"title":"Arger, ecole"}') });
    const found = async (q: string) => (await backend.list({ q })).deliveries.map((d) => d.id);
    for (const q of ['Ärger', 'ärger', 'ÄRGER']) expect(await found(q), q).toEqual([form.id, umlaut.id]);
    for (const q of ['ÉCOLE', 'école', 'École']) expect(await found(q), q).toEqual([capitals.id]);
    expect(await found('STRASSE')).toEqual([]);
    expect(await found('straße nach')).toEqual([form.id]);
  });

  /** 3,000 deliveries of ~6 KB; every 100th has the needle in its payload. */
  async function fill(): Promise<string[]> {
    const padding = 'x'.repeat(6000);
    const withNeedle: string[] = [];
    await other.enqueue(() => {
      for (let i = 0; i < 3000; i += 1) {
        const needle = i % 100 === 7;
        const body = Buffer.from(JSON.stringify({ action: 'opened', issue: { title: needle ? `crash in Needle-Module ${i}` : `issue ${i}` }, padding }));
        const stored = keep({ body });
        if (needle) withNeedle.push(stored.id);
      }
    });
    return withNeedle.reverse();
  }

  it('finds every match, newest first, across its budgeted pages', async () => {
    const expected = await fill();
    inspectBackend();
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
    inspectBackend();
    const json = JSON.stringify({ action: 'opened', issue: { title: 'Crash: null pointer & more' } });
    const formed = { rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], contentType: 'application/x-www-form-urlencoded' };
    const ids = await other.enqueue(() => [
      keep({ body: formBody(json), ...formed }).id,
      keep({ body: Buffer.from(json) }).id,
      keep({ body: Buffer.from('{"action":"opened","issue":{"title":"crash"}}') }).id,
    ]);
    expect(formBody(json).toString()).toContain('%22Crash%3A+null+pointer+%26+more%22');
    for (const q of ['crash: NULL pointer &', '"title":"crash:']) {
      const page = await backend.list({ q, limit: 10 });
      expect(page.deliveries.map((d) => d.id), q).toEqual([ids[1], ids[0]]);
    }
  });

  it('lets the event loop run between every two slices of a scan (inside listen, the receiver goes on answering)', async () => {
    await fill();
    inspectBackend();
    const store = (backend as unknown as { store: Store }).store;
    const trail: string[] = [];
    const slice = store.searchSlice.bind(store);
    // Slices of at most 50 rows: a slice of the adaptive size could take the whole time budget
    // on a loaded machine, and one slice says nothing about what runs between two.
    vi.spyOn(store, 'searchSlice').mockImplementation((filter, limit, rows) => {
      trail.push('slice');
      return slice(filter, limit, Math.min(rows, 50));
    });
    let scanning = true;
    const tick = () => {
      trail.push('turn');
      if (scanning) setImmediate(tick);
    };
    setImmediate(tick);
    const page = await backend.list({ q: 'text-no-payload-has' });
    scanning = false;
    expect(page.deliveries).toEqual([]);
    const slices = trail.filter((step) => step === 'slice').length;
    expect(slices, trail.join(' ')).toBeGreaterThan(1);
    // Never two slices in a row: the event loop turned between each two.
    expect(trail.join(' '), 'two slices without a turn between them').not.toMatch(/slice slice/);
  });
});

describe('cursors', () => {
  it('refuses one that is not a row number this API gives out (400, saying why)', async () => {
    inspectBackend();
    keep();
    for (const cursor of ['s99999999999999999999', 's9007199254740993', 's0', 's-1', 's1.5', '1', 'bm9wZQ']) {
      for (const q of [undefined, 'a']) {
        const err = await backend.list({ cursor, q }).catch((e: unknown) => e);
        expect(err, `${cursor} q=${q}`).toBeInstanceOf(UsageError);
        expect(httpStatusOf(err), `${cursor} q=${q}`).toBe(400);
        expect(err, `${cursor} q=${q}`).toMatchObject({ field: 'cursor', message: expect.stringMatching(/^cursor must be a row number/) });
      }
    }
  });

  it('a cursor past the newest row starts a search at the newest row: no empty pages that never end', async () => {
    inspectBackend();
    const rows = [keep({ body: Buffer.from('{"a":"needle"}') }), keep(), keep({ body: Buffer.from('{"a":"needle"}') })];
    const page = await backend.list({ cursor: `s${Number.MAX_SAFE_INTEGER}`, q: 'needle' });
    expect(page).toEqual({ deliveries: [expect.objectContaining({ id: rows[2].id }), expect.objectContaining({ id: rows[0].id })], next: null });
  });
});

describe('one delivery', () => {
  it('names a delivery\'s siblings: the other attempts of its X-GitHub-Delivery, oldest first, never itself', async () => {
    inspectBackend();
    const guid = randomUUID();
    const first = keep({ deliveryId: guid });
    const alone = keep();
    const second = keep({ deliveryId: guid });
    const third = keep({ deliveryId: guid });
    const noGuid = keep({ deliveryId: null });
    expect((await backend.get(alone.id))!.siblings).toEqual([]);
    expect((await backend.get(noGuid.id))!.siblings).toEqual([]);
    expect((await backend.get(first.id))!.siblings).toEqual([second.id, third.id]);
    expect((await backend.get(second.id))!.siblings).toEqual([first.id, third.id]);
    expect(await backend.get(third.id)).toMatchObject({ attempt: 3, siblings: [first.id, second.id] });
  });

  it('replays and exports headers named constructor, toString and __proto__ as the headers they are', async () => {
    inspectBackend();
    const target = await startCaptureServer();
    closers.push(() => target.close());
    const stored = keep({ rawHeaders: ['X-GitHub-Event', 'pull_request', 'constructor', 'a', 'toString', 'b', '__proto__', 'c', 'constructor', 'd'] });
    await backend.replay(stored.id, { to: target.url, resign: false });
    const sent = target.requests[0].rawHeaders;
    const pairs = Array.from({ length: sent.length / 2 }, (_, i) => `${sent[2 * i]}: ${sent[2 * i + 1]}`);
    expect(pairs).toEqual(expect.arrayContaining(['constructor: a, d', 'toString: b', '__proto__: c']));
    const fixture = JSON.parse((await backend.exportDelivery(stored.id, 'fixture'))!);
    expect(Object.entries(fixture.headers)).toEqual(expect.arrayContaining([['constructor', 'a, d'], ['toString', 'b'], ['__proto__', 'c']]));
  });

  it('replays where `hookctl replay` would: inside listen to this listener, the delivery\'s own path kept (not to the port an earlier run had)', async () => {
    const listener = await startCaptureServer();
    closers.push(() => listener.close());
    const writer = openDeliveryWriter(file);
    closers.push(() => writer.close());
    startBackend(writer, { relay, listener: listener.url });
    // Received by an earlier `listen` on another port (nothing listens there now).
    const stored = keep({ path: '/github/hooks?via=app', url: 'http://127.0.0.1:9/github/hooks?via=app' });
    const { attempt } = await backend.replay(stored.id, { resign: false });
    expect(listener.requests.map((r) => r.url)).toEqual(['/github/hooks?via=app']);
    expect(attempt).toMatchObject({ kind: 'replay', url: new URL('/github/hooks?via=app', listener.url).href, status: 200, error: null });
    expect(other.attempts(stored.id)).toEqual([expect.objectContaining({ kind: 'replay', status: 200 })]);
  });

  it('replays where `hookctl replay` would: in `hookctl inspect`, a delivery with no URL of its own goes to the default target (no 400)', async () => {
    const fallback = await startCaptureServer();
    closers.push(() => fallback.close());
    const handle = followPath(openStore(file, { mustExist: true, waitForLock: 'event-loop' }), { waitForLock: 'event-loop' });
    closers.push(() => handle.close());
    startBackend(handle, { defaultTarget: fallback.url });
    const imported = keep({ url: null });
    const { attempt } = await backend.replay(imported.id, { resign: false });
    expect(fallback.requests).toHaveLength(1);
    expect(attempt).toMatchObject({ kind: 'replay', url: fallback.url, status: 200 });
  });

  it('refuses to replay a rejected delivery kept only in part (409), edited or not', async () => {
    inspectBackend();
    const stored = keep({ body: Buffer.alloc(1024, 0x61), bodyBytes: 4096, signature: 'invalid', status: 401 });
    for (const request of [{ to: 'http://127.0.0.1:9/app' }, { to: 'http://127.0.0.1:9/app', payload: '{"a":1}' }]) {
      const err = await backend.replay(stored.id, request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(httpStatusOf(err)).toBe(409);
      expect(err).toMatchObject({ message: expect.stringMatching(/only the first 1,024 of its 4,096 bytes were kept/) });
    }
    expect(other.get(stored.id)!.body).toEqual(Buffer.alloc(1024, 0x61));
  });

  it('deletes while another process holds the write lock: it keeps trying from the event loop, then deletes (no 500)', async () => {
    const stored = keep();
    inspectBackend();
    const flush = vi.spyOn(GroupCommit.prototype, 'flush');
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    const removing = backend.remove(stored.id);
    let settled = false;
    void removing.finally(() => (settled = true));
    // The first try and five retries found the lock taken.
    await vi.waitFor(() => expect(flush.mock.calls.length).toBeGreaterThan(5), { timeout: 5000, interval: 1 });
    expect(settled).toBe(false);
    locker.exec('ROLLBACK');
    locker.close();
    await expect(removing).resolves.toBe(true);
    expect(other.get(stored.id)).toBeUndefined();
  });
});
