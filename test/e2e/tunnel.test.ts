/**
 * `hookctl tunnel` and `hookctl listen --tunnel` with the fake cloudflared first on PATH
 * (test/helpers/bin/cloudflared, a symlink to the fake: no shell in between) and the fake GitHub
 * API: every failure mode with its message and exit code, hooks, restarts, catch-up, probes, and
 * no cloudflared left behind (by pid).
 *
 * Spawned (the built CLI: run `npm run build` first) only where the process is the point: the
 * signals (SIGINT, SIGTERM, SIGHUP, a second Ctrl+C) and SIGKILL of hookctl (the watchdog).
 * HOOKCTL_TEST_TUNNEL_GRACE_MS shortens the SIGTERM → SIGKILL waits there, except in the one
 * test that keeps the watchdog's real 1 s. Everything else runs tunnel() and listen() in this
 * process with fake streams; exit codes are the typed errors' (what main maps), and timers are
 * knobs of the control object. The real timer values are tested in test/unit/tunnel.test.ts
 * (backoff, probes, defaults) and test/integration/tunnel.test.ts (30 s ready, 3 s grace).
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { list as deliveriesList } from '../../src/commands/deliveries.js';
import { listen, type ListenOptions } from '../../src/commands/listen.js';
import type { TunnelKnobs } from '../../src/core/tunnel/session.js';
import { tunnel, type TunnelOptions } from '../../src/commands/tunnel.js';
import { openStore } from '../../src/core/store/store.js';
import { isHookctlError } from '../../src/errors.js';
import { newDelivery } from '../helpers/deliveries.js';
import { makeDeliverySummary, makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { hookshotPing, type FakeTunnelState } from '../helpers/hookshot.js';
import { inProcess } from '../helpers/in-process.js';
import { ROOT, alive, startCli, type LongRunning, type Sandbox, sandbox } from '../helpers/run-cli.js';

const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));
const FAKE = join(FAKE_BIN_DIR, 'cloudflared');
const HOOKS = '/repos/o/r/hooks';

type FakeState = FakeTunnelState;

/** How a command ended: the exit code main maps it to, and the error it would print. */
interface Ended {
  code: number;
  message: string;
  details: string;
}

async function ended(done: Promise<number>): Promise<Ended> {
  try {
    return { code: await done, message: '', details: '' };
  } catch (err) {
    if (!isHookctlError(err)) throw err;
    return { code: err.exitCode, message: err.message, details: err.details.join('\n') };
  }
}

/** A command running in this process: its output so far, how it ended, and Ctrl+C (the control's abort). */
interface InProcessRun {
  stdout(): string;
  stderr(): string;
  ended: Promise<Ended>;
  /** Set once it ended (or threw something untyped: a bug). */
  finished(): Ended | Error | undefined;
  stop(): Promise<Ended>;
}

/**
 * True while a process runs: it exists and is not a zombie. A cloudflared killed together with
 * its watchdog shell (hookctl's exit hook) is a zombie until init reaps it, which here can take
 * a second or more; it has stopped all the same. (Linux /proc; elsewhere, that it exists.)
 */
function running(pid: number): boolean {
  if (!alive(pid)) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return process.platform !== 'linux' && alive(pid);
  }
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}

/** Waits until a pid no longer runs (the CLI reaps cloudflared before it exits, so this is immediate). */
async function gone(pid: number, ms = 500): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!running(pid)) return true;
    await sleep(20);
  }
  return !running(pid);
}

/** Polls with the real clock (node:timers/promises), so it also works while a test fakes setTimeout. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, 'g')) ?? []).length;

describe('hookctl tunnel / listen --tunnel (fake cloudflared)', () => {
  let box: Sandbox;
  let env: NodeJS.ProcessEnv;
  let origin: Server;
  let originPort: number;
  let received: Array<{ url: string; headers: IncomingMessage['headers']; body: string }>;
  let spawned: LongRunning[];
  let runs: InProcessRun[];
  let gh: FakeGithub | undefined;

  const statePath = () => join(box.dir, 'cloudflared-state.json');
  const state = (): FakeState => JSON.parse(readFileSync(statePath(), 'utf8')) as FakeState;
  /** What the fake cloudflareds' proxies were sent (FAKE_CLOUDFLARED_STATE.requests). */
  const proxied = (): Array<{ pid: number; probe: boolean; hung: boolean }> =>
    existsSync(`${statePath()}.requests`)
      ? readFileSync(`${statePath()}.requests`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; probe: boolean; hung: boolean })
      : [];
  /** The SIGTERMs and SIGINTs the fake cloudflareds got (FAKE_CLOUDFLARED_STATE.signals). */
  const signalsGot = () => (existsSync(`${statePath()}.signals`) ? readFileSync(`${statePath()}.signals`, 'utf8').trim().split('\n') : []);
  /** The probe's view of the public URL: the fake's loopback address. */
  const probeMap = (url: string) => {
    const s = state();
    return url.startsWith(s.publicUrl) ? s.localUrl + url.slice(s.publicUrl.length) : url;
  };

  const spawn = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const p = startCli(args, { env: { ...env, ...extra } });
    spawned.push(p);
    return p;
  };

  const inProcessRun = (extra: NodeJS.ProcessEnv, start: (ctx: ReturnType<typeof inProcess>['ctx'], signal: AbortSignal) => Promise<number>): InProcessRun => {
    const { ctx, stdout, stderr } = inProcess({ ...env, ...extra });
    const abort = new AbortController();
    const result = ended(start(ctx, abort.signal));
    let finished: Ended | Error | undefined;
    void result.then(
      (e) => (finished = e),
      (err: Error) => (finished = err),
    );
    const run: InProcessRun = {
      stdout,
      stderr,
      ended: result,
      finished: () => finished,
      stop: () => {
        abort.abort();
        return result;
      },
    };
    runs.push(run);
    return run;
  };
  /** `hookctl tunnel …` in this process. */
  const runTunnel = (options: TunnelOptions, extra: NodeJS.ProcessEnv = {}, knobs?: TunnelKnobs) =>
    inProcessRun(extra, (ctx, signal) => tunnel(ctx, options, { signal, knobs }));
  /** `hookctl listen --tunnel …` in this process. */
  const runListen = (options: ListenOptions, extra: NodeJS.ProcessEnv = {}, knobs?: TunnelKnobs) =>
    inProcessRun(extra, (ctx, signal) => listen(ctx, { port: 0, tunnel: true, ...options }, { signal, tunnel: knobs }));
  /** Until the output matches (a pattern, or a check of stdout + stderr); fails at once if the command ended first. */
  const waitFor = async (run: InProcessRun, expected: RegExp | ((output: string) => boolean), ms = 10_000): Promise<void> => {
    const output = () => run.stdout() + '\n' + run.stderr();
    const met = () => (typeof expected === 'function' ? expected(output()) : expected.test(output()));
    await until(() => met() || run.finished() !== undefined, ms).catch(() => undefined);
    if (!met()) {
      const end = run.finished();
      throw new Error(`${end ? `ended (${end instanceof Error ? end.message : JSON.stringify(end)})` : 'timed out'} before ${String(expected)}.\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    }
  };

  beforeEach(async () => {
    box = sandbox();
    env = { ...box.env, PATH: `${FAKE_BIN_DIR}:${box.env.PATH}`, FAKE_CLOUDFLARED_STATE: statePath() };
    received = [];
    spawned = [];
    runs = [];
    gh = undefined;
    origin = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originPort = (origin.address() as AddressInfo).port;
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await Promise.all([...spawned.map((p) => p.stop('SIGKILL')), ...runs.map((r) => r.stop())]);
    if (existsSync(statePath())) {
      const { pid } = state();
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await gh?.finish();
    await new Promise<void>((r) => origin.close(() => r()));
    box.cleanup();
  });

  describe('spawned: signals and the watchdog', () => {
    it('tunnel: prints the payload URL, proxies to the local server, and Ctrl+C stops cloudflared', async () => {
      const p = spawn(['tunnel', '--port', String(originPort), '--path', '/webhooks']);
      await p.waitFor(/Forwarding requests/);
      await until(() => p.stdout().endsWith('\n')); // stdout is a separate pipe
      const s = state();
      expect(p.stdout()).toBe(`${s.publicUrl}/webhooks\n`);
      expect(p.stderr()).toContain(`cloudflared from PATH: ${FAKE}`);
      expect(p.stderr()).toContain(`✓ Tunnel ready: ${s.publicUrl} → http://127.0.0.1:${originPort}`);
      expect(p.stderr()).toContain(`Payload URL:  ${s.publicUrl}/webhooks`);
      expect(p.stderr()).not.toContain('nothing is listening');

      const res = await fetch(`${s.localUrl}/webhooks`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(received).toEqual([expect.objectContaining({ url: '/webhooks', body: '{"a":1}' })]);

      expect(alive(s.pid)).toBe(true);
      const exit = await p.stop('SIGINT');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toContain(`Stopped the tunnel (cloudflared pid ${s.pid})`);
      expect(await gone(s.pid)).toBe(true);
    });

    it('tunnel: SIGTERM stops it just as cleanly', async () => {
      const p = spawn(['tunnel', '--port', String(originPort)]);
      await p.waitFor(/Forwarding requests/);
      const { pid } = state();
      expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toContain(`Stopped the tunnel (cloudflared pid ${pid})`);
      expect(await gone(pid)).toBe(true);
    });

    it('listen --tunnel: a closed terminal (SIGHUP) stops gracefully, even with a cloudflared that ignores SIGTERM', async () => {
      const p = spawn(['listen', '--port', '0', '--tunnel', '--secret', 's3cret'], { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm', HOOKCTL_TEST_TUNNEL_GRACE_MS: '100' });
      await p.waitFor(/Public payload URL/);
      const { pid } = state();
      expect(alive(pid)).toBe(true);
      const exit = await p.stop('SIGHUP');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toContain(`cloudflared ignored SIGTERM; killed it (pid ${pid})`);
      expect(p.stderr()).toMatch(/Stopped after /);
      expect(await gone(pid, 2000)).toBe(true);
    });

    it.each([
      // The watchdog's real grace: SIGTERM, 1 s, SIGKILL.
      ['listen --tunnel', ['listen', '--port', '0', '--tunnel', '--secret', 's3cret'], {}],
      ['tunnel', ['tunnel', '--port', 'ORIGIN'], { HOOKCTL_TEST_TUNNEL_GRACE_MS: '100' }],
    ])('%s: SIGKILLed, hookctl leaves no cloudflared behind (the watchdog kills one that ignores SIGTERM)', async (_name, args, knob) => {
      const p = spawn(args.map((a) => (a === 'ORIGIN' ? String(originPort) : a)), { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm', ...knob });
      await p.waitFor(/Public payload URL|Payload URL/);
      const { pid } = state();
      expect(alive(pid)).toBe(true);
      await p.stop('SIGKILL');
      expect(await gone(pid, 3000)).toBe(true);
      // The watchdog's SIGTERM came first, and was ignored: its SIGKILL ended it.
      expect(signalsGot()).toEqual(['SIGTERM']);
    });

    it('listen --tunnel --register: Ctrl+C twice while a forward hangs deactivates the hook first, so stopping at once leaves nothing pointing at the dead tunnel', async () => {
      gh = await startFakeGithub();
      const hookBodies: any[] = [];
      const capture = (body: any) => hookBodies.push(body) > 0;
      const slow = createServer(() => undefined); // accepts, never answers
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      try {
        gh.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 78, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh.stub({ method: 'POST', path: `${HOOKS}/78/pings` }, { status: 204 });
        gh.stub({ method: 'GET', path: `${HOOKS}/78/deliveries` }, { body: [] });
        gh.stub({ method: 'PATCH', path: `${HOOKS}/78`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 78, owner: 'o', repo: 'r', active: false, secret: true }) });
        const app = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
        const p = spawn(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--forward-to', app], { GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'ghp_test_token_never_printed' });
        await p.waitFor(/Public payload URL/);
        const ping = await hookshotPing(hookBodies[0].config.url, hookBodies[0].config.secret, state(), 78);
        expect(ping.status).toBe(200);
        await until(() => gh!.requestsTo('GET', `${HOOKS}/78/deliveries`).length === 1);
        const { pid } = state();
        p.child.kill('SIGINT');
        await p.waitFor(/Ctrl\+C again to stop now/);
        // At once, not after the forward gives up (10 s).
        await p.waitFor(/Deactivated webhook 78 of o\/r/, 5000);
        expect(await p.stop('SIGINT')).toEqual({ code: 130, signal: null });
        expect(hookBodies[1]).toEqual({ active: false });
        gh.assertDone();
        // The forward was still hanging: only the hook's release came before the stop.
        expect(p.stderr()).not.toMatch(/Stopped after/);
        // cloudflared goes with hookctl (its watchdog: it ends on SIGTERM).
        expect(await gone(pid, 3000)).toBe(true);
      } finally {
        slow.closeAllConnections();
        await new Promise<void>((resolve) => slow.close(() => resolve()));
      }
    });
  });

  describe('in process', () => {
    it('tunnel: warns when nothing listens, and says once per failed request that the origin is unreachable', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const run = runTunnel({ port: closedPort });
      await waitFor(run, /Forwarding requests/);
      expect(run.stderr()).toContain(`! nothing is listening on http://127.0.0.1:${closedPort} yet; requests through the tunnel get 502 until your server runs`);
      const res = await fetch(`${state().localUrl}/x`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(502);
      await waitFor(run, /Unable to reach the origin service/);
      // cloudflared logged both of its lines before it answered 502; once it has stopped,
      // everything it printed has been read.
      const { pid } = state();
      expect(await run.stop()).toMatchObject({ code: 0 });
      expect(run.stderr()).toContain(`Stopped the tunnel (cloudflared pid ${pid})`);
      expect(count(run.stderr(), /! cloudflared: Unable to reach the origin service/)).toBe(1);
    });

    it('cloudflared gets no credentials in its environment', async () => {
      const run = runTunnel({ port: originPort }, {
        GITHUB_TOKEN: 'ghp_x',
        GH_TOKEN: 'gho_x',
        HOOKCTL_SECRET: 's',
        GITHUB_WEBHOOK_SECRET: 's',
        GITHUB_APP_PRIVATE_KEY: 'k',
        SOME_OTHER: 'kept',
      });
      await waitFor(run, /Forwarding requests/);
      const keys = state().envKeys;
      for (const secret of ['GITHUB_TOKEN', 'GH_TOKEN', 'HOOKCTL_SECRET', 'GITHUB_WEBHOOK_SECRET', 'GITHUB_APP_PRIVATE_KEY']) expect(keys).not.toContain(secret);
      expect(keys).toContain('SOME_OTHER');
      expect(keys).toContain('HOME');
    });

    it('binary resolution: --cloudflared wins over CLOUDFLARED_BIN, which wins over PATH', async () => {
      const run = runTunnel({ port: originPort, cloudflared: FAKE }, { CLOUDFLARED_BIN: join(box.dir, 'not-there') });
      await waitFor(run, /Forwarding requests/);
      expect(run.stderr()).toContain(`cloudflared from --cloudflared: ${FAKE}`);
      expect(await run.stop()).toMatchObject({ code: 0 });

      const r = await runTunnel({ port: originPort }, { CLOUDFLARED_BIN: join(box.dir, 'not-there') }).ended;
      expect(r.code).toBe(1);
      expect(r.message).toBe(`cloudflared not found at ${join(box.dir, 'not-there')} (from CLOUDFLARED_BIN)`);
    });

    it('no cloudflared anywhere (and no TTY): exit 1 listing every way to get it', async () => {
      const emptyBin = join(box.dir, 'empty-bin');
      mkdirSync(emptyBin);
      const r = await runTunnel({ port: originPort }, { PATH: emptyBin }).ended;
      expect(r.code).toBe(1);
      expect(r.message).toBe('cloudflared is not installed; hookctl needs it for --tunnel');
      for (const way of ['--cloudflared /path/to/cloudflared', 'CLOUDFLARED_BIN=', 'put it on your PATH', 'accept the offer to download it']) {
        expect(r.details).toContain(way);
      }
      expect(r.details).not.toMatch(/\n\s+at /); // no stack trace
    });

    it('cloudflared fails to create the tunnel: exit 1 with its last lines', async () => {
      const r = await runTunnel({ port: originPort }, { FAKE_CLOUDFLARED_MODE: 'error' }).ended;
      expect(r.code).toBe(1);
      expect(r.message).toBe('cloudflared exited with code 1 before the tunnel was ready');
      expect(r.details).toContain('cloudflared said:');
      expect(r.details).toContain('429 Too Many Requests');
      expect(await gone(state().pid)).toBe(true);
    });

    it('no URL within HOOKCTL_TUNNEL_TIMEOUT seconds: exit 1 naming the wait, cloudflared stopped (fake clock)', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const kill = vi.spyOn(process, 'kill');
      // HOOKCTL_DEBUG echoes cloudflared's lines: the clock moves once it has asked for a tunnel.
      const run = runTunnel({ port: originPort }, { FAKE_CLOUDFLARED_MODE: 'no-url', HOOKCTL_TUNNEL_TIMEOUT: '5', HOOKCTL_DEBUG: '1' });
      await waitFor(run, /cloudflared: .*Requesting new quick Tunnel on trycloudflare\.com/);
      vi.advanceTimersByTime(4999);
      expect(kill.mock.calls.filter(([, signal]) => signal === 'SIGTERM')).toEqual([]); // still waiting
      vi.advanceTimersByTime(1);
      const r = await run.ended;
      expect(r.code).toBe(1);
      expect(r.message).toBe('no tunnel URL from cloudflared within 5 s');
      expect(r.details).toContain('Requesting new quick Tunnel on trycloudflare.com...');
      expect(await gone(state().pid)).toBe(true);
    });

    it.each([
      ['tunnel', (knobs: TunnelKnobs) => runTunnel({ port: originPort }, { FAKE_CLOUDFLARED_MODE: 'no-url' }, knobs)],
      ['listen --tunnel', (knobs: TunnelKnobs) => runListen({ secret: ['s'] }, { FAKE_CLOUDFLARED_MODE: 'no-url' }, knobs)],
    ])('%s: Ctrl+C while cloudflared is still starting exits 130 at once, cloudflared stopped', async (_name, start) => {
      // Both waits far beyond the test's own timeout: ending at all means ending on the abort.
      const run = start({ readyTimeoutMs: 600_000, graceMs: 600_000 });
      await waitFor(run, /Starting a cloudflared quick tunnel/);
      await until(() => existsSync(statePath()));
      const { pid } = state();
      const r = await run.stop();
      expect(r).toMatchObject({ code: 130, message: 'cancelled while cloudflared was starting' });
      expect(await gone(pid)).toBe(true);
    });

    it('a ~/.cloudflared/config.yaml that stops quick tunnels is detected and explained', async () => {
      mkdirSync(join(box.dir, '.cloudflared'));
      writeFileSync(join(box.dir, '.cloudflared', 'config.yaml'), 'tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\ncredentials-file: x.json\n');
      const run = runTunnel({ port: originPort });
      const r = await run.ended;
      expect(r.code).toBe(1);
      expect(run.stderr()).toContain(`! cloudflared config found (${join(box.dir, '.cloudflared', 'config.yaml')})`);
      expect(r.message).toBe('cloudflared exited with code 1 before the tunnel was ready');
      expect(r.details).toContain('A default config (meant for a named tunnel) stops quick tunnels');
    });

    it.each([
      ['tunnel', () => runTunnel({ port: originPort }, {}, { backoffMs: 1 })],
      ['listen --tunnel', () => runListen({ secret: ['s'] }, {}, { backoffMs: 1 })],
    ])('%s: cloudflared keeps dying: restarted with backoff, and exit 1 after 5 failed restarts in a row, with its last lines', async (name, start) => {
      const run = start();
      // Each cloudflared dies (as the real one does when its connections fail) once it is up:
      // the first one, then each that a restart brought up.
      for (let n = 1; n <= 6; n++) {
        await waitFor(run, (output) => count(output, /✓ Tunnel ready|↻ Tunnel restarted/) === n);
        process.kill(state().pid, 'SIGUSR2');
      }
      const r = await run.ended;
      expect(r.code).toBe(1);
      for (let n = 1; n <= 5; n++) expect(run.stderr()).toContain(`(attempt ${n} of 5)`);
      expect(count(run.stderr(), /the tunnel is down \(cloudflared exited with code 1: no more connections active and exiting\)/)).toBe(5);
      expect(r.message).toMatch(/^the tunnel died: cloudflared exited with code 1: no more connections active and exiting \(gave up after 5 restarts in a row\)/);
      expect(r.message).toContain('cloudflared said:');
      expect(r.details).toContain('Quick tunnels have no uptime guarantee');
      // listen stops as on Ctrl+C first (deliveries in flight, its summary), then ends on the same error.
      if (name === 'listen --tunnel') expect(run.stderr()).toMatch(/Stopped after .*: 0 accepted/);
      expect(run.stderr()).not.toContain('error:');
      expect(state().start).toBe(6);
      expect(await gone(state().pid)).toBe(true);
    });

    it('a cloudflared that ignores SIGTERM is killed after the grace period', async () => {
      const run = runTunnel({ port: originPort }, { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' }, { graceMs: 50 });
      await waitFor(run, /Forwarding requests/);
      const { pid } = state();
      expect(await run.stop()).toMatchObject({ code: 0 });
      expect(run.stderr()).toContain(`cloudflared ignored SIGTERM; killed it (pid ${pid})`);
      expect(await gone(pid)).toBe(true);
    });

    it('listen --tunnel --events push still shows GitHub\'s ping (it proves the hook works)', async () => {
      const run = runListen({ secret: ['tunnel-secret'], events: 'push' });
      await waitFor(run, /Public payload URL/);
      const s = state();
      const ping = await hookshotPing(`${s.publicUrl}/`, 'tunnel-secret', s, 5);
      expect(ping.status).toBe(200);
      await waitFor(run, /ping .*✓ valid/);
      expect(await run.stop()).toMatchObject({ code: 0 });
    });

    it('a tunnel that keeps running but stops proxying is noticed by its probes and replaced', async () => {
      const run = runListen({ secret: ['s'] }, { FAKE_CLOUDFLARED_MODE: 'stall', FAKE_CLOUDFLARED_TIMES: '1', FAKE_CLOUDFLARED_STALL_AFTER_MS: '0' }, {
        probeIntervalMs: 100,
        probeTimeoutMs: 300,
        backoffMs: 1,
        probeMap,
      });
      await waitFor(run, /Public payload URL/);
      const first = state();
      await waitFor(run, /Tunnel restarted/);
      expect(run.stderr()).toContain(`the public URL ${first.publicUrl} stopped answering`);
      // Two probes crossed the stalled tunnel and were never answered: two failures in a row.
      expect(proxied().filter((r) => r.pid === first.pid && r.probe && r.hung).length).toBeGreaterThanOrEqual(2);
      expect(await gone(first.pid, 3000)).toBe(true);
      await until(() => state().pid !== first.pid && state().localUrl !== null);
      const second = state();
      // Probing goes on through the new tunnel, and its probes are answered …
      await until(() => proxied().some((r) => r.pid === second.pid && r.probe && !r.hung));
      // … by listen's receiver, which gives a probe its token back: what makes it a success.
      const token = 'ab'.repeat(16);
      const res = await fetch(`${second.localUrl}/`, { headers: { 'x-hookctl-probe': token } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ name: 'hookctl', probe: token });
    });

    describe('with --register (fake GitHub)', () => {
      let hookBodies: any[];

      beforeEach(async () => {
        gh = await startFakeGithub();
        hookBodies = [];
        env = { ...env, GITHUB_API_URL: gh.url, GITHUB_TOKEN: 'ghp_test_token_never_printed' };
      });

      const capture = (body: any) => {
        hookBodies.push(body);
        return true;
      };

      it('listen --tunnel --register o/r: hook created with the tunnel URL and a generated secret, the ping comes through the tunnel, Ctrl+C deactivates', async () => {
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 77, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/77/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/77/deliveries` }, { body: [] }); // catch-up: nothing was missed
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/77`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 77, owner: 'o', repo: 'r', active: false, secret: true }) });

        const run = runListen({ register: 'o/r', path: '/github' });
        await waitFor(run, /Asked GitHub to ping webhook 77/);
        await waitFor(run, /Public payload URL/);
        const s = state();
        const created = hookBodies[0];
        expect(created).toMatchObject({ name: 'web', active: true, events: ['*'], config: { url: `${s.publicUrl}/github`, content_type: 'json', insecure_ssl: '0' } });
        const secret: string = created.config.secret;
        expect(secret).toMatch(/^[0-9a-f]{64}$/);
        // kept in HOOKCTL_HOME for the repository, never printed
        expect(readFileSync(join(box.env.HOOKCTL_HOME!, 'hooks.json'), 'utf8')).toContain(secret);
        expect(run.stderr()).toContain(`Created webhook 77 of o/r → ${s.publicUrl}/github`);
        expect(run.stderr()).toContain(`Public payload URL: ${s.publicUrl}/github`);

        // GitHub sends the ping through the tunnel, signed with the secret it was given.
        const ping = await hookshotPing(created.config.url, secret, s, 77);
        expect(ping.status).toBe(200);
        await waitFor(run, /ping .*✓ valid/);
        await until(() => gh!.requestsTo('GET', `${HOOKS}/77/deliveries`).length === 1); // catch-up ran

        expect(await run.stop()).toMatchObject({ code: 0 });
        expect(hookBodies[1]).toEqual({ active: false });
        expect(run.stderr()).toContain('Deactivated webhook 77 of o/r');
        expect(await gone(s.pid)).toBe(true);
        for (const out of [run.stdout(), run.stderr()]) {
          expect(out).not.toContain(secret);
          expect(out).not.toContain('ghp_test_token_never_printed');
        }
        gh!.assertDone();

        // The ping is in the store, verified.
        const { ctx, stdout } = inProcess(env);
        expect(await deliveriesList(ctx, { json: true, limit: 30 })).toBe(0);
        const rows = JSON.parse(stdout()) as Array<{ deliveryId: string; event: string; signature: string }>;
        expect(rows).toEqual([expect.objectContaining({ deliveryId: ping.deliveryId, event: 'ping', signature: 'valid' })]);
      });

      it('listen --tunnel --register: cloudflared dies, a new tunnel starts, the hook is re-pointed at it, and a delivery through it is stored', async () => {
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 99, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/99/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/99/deliveries` }, { body: [] }, { body: [] });
        const run = runListen({ register: 'o/r', json: true }, {}, { backoffMs: 1 });
        await waitFor(run, /"type":"ready"/);
        const first = state();
        const secret = hookBodies[0].config.secret as string;
        // After the death: GitHub is asked for the hook list, and the hook is PATCHed to the new URL.
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 99, owner: 'o', repo: 'r', url: first.publicUrl, events: ['*'], secret: true })] });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/99`, body: (b) => capture(b) && b.active === true && b.config.url !== first.publicUrl }, { body: makeHook({ id: 99, owner: 'o', repo: 'r', secret: true }) });
        process.kill(first.pid, 'SIGUSR2'); // cloudflared dies the way it does when its connections fail
        await waitFor(run, /"type":"tunnel-restarted"/);
        const restarted = JSON.parse(run.stdout().split('\n').find((l) => l.includes('"tunnel-restarted"'))!) as { publicUrl: string; hook: { name: string; repointed: boolean } };
        expect(restarted.publicUrl).not.toBe(first.publicUrl);
        expect(restarted.hook).toEqual({ name: 'webhook 99 of o/r', repointed: true });
        expect(hookBodies[1].config).toMatchObject({ url: restarted.publicUrl, secret });
        expect(run.stderr()).toMatch(/the tunnel is down \(cloudflared exited with code 1: no more connections active and exiting\); starting a new one/);
        expect(run.stderr()).toContain(`Re-pointed webhook 99 of o/r → ${restarted.publicUrl}`);
        await until(() => state().publicUrl === restarted.publicUrl);
        const ping = await hookshotPing(restarted.publicUrl, secret, state(), 99);
        expect(ping.status).toBe(200);
        await waitFor(run, new RegExp(ping.deliveryId));
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/99`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 99, owner: 'o', repo: 'r', active: false, secret: true }) });
        await until(() => gh!.requestsTo('GET', `${HOOKS}/99/deliveries`).length === 2); // both catch-ups ran
        expect(await run.stop()).toMatchObject({ code: 0 });
        expect(run.stderr()).toContain('Deactivated webhook 99 of o/r');
        gh!.assertDone();
      });

      it('catch-up: exactly the recent deliveries the store lacks are redelivered once; older ones are reported lost; a second start asks for nothing', async () => {
        const now = Date.now();
        const ago = (ms: number) => new Date(now - ms).toISOString();
        const DAY = 86_400_000;
        // The store holds a delivery from hook 55 received four days ago: the log is read back to it.
        const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
        store.insertDelivery(newDelivery({ deliveryId: 'g-stored-1', hookId: 55, receivedAt: new Date(now - 4 * DAY) }));
        store.close();
        const log = [
          makeDeliverySummary({ id: 1006, guid: 'g-new-1', delivered_at: ago(9 * 60_000), redelivery: true, status_code: 502 }),
          makeDeliverySummary({ id: 1005, guid: 'g-new-1', delivered_at: ago(10 * 60_000), status_code: 502 }),
          makeDeliverySummary({ id: 1004, guid: 'g-new-2', delivered_at: ago(3600_000), status_code: 530 }),
          makeDeliverySummary({ id: 1003, guid: 'g-old', delivered_at: ago(3.5 * DAY), status_code: 502 }),
          makeDeliverySummary({ id: 1002, guid: 'g-stored-1', delivered_at: ago(4 * DAY), status_code: 200 }),
          makeDeliverySummary({ id: 1001, guid: 'g-never-read', delivered_at: ago(5 * DAY), status_code: 502 }),
        ];
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 55, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/55/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/55/deliveries` }, { body: log });
        gh!.stub({ method: 'POST', path: `${HOOKS}/55/deliveries/1006/attempts` }, { status: 202, body: {} });
        gh!.stub({ method: 'POST', path: `${HOOKS}/55/deliveries/1004/attempts` }, { status: 202, body: {} });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/55`, body: (b) => b.active === false }, { body: makeHook({ id: 55, owner: 'o', repo: 'r', active: false, secret: true }) });
        const first = runListen({ register: 'o/r', json: true });
        await waitFor(first, /"type":"catch-up"/);
        const record = JSON.parse(first.stdout().split('\n').find((l) => l.includes('"catch-up"'))!) as { redelivered: string[]; lost: { deliveryId: string }[] };
        expect(record.redelivered).toEqual(['g-new-1', 'g-new-2']);
        expect(record.lost.map((l) => l.deliveryId)).toEqual(['g-old']);
        expect(first.stderr()).toContain('↻ caught up 2 deliveries sent while hookctl was not listening (GitHub redelivers them now)');
        expect(first.stderr()).toMatch(/1 delivery older than GitHub's 3-day redelivery window cannot be caught up: g-old/);
        expect(first.stderr()).toContain('hookctl deliveries pull o/r --hook-id 55');
        expect(await first.stop()).toMatchObject({ code: 0 });
        gh!.assertDone();

        // Second start: the same log; what was asked for is remembered, nothing is asked again.
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 55, owner: 'o', repo: 'r', url: 'https://gone.trycloudflare.com', active: false, events: ['*'], secret: true })] });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/55`, body: (b) => b.active === true }, { body: makeHook({ id: 55, owner: 'o', repo: 'r', secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/55/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/55/deliveries` }, { body: log });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/55`, body: (b) => b.active === false }, { body: makeHook({ id: 55, owner: 'o', repo: 'r', active: false, secret: true }) });
        const second = runListen({ register: 'o/r', json: true });
        await waitFor(second, /"type":"catch-up"/);
        const again = JSON.parse(second.stdout().split('\n').find((l) => l.includes('"catch-up"'))!) as { redelivered: string[] };
        expect(again.redelivered).toEqual([]);
        expect(await second.stop()).toMatchObject({ code: 0 });
        gh!.assertDone();
      });

      it('--json: the first line is a ready record (valid against its schema), before any delivery record', async () => {
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 66, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/66/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/66/deliveries` }, { body: [] });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/66`, body: (b) => b.active === false }, { body: makeHook({ id: 66, owner: 'o', repo: 'r', active: false, secret: true }) });
        const run = runListen({ register: 'o/r', json: true, inspectPort: 0 });
        await waitFor(run, /"type":"ready"/);
        const ping = await hookshotPing(hookBodies[0].config.url, hookBodies[0].config.secret, state(), 66);
        await waitFor(run, new RegExp(ping.deliveryId));
        await until(() => gh!.requestsTo('GET', `${HOOKS}/66/deliveries`).length === 1);
        expect(await run.stop()).toMatchObject({ code: 0 });
        const lines = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines[0]).toMatchObject({ type: 'ready', publicUrl: hookBodies[0].config.url, hook: { id: 66, repository: 'o/r', name: 'webhook 66 of o/r' } });
        expect(String(lines[0].inspector)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
        const { Ajv } = await import('ajv');
        const addFormats = (await import('ajv-formats')).default;
        const ajv = new Ajv({ strict: false });
        addFormats.default(ajv);
        ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas/delivery-record.schema.json'), 'utf8')), 'delivery-record.schema.json');
        const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/listen-record.schema.json'), 'utf8')));
        for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
        expect(lines.findIndex((l) => l.deliveryId === ping.deliveryId)).toBeGreaterThan(0);
        gh!.assertDone();
      });

      it('tunnel --register: a restart re-points the remembered hook (no new hook) with the same secret, and --keep-active leaves it on', async () => {
        // First run: create.
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 5, owner: 'o', repo: 'r', url: 'https://elsewhere.example.com/hook' })] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 88, owner: 'o', repo: 'r', events: ['push', 'pull_request'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/88/pings` }, { status: 204 });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/88`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 88, owner: 'o', repo: 'r', active: false, secret: true }) });

        const first = runTunnel({ port: originPort, register: 'o/r', events: 'push,pull_request' });
        await waitFor(first, /Forwarding requests/);
        const firstUrl = state().publicUrl;
        expect(first.stderr()).toContain('secret hookctl generated for o/r');
        const secret = hookBodies[0].config.secret as string;
        const ping = await hookshotPing(hookBodies[0].config.url, secret, state(), 88);
        expect(ping.status).toBe(200);
        expect(received[0].headers['x-github-event']).toBe('ping');
        expect(await first.stop()).toMatchObject({ code: 0 });
        expect(hookBodies[1]).toEqual({ active: false });

        // Second run: the remembered hook 88 (now pointing at the dead URL, inactive) is re-pointed.
        gh!.stub(
          { method: 'GET', path: HOOKS, query: { per_page: '100' } },
          { body: [makeHook({ id: 5, owner: 'o', repo: 'r', url: 'https://elsewhere.example.com/hook' }), makeHook({ id: 88, owner: 'o', repo: 'r', url: firstUrl, active: false, events: ['push', 'pull_request'], secret: true })] },
        );
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/88`, body: (b) => capture(b) && b.active === true }, { body: makeHook({ id: 88, owner: 'o', repo: 'r', events: ['push', 'pull_request'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/88/pings` }, { status: 204 });

        const second = runTunnel({ port: originPort, register: 'o/r', events: 'push,pull_request', keepActive: true });
        await waitFor(second, /Forwarding requests/);
        const secondUrl = state().publicUrl;
        expect(secondUrl).not.toBe(firstUrl);
        expect(hookBodies[2]).toMatchObject({ active: true, config: { url: secondUrl, secret } });
        expect(second.stderr()).toContain(`Re-pointed webhook 88 of o/r → ${secondUrl}`);
        const { pid } = state();
        expect(await second.stop()).toMatchObject({ code: 0 });
        expect(second.stderr()).toContain('Left webhook 88 of o/r active (--keep-active)');
        expect(hookBodies).toHaveLength(3); // no deactivation PATCH
        expect(await gone(pid)).toBe(true);
        gh!.assertDone();
      });

      it('GitHub refuses the registration: exit 1 with GitHub\'s reason, and cloudflared is stopped', async () => {
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/webhooks#list-repository-webhooks' } });
        const r = await runTunnel({ port: originPort, register: 'o/r' }).ended;
        expect(r.code).toBe(1);
        expect(r.message).toMatch(/404/);
        expect(await gone(state().pid)).toBe(true);
        gh!.assertDone();
      });

      it('no GitHub token: exit 4 naming what the token needs, and cloudflared is stopped', async () => {
        // No gh on PATH (it could have a token); node only, for the fake cloudflared's shebang.
        const noGh = join(box.dir, 'no-gh');
        mkdirSync(noGh);
        symlinkSync(process.execPath, join(noGh, 'node'));
        const r = await runTunnel({ port: originPort, register: 'o/r' }, { GITHUB_TOKEN: '', PATH: `${FAKE_BIN_DIR}:${noGh}` }).ended;
        expect(r.code).toBe(4);
        expect(r.message).toContain('no GitHub token');
        expect(r.details).toContain('admin:repo_hook');
        expect(await gone(state().pid)).toBe(true);
        gh!.assertDone();
      });

      it('a malformed --register is a usage error before cloudflared starts', async () => {
        const r = await runTunnel({ port: originPort, register: 'not-a-repo' }).ended;
        expect(r.code).toBe(2);
        expect(r.message).toBe('expected --register OWNER/REPO like octo-org/octo-repo, got "not-a-repo"');
        expect(existsSync(statePath())).toBe(false);
      });
    });
  });
});
