/**
 * The built CLI with the fake cloudflared first on PATH (test/helpers/bin) and the fake GitHub
 * API: `hookctl tunnel`, `hookctl tunnel --register`, `hookctl listen --tunnel --register`,
 * every failure mode with its message and exit code, and no cloudflared left behind (by pid).
 * Run `npx tsc -p tsconfig.build.json` first.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { newDelivery } from '../helpers/deliveries.js';
import { makeDeliverySummary, makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { hookshotPing, type FakeTunnelState } from '../helpers/hookshot.js';
import { ROOT, alive, runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';

const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));
const FAKE = join(FAKE_BIN_DIR, 'cloudflared');
const HOOKS = '/repos/o/r/hooks';

type FakeState = FakeTunnelState;


/** Waits until a pid is gone (the CLI reaps cloudflared before it exits, so this is immediate). */
async function gone(pid: number, ms = 500): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('hookctl tunnel / listen --tunnel (built CLI, fake cloudflared)', () => {
  let box: Sandbox;
  let env: NodeJS.ProcessEnv;
  let origin: Server;
  let originPort: number;
  let received: Array<{ url: string; headers: IncomingMessage['headers']; body: string }>;
  let running: LongRunning[];
  let gh: FakeGithub | undefined;

  const statePath = () => join(box.dir, 'cloudflared-state.json');
  const state = (): FakeState => JSON.parse(readFileSync(statePath(), 'utf8')) as FakeState;
  const start = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const p = startCli(args, { env: { ...env, ...extra } });
    running.push(p);
    return p;
  };

  beforeEach(async () => {
    box = sandbox();
    env = { ...box.env, PATH: `${FAKE_BIN_DIR}:${box.env.PATH}`, FAKE_CLOUDFLARED_STATE: join(box.dir, 'cloudflared-state.json') };
    received = [];
    running = [];
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
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    if (existsSync(statePath())) {
      const { pid } = state();
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await gh?.finish();
    await new Promise<void>((r) => origin.close(() => r()));
    box.cleanup();
  });

  it('tunnel: prints the payload URL, proxies to the local server, and Ctrl+C stops cloudflared', async () => {
    const p = start(['tunnel', '--port', String(originPort), '--path', '/webhooks']);
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

  it('tunnel: warns when nothing listens, and says once per failed request that the origin is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = start(['tunnel', '--port', String(closedPort)]);
    await p.waitFor(/Forwarding requests/);
    expect(p.stderr()).toContain(`! nothing is listening on http://127.0.0.1:${closedPort} yet; requests through the tunnel get 502 until your server runs`);
    const res = await fetch(`${state().localUrl}/x`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(502);
    await p.waitFor(/Unable to reach the origin service/);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.stderr().match(/! cloudflared: Unable to reach the origin service/g)).toHaveLength(1);
    expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('tunnel: SIGTERM stops it just as cleanly', async () => {
    const p = start(['tunnel', '--port', String(originPort)]);
    await p.waitFor(/Forwarding requests/);
    const { pid } = state();
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await gone(pid)).toBe(true);
  });

  it('listen --tunnel: a closed terminal (SIGHUP) stops gracefully, even with a cloudflared that ignores SIGTERM', async () => {
    const p = start(['listen', '--port', '0', '--tunnel', '--secret', 's3cret'], { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' });
    await p.waitFor(/Public payload URL/);
    const { pid } = state();
    expect(alive(pid)).toBe(true);
    const exit = await p.stop('SIGHUP');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toMatch(/cloudflared ignored SIGTERM; killed it/);
    expect(p.stderr()).toMatch(/Stopped after /);
    expect(await gone(pid, 2000)).toBe(true);
  });

  it.each([
    ['listen --tunnel', ['listen', '--port', '0', '--tunnel', '--secret', 's3cret']],
    ['tunnel', ['tunnel', '--port', '0']],
  ])('%s: SIGKILLed, hookctl leaves no cloudflared behind (the watchdog stops it within 3 s)', async (_name, args) => {
    const p = start(args.map((a) => (a === '0' && args[0] === 'tunnel' ? String(originPort) : a)), { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' });
    await p.waitFor(/Public payload URL|Payload URL/);
    const { pid } = state();
    expect(alive(pid)).toBe(true);
    await p.stop('SIGKILL');
    expect(await gone(pid, 3000)).toBe(true);
  });

  it('cloudflared gets no credentials in its environment', async () => {
    const p = start(['tunnel', '--port', String(originPort)], {
      GITHUB_TOKEN: 'ghp_x',
      GH_TOKEN: 'gho_x',
      HOOKCTL_SECRET: 's',
      GITHUB_WEBHOOK_SECRET: 's',
      GITHUB_APP_PRIVATE_KEY: 'k',
      SOME_OTHER: 'kept',
    });
    await p.waitFor(/Forwarding requests/);
    const keys = state().envKeys;
    for (const secret of ['GITHUB_TOKEN', 'GH_TOKEN', 'HOOKCTL_SECRET', 'GITHUB_WEBHOOK_SECRET', 'GITHUB_APP_PRIVATE_KEY']) expect(keys).not.toContain(secret);
    expect(keys).toContain('SOME_OTHER');
    expect(keys).toContain('HOME');
  });

  it('binary resolution: --cloudflared wins over CLOUDFLARED_BIN, which wins over PATH', async () => {
    const p = start(['tunnel', '--port', String(originPort), '--cloudflared', FAKE], { CLOUDFLARED_BIN: join(box.dir, 'not-there') });
    await p.waitFor(/Forwarding requests/);
    expect(p.stderr()).toContain(`cloudflared from --cloudflared: ${FAKE}`);
    await p.stop('SIGINT');

    const r = await runCli(['tunnel', '--port', String(originPort)], { env: { ...env, CLOUDFLARED_BIN: join(box.dir, 'not-there') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cloudflared not found at ${join(box.dir, 'not-there')} (from CLOUDFLARED_BIN)`);
  });

  it('no cloudflared anywhere (and no TTY): exit 1 listing every way to get it', async () => {
    const emptyBin = join(box.dir, 'empty-bin');
    mkdirSync(emptyBin);
    const r = await runCli(['tunnel', '--port', String(originPort)], { env: { ...env, PATH: emptyBin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cloudflared is not installed; hookctl needs it for --tunnel');
    for (const way of ['--cloudflared /path/to/cloudflared', 'CLOUDFLARED_BIN=', 'put it on your PATH', 'accept the offer to download it']) {
      expect(r.stderr).toContain(way);
    }
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('cloudflared fails to create the tunnel: exit 1 with its last lines', async () => {
    const r = await runCli(['tunnel', '--port', String(originPort)], { env: { ...env, FAKE_CLOUDFLARED_MODE: 'error' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cloudflared exited with code 1 before the tunnel was ready');
    expect(r.stderr).toContain('cloudflared said:');
    expect(r.stderr).toContain('429 Too Many Requests');
    expect(await gone(state().pid)).toBe(true);
  });

  it('no URL within the timeout: exit 1 naming the wait (HOOKCTL_TUNNEL_TIMEOUT shortens the 30 s)', async () => {
    // 5 s, not 1: the wait includes starting the fake (node), which once took over 1 s on a loaded 2-core CI machine.
    const r = await runCli(['tunnel', '--port', String(originPort)], { env: { ...env, FAKE_CLOUDFLARED_MODE: 'no-url', HOOKCTL_TUNNEL_TIMEOUT: '5' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no tunnel URL from cloudflared within 5 s');
    expect(r.stderr).toContain('Requesting new quick Tunnel on trycloudflare.com...');
    expect(await gone(state().pid)).toBe(true);
  });

  it.each([
    ['tunnel', (port: number) => ['tunnel', '--port', String(port)]],
    ['listen --tunnel', () => ['listen', '--port', '0', '--tunnel', '--secret', 's']],
  ])('%s: Ctrl+C while cloudflared is still starting exits 130 at once, cloudflared stopped', async (_name, args) => {
    const p = start(args(originPort), { FAKE_CLOUDFLARED_MODE: 'no-url' });
    await p.waitFor(/Starting a cloudflared quick tunnel/);
    await until(() => existsSync(statePath()));
    const { pid } = state();
    const began = Date.now();
    expect(await p.stop('SIGINT')).toEqual({ code: 130, signal: null });
    expect(Date.now() - began).toBeLessThan(2500);
    expect(p.stderr()).toContain('cancelled while cloudflared was starting');
    expect(await gone(pid)).toBe(true);
  });

  it('listen --tunnel --events push still shows GitHub\'s ping (it proves the hook works)', async () => {
    const p = start(['listen', '--port', '0', '--tunnel', '--secret', 'tunnel-secret', '--events', 'push']);
    await p.waitFor(/Public payload URL: (\S+)/);
    const s = state();
    const ping = await hookshotPing(`${s.publicUrl}/`, 'tunnel-secret', s, 5);
    expect(ping.status).toBe(200);
    await p.waitFor(/ping .*✓ signed/);
    expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('a ~/.cloudflared/config.yaml that stops quick tunnels is detected and explained', async () => {
    mkdirSync(join(box.dir, '.cloudflared'));
    writeFileSync(join(box.dir, '.cloudflared', 'config.yaml'), 'tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\ncredentials-file: x.json\n');
    const r = await runCli(['tunnel', '--port', String(originPort)], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`! cloudflared config found (${join(box.dir, '.cloudflared', 'config.yaml')})`);
    expect(r.stderr).toContain('error: cloudflared exited with code 1 before the tunnel was ready');
    expect(r.stderr).toContain('A default config (meant for a named tunnel) stops quick tunnels');
  });

  it('cloudflared keeps dying: restarted with backoff, and exit 1 after 5 failed restarts in a row, with its last lines', async () => {
    const r = await runCli(['tunnel', '--port', String(originPort)], { env: { ...env, FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_DIE_AFTER_MS: '200', HOOKCTL_TUNNEL_BACKOFF_MS: '10' }, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    for (let n = 1; n <= 5; n++) expect(r.stderr).toContain(`(attempt ${n} of 5)`);
    expect(r.stderr).toMatch(/error: the tunnel died: cloudflared exited with code 1: no more connections active and exiting \(gave up after 5 restarts in a row\)/);
    expect(r.stderr).toContain('cloudflared said:');
    expect(state().start).toBe(6);
    expect(await gone(state().pid)).toBe(true);
  });

  it('a cloudflared that ignores SIGTERM is killed after the grace period', async () => {
    const p = start(['tunnel', '--port', String(originPort)], { FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' });
    await p.waitFor(/Forwarding requests/);
    const { pid } = state();
    expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toContain(`cloudflared ignored SIGTERM; killed it (pid ${pid})`);
    expect(await gone(pid)).toBe(true);
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

      const p = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--path', '/github']);
      await p.waitFor(/Asked GitHub to ping webhook 77/);
      await p.waitFor(/Public payload URL/);
      const s = state();
      const created = hookBodies[0];
      expect(created).toMatchObject({ name: 'web', active: true, events: ['*'], config: { url: `${s.publicUrl}/github`, content_type: 'json', insecure_ssl: '0' } });
      const secret: string = created.config.secret;
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      // kept in HOOKCTL_HOME for the repository, never printed
      expect(readFileSync(join(box.env.HOOKCTL_HOME!, 'hooks.json'), 'utf8')).toContain(secret);
      expect(p.stderr()).toContain(`Created webhook 77 of o/r → ${s.publicUrl}/github`);
      expect(p.stderr()).toContain(`Public payload URL: ${s.publicUrl}/github`);

      // GitHub sends the ping through the tunnel, signed with the secret it was given.
      const ping = await hookshotPing(created.config.url, secret, s, 77);
      expect(ping.status).toBe(200);
      await p.waitFor(/ping .*✓ signed/);
      await until(() => gh!.requestsTo('GET', `${HOOKS}/77/deliveries`).length === 1); // catch-up ran

      expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
      expect(hookBodies[1]).toEqual({ active: false });
      expect(p.stderr()).toContain('Deactivated webhook 77 of o/r');
      expect(await gone(s.pid)).toBe(true);
      for (const out of [p.stdout(), p.stderr()]) {
        expect(out).not.toContain(secret);
        expect(out).not.toContain('ghp_test_token_never_printed');
      }
      gh!.assertDone();

      // The ping is in the store, verified.
      const list = await runCli(['deliveries', 'list', '--json'], { env });
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.stdout) as Array<{ deliveryId: string; event: string; signature: string }>;
      expect(rows).toEqual([expect.objectContaining({ deliveryId: ping.deliveryId, event: 'ping', signature: 'valid' })]);
    });

    it('Ctrl+C twice while a forward hangs: the hook is deactivated first, so stopping at once leaves nothing pointing at the dead tunnel', async () => {
      const slow = createServer(() => undefined); // accepts, never answers
      await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
      try {
        gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
        gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 78, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
        gh!.stub({ method: 'POST', path: `${HOOKS}/78/pings` }, { status: 204 });
        gh!.stub({ method: 'GET', path: `${HOOKS}/78/deliveries` }, { body: [] });
        gh!.stub({ method: 'PATCH', path: `${HOOKS}/78`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 78, owner: 'o', repo: 'r', active: false, secret: true }) });
        const app = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
        const p = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--forward-to', app]);
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
        gh!.assertDone();
        // The forward was still hanging: only the hook's release came before the stop.
        expect(p.stderr()).not.toMatch(/Stopped after/);
        // cloudflared goes with hookctl (its watchdog, within 3 s).
        expect(await gone(pid, 3000)).toBe(true);
      } finally {
        slow.closeAllConnections();
        await new Promise<void>((resolve) => slow.close(() => resolve()));
      }
    });

    it('listen --tunnel --register: cloudflared dies, a new tunnel starts, the hook is re-pointed at it, and a delivery through it is stored', async () => {
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
      gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 99, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
      gh!.stub({ method: 'POST', path: `${HOOKS}/99/pings` }, { status: 204 });
      gh!.stub({ method: 'GET', path: `${HOOKS}/99/deliveries` }, { body: [] }, { body: [] });
      const p = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--json'], { FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_TIMES: '1', FAKE_CLOUDFLARED_DIE_AFTER_MS: '1500', HOOKCTL_TUNNEL_BACKOFF_MS: '10' });
      await p.waitFor(/"type":"ready"/);
      const firstUrl = state().publicUrl;
      const secret = hookBodies[0].config.secret as string;
      // After the death: GitHub is asked for the hook list, and the hook is PATCHed to the new URL.
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 99, owner: 'o', repo: 'r', url: firstUrl, events: ['*'], secret: true })] });
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/99`, body: (b) => capture(b) && b.active === true && b.config.url !== firstUrl }, { body: makeHook({ id: 99, owner: 'o', repo: 'r', secret: true }) });
      await p.waitFor(/"type":"tunnel-restarted"/, 10_000);
      const restarted = JSON.parse(p.stdout().split('\n').find((l) => l.includes('"tunnel-restarted"'))!) as { publicUrl: string; hook: { name: string; repointed: boolean } };
      expect(restarted.publicUrl).not.toBe(firstUrl);
      expect(restarted.hook).toEqual({ name: 'webhook 99 of o/r', repointed: true });
      expect(hookBodies[1].config).toMatchObject({ url: restarted.publicUrl, secret });
      expect(p.stderr()).toMatch(/the tunnel is down \(cloudflared exited with code 1: no more connections active and exiting\); starting a new one/);
      expect(p.stderr()).toContain(`Re-pointed webhook 99 of o/r → ${restarted.publicUrl}`);
      await until(() => state().publicUrl === restarted.publicUrl);
      const ping = await hookshotPing(restarted.publicUrl, secret, state(), 99);
      expect(ping.status).toBe(200);
      await p.waitFor(new RegExp(ping.deliveryId));
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/99`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 99, owner: 'o', repo: 'r', active: false, secret: true }) });
      await until(() => gh!.requestsTo('GET', `${HOOKS}/99/deliveries`).length === 2); // both catch-ups ran
      expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
      expect(p.stderr()).toContain('Deactivated webhook 99 of o/r');
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
      const first = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--json']);
      await first.waitFor(/"type":"catch-up"/);
      const record = JSON.parse(first.stdout().split('\n').find((l) => l.includes('"catch-up"'))!) as { redelivered: string[]; lost: { deliveryId: string }[] };
      expect(record.redelivered).toEqual(['g-new-1', 'g-new-2']);
      expect(record.lost.map((l) => l.deliveryId)).toEqual(['g-old']);
      expect(first.stderr()).toContain('↻ caught up 2 deliveries sent while hookctl was not listening (GitHub redelivers them now)');
      expect(first.stderr()).toMatch(/1 delivery older than GitHub's 3-day redelivery window cannot be caught up: g-old/);
      expect(first.stderr()).toContain('hookctl deliveries pull o/r --hook-id 55');
      expect(await first.stop('SIGINT')).toEqual({ code: 0, signal: null });
      gh!.assertDone();

      // Second start: the same log; what was asked for is remembered, nothing is asked again.
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 55, owner: 'o', repo: 'r', url: 'https://gone.trycloudflare.com', active: false, events: ['*'], secret: true })] });
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/55`, body: (b) => b.active === true }, { body: makeHook({ id: 55, owner: 'o', repo: 'r', secret: true }) });
      gh!.stub({ method: 'POST', path: `${HOOKS}/55/pings` }, { status: 204 });
      gh!.stub({ method: 'GET', path: `${HOOKS}/55/deliveries` }, { body: log });
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/55`, body: (b) => b.active === false }, { body: makeHook({ id: 55, owner: 'o', repo: 'r', active: false, secret: true }) });
      const second = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--json']);
      await second.waitFor(/"type":"catch-up"/);
      const again = JSON.parse(second.stdout().split('\n').find((l) => l.includes('"catch-up"'))!) as { redelivered: string[] };
      expect(again.redelivered).toEqual([]);
      expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
      gh!.assertDone();
    });

    it('--json: the first line is a ready record (valid against its schema), before any delivery record', async () => {
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [] });
      gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 66, owner: 'o', repo: 'r', events: ['*'], secret: true }) });
      gh!.stub({ method: 'POST', path: `${HOOKS}/66/pings` }, { status: 204 });
      gh!.stub({ method: 'GET', path: `${HOOKS}/66/deliveries` }, { body: [] });
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/66`, body: (b) => b.active === false }, { body: makeHook({ id: 66, owner: 'o', repo: 'r', active: false, secret: true }) });
      const p = start(['listen', '--port', '0', '--tunnel', '--register', 'o/r', '--json', '--inspect-port', '0']);
      await p.waitFor(/"type":"ready"/);
      const ping = await hookshotPing(hookBodies[0].config.url, hookBodies[0].config.secret, state(), 66);
      await p.waitFor(new RegExp(ping.deliveryId));
      await until(() => gh!.requestsTo('GET', `${HOOKS}/66/deliveries`).length === 1);
      expect(await p.stop('SIGINT')).toEqual({ code: 0, signal: null });
      const lines = p.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ type: 'ready', publicUrl: hookBodies[0].config.url, hook: { id: 66, repository: 'o/r', name: 'webhook 66 of o/r' } });
      expect(String(lines[0].inspector)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
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

    it('a tunnel that keeps running but stops proxying is noticed by its probes and replaced', async () => {
      const p = start(['listen', '--port', '0', '--tunnel', '--secret', 's'], {
        FAKE_CLOUDFLARED_MODE: 'stall',
        FAKE_CLOUDFLARED_TIMES: '1',
        FAKE_CLOUDFLARED_STALL_AFTER_MS: '400',
        HOOKCTL_TUNNEL_PROBE_MS: '300',
        HOOKCTL_TUNNEL_BACKOFF_MS: '10',
        HOOKCTL_TEST_TUNNEL_MAP: statePath(),
      });
      await p.waitFor(/Public payload URL/);
      const first = state();
      const began = Date.now();
      await p.waitFor(/Tunnel restarted/, 10_000);
      expect(Date.now() - began).toBeLessThan(5000);
      expect(p.stderr()).toMatch(/the public URL https:\/\/\S+ stopped answering/);
      expect(await gone(first.pid, 3000)).toBe(true);
      await until(() => state().pid !== first.pid && state().localUrl !== null);
      const res = await fetch(`${state().localUrl}/`);
      expect(res.status).toBe(200);
    });

    it('tunnel --register: a restart re-points the remembered hook (no new hook) with the same secret, and --keep-active leaves it on', async () => {
      // First run: create.
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { body: [makeHook({ id: 5, owner: 'o', repo: 'r', url: 'https://elsewhere.example.com/hook' })] });
      gh!.stub({ method: 'POST', path: HOOKS, body: capture }, { status: 201, body: makeHook({ id: 88, owner: 'o', repo: 'r', events: ['push', 'pull_request'], secret: true }) });
      gh!.stub({ method: 'POST', path: `${HOOKS}/88/pings` }, { status: 204 });
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/88`, body: (b) => capture(b) && b.active === false }, { body: makeHook({ id: 88, owner: 'o', repo: 'r', active: false, secret: true }) });

      const first = start(['tunnel', '--port', String(originPort), '--register', 'o/r', '--events', 'push,pull_request']);
      await first.waitFor(/Forwarding requests/);
      const firstUrl = state().publicUrl;
      expect(first.stderr()).toContain('secret hookctl generated for o/r');
      const secret = hookBodies[0].config.secret as string;
      const ping = await hookshotPing(hookBodies[0].config.url, secret, state(), 88);
      expect(ping.status).toBe(200);
      expect(received[0].headers['x-github-event']).toBe('ping');
      expect(await first.stop('SIGINT')).toEqual({ code: 0, signal: null });
      expect(hookBodies[1]).toEqual({ active: false });

      // Second run: the remembered hook 88 (now pointing at the dead URL, inactive) is re-pointed.
      gh!.stub(
        { method: 'GET', path: HOOKS, query: { per_page: '100' } },
        { body: [makeHook({ id: 5, owner: 'o', repo: 'r', url: 'https://elsewhere.example.com/hook' }), makeHook({ id: 88, owner: 'o', repo: 'r', url: firstUrl, active: false, events: ['push', 'pull_request'], secret: true })] },
      );
      gh!.stub({ method: 'PATCH', path: `${HOOKS}/88`, body: (b) => capture(b) && b.active === true }, { body: makeHook({ id: 88, owner: 'o', repo: 'r', events: ['push', 'pull_request'], secret: true }) });
      gh!.stub({ method: 'POST', path: `${HOOKS}/88/pings` }, { status: 204 });

      const second = start(['tunnel', '--port', String(originPort), '--register', 'o/r', '--events', 'push,pull_request', '--keep-active']);
      await second.waitFor(/Forwarding requests/);
      const secondUrl = state().publicUrl;
      expect(secondUrl).not.toBe(firstUrl);
      expect(hookBodies[2]).toMatchObject({ active: true, config: { url: secondUrl, secret } });
      expect(second.stderr()).toContain(`Re-pointed webhook 88 of o/r → ${secondUrl}`);
      const { pid } = state();
      expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
      expect(second.stderr()).toContain('Left webhook 88 of o/r active (--keep-active)');
      expect(hookBodies).toHaveLength(3); // no deactivation PATCH
      expect(await gone(pid)).toBe(true);
      gh!.assertDone();
    });

    it('GitHub refuses the registration: exit 1 with GitHub\'s reason, and cloudflared is stopped', async () => {
      gh!.stub({ method: 'GET', path: HOOKS, query: { per_page: '100' } }, { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/webhooks#list-repository-webhooks' } });
      const r = await runCli(['tunnel', '--port', String(originPort), '--register', 'o/r'], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: .*404/);
      expect(await gone(state().pid)).toBe(true);
      gh!.assertDone();
    });

    it('no GitHub token: exit 4 naming what the token needs, and cloudflared is stopped', async () => {
      // No gh on PATH (it could have a token); node only, for the fake cloudflared's shebang.
      const noToken = { ...env, GITHUB_TOKEN: '', PATH: `${FAKE_BIN_DIR}:${join(box.dir, 'no-gh')}` };
      mkdirSync(join(box.dir, 'no-gh'));
      symlinkSync(process.execPath, join(box.dir, 'no-gh', 'node'));
      const r = await runCli(['tunnel', '--port', String(originPort), '--register', 'o/r'], { env: noToken });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('error: no GitHub token');
      expect(r.stderr).toContain('admin:repo_hook');
      expect(await gone(state().pid)).toBe(true);
      gh!.assertDone();
    });

    it('a malformed --register is a usage error before cloudflared starts', async () => {
      const r = await runCli(['tunnel', '--port', String(originPort), '--register', 'not-a-repo'], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error: expected --register OWNER/REPO like octo-org/octo-repo, got "not-a-repo"');
      expect(existsSync(statePath())).toBe(false);
    });
  });
});
