/**
 * The tunnel engine (core/tunnel/session.ts) with a recording subscriber, the fake cloudflared
 * (run directly: its shebang) and a hook binding that records what it was asked (no GitHub):
 * the events of a start, a restart and a death, in order; a subscriber that throws; and that
 * the engine itself never writes to the terminal.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../../src/errors.js';
import type { CatchUpReader } from '../../src/core/tunnel/catch-up.js';
import type { TunnelEvent } from '../../src/core/tunnel/events.js';
import type { HookBinder, HookBinding } from '../../src/core/tunnel/hook-binding.js';
import { TunnelSession, type TunnelSessionOptions } from '../../src/core/tunnel/session.js';
import { alive } from '../helpers/run-cli.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));
const DIED = 'cloudflared exited with code 1: no more connections active and exiting';

/** Polls with the real clock until `check` holds (bounded). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A binding that records what the session asked of it; its delivery log is empty. */
function fakeBinding(calls: string[]): { binder: HookBinder; binding: HookBinding } {
  const binding: HookBinding = {
    name: 'webhook 7 of o/r',
    hookId: 7,
    summary: { name: 'webhook 7 of o/r', id: 7, repository: 'o/r' },
    point: async (url) => {
      calls.push(`point ${url}`);
      return 'updated';
    },
    ping: async () => {
      calls.push('ping');
      return true;
    },
    release: async (keepActive) => {
      calls.push(`release keepActive=${keepActive}`);
      return { kind: 'deactivated' };
    },
    log: async function* () {
      calls.push('log');
      yield* [];
    },
    redeliver: async () => undefined,
    asked: () => new Map(),
    remember: () => undefined,
    pullCommand: 'hookctl deliveries pull o/r --hook-id 7',
  };
  const binder: HookBinder = async (url, report) => {
    calls.push(`bind ${url}`);
    report({ type: 'hook-pointed', hook: binding.name, outcome: 'created', url, events: ['*'] });
    return binding;
  };
  return { binder, binding };
}

describe('TunnelSession (fake cloudflared)', () => {
  let dir: string;
  let origin: Server;
  let port: number;
  let sessions: TunnelSession[];
  let events: TunnelEvent[];
  let writes: ReturnType<typeof vi.spyOn>[];

  /** What happened, without cloudflared's own lines (how many arrive before an exit is up to the pipes). */
  const told = () => events.filter((e) => e.type !== 'log' && e.type !== 'cloudflared-error');
  const types = () => told().map((e) => e.type);

  const open = (options: Partial<TunnelSessionOptions> = {}) => {
    const session = new TunnelSession({
      bin: { path: FAKE, source: '--cloudflared' },
      target: `http://127.0.0.1:${port}`,
      env: { PATH: process.env.PATH, HOME: dir, FAKE_CLOUDFLARED_STATE: join(dir, 'state.json') },
      knobs: { backoffMs: 1, graceMs: 500 },
      ...options,
    });
    sessions.push(session);
    session.subscribe((event) => events.push(event));
    return session;
  };
  /** cloudflared dies the way it does when its connections fail (the fake's SIGUSR2). */
  const kill = (event: TunnelEvent) => {
    if (event.type === 'ready' || event.type === 'restarted') process.kill(event.pid, 'SIGUSR2');
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookctl-tunnel-session-'));
    sessions = [];
    events = [];
    origin = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    port = (origin.address() as AddressInfo).port;
    writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await new Promise<void>((r) => origin.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('start: starting, ready, the hook pointed and pinged, a catch-up; close: the hook released, then cloudflared stopped', async () => {
    const calls: string[] = [];
    const { binder } = fakeBinding(calls);
    let readers = 0;
    const reader: CatchUpReader = { newestFrom: () => null, has: () => false, close: () => readers++ };
    const session = open({ path: '/gh', hook: binder, catchUp: () => reader });
    await session.start();
    await until(() => types().includes('catch-up'));
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { pid: number; publicUrl: string };
    expect(session.payloadUrl).toBe(`${state.publicUrl}/gh`);
    expect(session.pid).toBe(state.pid);
    expect(session.hook).toEqual({ name: 'webhook 7 of o/r', id: 7, repository: 'o/r' });
    expect(told()).toEqual([
      { type: 'starting', target: `http://127.0.0.1:${port}`, bin: { path: FAKE, source: '--cloudflared' } },
      { type: 'ready', publicUrl: state.publicUrl, payloadUrl: `${state.publicUrl}/gh`, target: `http://127.0.0.1:${port}`, connection: expect.objectContaining({ location: 'ams07' }), pid: state.pid },
      { type: 'hook-pointed', hook: 'webhook 7 of o/r', outcome: 'created', url: `${state.publicUrl}/gh`, events: ['*'] },
      { type: 'hook-pinged', hook: 'webhook 7 of o/r' },
      { type: 'catch-up', hook: 'webhook 7 of o/r', redelivered: [], lost: [], failed: [], more: 0, pullCommand: 'hookctl deliveries pull o/r --hook-id 7' },
    ]);
    // cloudflared's lines are told too, each as it came.
    expect(events.some((e) => e.type === 'log' && e.line.includes('Your quick Tunnel has been created'))).toBe(true);
    expect(readers).toBe(1);

    await session.close();
    expect(types().slice(-2)).toEqual(['hook-released', 'stopped']);
    expect(told().slice(-2)).toEqual([
      { type: 'hook-released', hook: 'webhook 7 of o/r', release: { kind: 'deactivated' } },
      { type: 'stopped', pid: state.pid, forced: false, alreadyExited: false },
    ]);
    expect(calls).toEqual([`bind ${state.publicUrl}/gh`, 'ping', 'log', 'release keepActive=false']);
    expect(alive(state.pid)).toBe(false);
    for (const write of writes) expect(write).not.toHaveBeenCalled();
  });

  it('restart: retry, restarted naming the hook, the hook re-pointed at the new URL, another catch-up', async () => {
    const calls: string[] = [];
    const { binder } = fakeBinding(calls);
    const session = open({ hook: binder, catchUp: () => ({ newestFrom: () => null, has: () => false, close: () => undefined }) });
    await session.start();
    await until(() => types().includes('catch-up'));
    const first = session.pid;
    process.kill(first, 'SIGUSR2');
    await until(() => types().filter((t) => t === 'catch-up').length === 2);
    expect(types()).toEqual(['starting', 'ready', 'hook-pointed', 'hook-pinged', 'catch-up', 'retry', 'restarted', 'hook-repointed', 'catch-up']);
    const restarted = told()[6] as Extract<TunnelEvent, { type: 'restarted' }>;
    expect(told()[5]).toEqual({ type: 'retry', reason: DIED, attempt: 1, of: 5, delayMs: 1 });
    expect(restarted).toMatchObject({ reason: DIED, hook: 'webhook 7 of o/r', pid: session.pid, publicUrl: session.publicUrl });
    expect(restarted.pid).not.toBe(first);
    expect(told()[7]).toEqual({ type: 'hook-repointed', hook: 'webhook 7 of o/r', url: session.payloadUrl, error: null });
    expect(calls).toContain(`point ${session.payloadUrl}`);
    for (const write of writes) expect(write).not.toHaveBeenCalled();
  });

  it('death after restarts that never start: the error quotes what the LAST attempt printed, not the first instance', async () => {
    const session = open();
    // The tunnel worked, then died; from then on cloudflared refuses to start (here: a config
    // file that stops quick tunnels), and says why each time.
    session.subscribe((event) => {
      if (event.type !== 'ready') return;
      mkdirSync(join(dir, '.cloudflared'));
      writeFileSync(join(dir, '.cloudflared', 'config.yml'), 'tunnel: mine\n');
      process.kill(event.pid, 'SIGUSR2');
    });
    await session.start();
    const err = await session.died;
    const died = told().at(-1) as Extract<TunnelEvent, { type: 'died' }>;
    expect(died.type).toBe('died');
    const said = died.reason.split('\ncloudflared said:\n')[1];
    expect(said, died.reason).toMatch(/error parsing tunnel ID: Error locating origin cert/);
    expect(said).not.toMatch(/no more connections active/);
    expect(err.message).toBe(`the tunnel died: ${died.reason}`);
  });

  it('death: five restarts that die too, then died, and `died` resolves with the error the commands end on', async () => {
    const session = open();
    session.subscribe(kill);
    await session.start();
    const err = await session.died;
    expect(types()).toEqual(['starting', 'ready', ...Array.from({ length: 5 }, () => ['retry', 'restarted']).flat(), 'died']);
    expect(told().filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3, 4, 5]);
    const died = told().at(-1) as Extract<TunnelEvent, { type: 'died' }>;
    expect(died.reason).toMatch(new RegExp(`^${DIED} \\(gave up after 5 restarts in a row\\)\ncloudflared said:\n  `));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`the tunnel died: ${died.reason}`);
    expect(err.details).toEqual(['Quick tunnels have no uptime guarantee; run the command again for a new URL.']);
    await session.close();
    expect(told().at(-1)).toEqual({ type: 'stopped', pid: session.pid, forced: false, alreadyExited: true });
    for (const write of writes) expect(write).not.toHaveBeenCalled();
  });

  it('a subscriber that throws is told about once, to the others; the session and the other subscribers go on', async () => {
    let thrown = 0;
    const session = open();
    session.subscribe(() => {
      thrown++;
      throw new Error('boom');
    });
    await session.start();
    await session.close();
    expect(thrown).toBeGreaterThan(2);
    expect(told().filter((e) => e.type === 'failure')).toEqual([{ type: 'failure', message: 'a subscriber failed on a starting event: boom' }]);
    expect(types().filter((t) => t !== 'failure')).toEqual(['starting', 'ready', 'stopped']);
  });

  it('a failed start (the hook cannot be bound) stops cloudflared before the error is thrown', async () => {
    const session = open({
      hook: async () => {
        throw new Error('GitHub said no');
      },
    });
    await expect(session.start()).rejects.toThrow('GitHub said no');
    const { pid } = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { pid: number };
    expect(alive(pid)).toBe(false);
    expect(types()).toEqual(['starting', 'ready']);
  });
});

describe('core/tunnel imports', () => {
  it('no module of the engine imports ui/, commands/ or the context', () => {
    const folder = fileURLToPath(new URL('../../src/core/tunnel/', import.meta.url));
    const imports = readdirSync(folder).flatMap((file) =>
      [...readFileSync(join(folder, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => `${file}: ${m[1]}`),
    );
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter((i) => /\/(ui|commands)\/|context\.js/.test(i))).toEqual([]);
  });
});
