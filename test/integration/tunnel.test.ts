/**
 * core/tunnel/process.ts against the fake cloudflared (run directly: its shebang, no shell):
 * readiness, proxying, every failure mode, and that the child never outlives a stop or a failed
 * start. The ready timeout and the grace period run at their real defaults (30 s, 3 s) on a fake
 * clock, advanced once cloudflared printed what the test waits for. And the probe's rule
 * (core/tunnel/probe.ts) against a local server answering as each kind of origin would.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, TargetError } from '../../src/errors.js';
import { probeTunnel } from '../../src/core/tunnel/probe.js';
import { startQuickTunnel, type QuickTunnel } from '../../src/core/tunnel/process.js';
import { alive } from '../helpers/run-cli.js';

const FAKE = fileURLToPath(new URL('../helpers/fake-cloudflared.mjs', import.meta.url));

/** Only the timers startQuickTunnel sets: child processes, streams and setImmediate stay real. */
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

/** An onLine callback, and a promise that resolves once a line matches. */
function lineSeen(pattern: RegExp): { onLine: (line: string) => void; seen: Promise<string> } {
  let resolve!: (line: string) => void;
  const seen = new Promise<string>((r) => (resolve = r));
  return { onLine: (line) => pattern.test(line) && resolve(line), seen };
}

/** Signals hookctl sent (process.kill is spied on, still sending them). */
function signalsSent(kill: { mock: { calls: unknown[][] } }, signal: NodeJS.Signals): unknown[] {
  return kill.mock.calls.filter(([, s]) => s === signal).map(([pid]) => pid);
}


interface FakeState {
  pid: number;
  publicUrl: string;
  localUrl: string;
  target: string;
  args: string[];
}

describe('startQuickTunnel (fake cloudflared)', () => {
  let dir: string;
  let origin: Server;
  let originUrl: string;
  let received: Array<{ method: string; url: string; headers: Record<string, unknown>; body: Buffer }>;
  let tunnels: QuickTunnel[];

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    FAKE_CLOUDFLARED_STATE: join(dir, 'state.json'),
    ...extra,
  });
  const state = (): FakeState => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as FakeState;
  const start = async (extra: NodeJS.ProcessEnv = {}, more: Partial<Parameters<typeof startQuickTunnel>[0]> = {}) => {
    const t = await startQuickTunnel({ bin: FAKE, target: originUrl, env: env(extra), readyTimeoutMs: 5000, graceMs: 500, ...more });
    tunnels.push(t);
    return t;
  };
  const failure = async (extra: NodeJS.ProcessEnv, more: Partial<Parameters<typeof startQuickTunnel>[0]> = {}) => {
    const err = await start(extra, more).then(
      () => {
        throw new Error('expected the tunnel to fail');
      },
      (e: unknown) => e as TargetError,
    );
    expect(err).toBeInstanceOf(TargetError);
    return { message: err.message, details: err.details.join('\n') };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookctl-tunnel-int-'));
    received = [];
    tunnels = [];
    origin = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(202, { 'x-origin': 'yes' });
        res.end('accepted');
      });
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await Promise.all(tunnels.map((t) => t.stop()));
    await new Promise<void>((r) => origin.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready after the URL and the registered connection, and proxies requests byte for byte', async () => {
    const t = await start();
    const s = state();
    expect(t.publicUrl).toBe(s.publicUrl);
    expect(t.publicUrl).toMatch(/^https:\/\/[a-z]+(-[a-z]+)+\.trycloudflare\.com$/);
    expect(t.pid).toBe(s.pid);
    expect(await processesWithArg(originUrl)).toEqual([t.pid]);
    expect(s.args).toEqual(['tunnel', '--url', originUrl, '--no-autoupdate']);
    expect(t.connection).toMatchObject({ connIndex: 0, location: 'ams07', protocol: 'quic' });
    expect(t.lastLines().some((l) => l.includes('Your quick Tunnel has been created'))).toBe(true);

    const body = Buffer.from('{"zen":"Design for failure.", "spaced" : true}');
    const res = await fetch(`${s.localUrl}/webhooks?x=1`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'ping' } });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('accepted');
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/webhooks?x=1');
    expect(received[0].body.equals(body)).toBe(true);
    expect(received[0].headers['x-github-event']).toBe('ping');
    expect(received[0].headers.host).toBe(new URL(t.publicUrl).host);
    expect(received[0].headers['x-forwarded-proto']).toBe('https');
  });

  it('stop() sends SIGTERM and waits for the process to be gone', async () => {
    const t = await start();
    expect(alive(t.pid)).toBe(true);
    let died: string | undefined;
    void t.died.then((reason) => (died = reason));
    const result = await t.stop();
    expect(result).toEqual({ forced: false, alreadyExited: false });
    expect(alive(t.pid)).toBe(false);
    // died never fires for a stop we asked for (it would have, before stop() resolved)
    expect(died).toBeUndefined();
  });

  it('kills a cloudflared that ignores SIGTERM 3 s after it (the default grace period)', async () => {
    const terminated = lineSeen(/Initiating graceful shutdown due to signal terminated/);
    const t = await start({ FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' }, { graceMs: undefined, onLine: terminated.onLine });
    fakeClock();
    const kill = vi.spyOn(process, 'kill');
    const stopping = t.stop();
    await terminated.seen; // it got SIGTERM, and ignored it
    vi.advanceTimersByTime(2999);
    expect(signalsSent(kill, 'SIGKILL')).toEqual([]);
    expect(alive(t.pid)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(signalsSent(kill, 'SIGKILL')).toEqual([t.pid]);
    expect(await stopping).toEqual({ forced: true, alreadyExited: false });
    expect(alive(t.pid)).toBe(false);
  });

  it('no URL within 30 s (the default): fails with the timeout and cloudflared\'s last lines, and the child is gone', async () => {
    fakeClock();
    const kill = vi.spyOn(process, 'kill');
    const asking = lineSeen(/Requesting new quick Tunnel/);
    const failing = failure({ FAKE_CLOUDFLARED_MODE: 'no-url' }, { readyTimeoutMs: undefined, onLine: asking.onLine });
    await asking.seen;
    vi.advanceTimersByTime(29_999);
    expect(signalsSent(kill, 'SIGTERM')).toEqual([]); // still waiting
    vi.advanceTimersByTime(1);
    const { message, details } = await failing;
    expect(message).toBe('no tunnel URL from cloudflared within 30 s');
    expect(details).toContain('Requesting new quick Tunnel on trycloudflare.com...');
    expect(alive(state().pid)).toBe(false);
    await expect(processesWithArg(originUrl)).resolves.toEqual([]);
  });

  it('aborting while cloudflared starts stops it at once and rejects with CancelledError', async () => {
    fakeClock(); // no timer can fire: "at once" means before any of them
    const controller = new AbortController();
    const asking = lineSeen(/Requesting new quick Tunnel/);
    const pending = start({ FAKE_CLOUDFLARED_MODE: 'no-url' }, { readyTimeoutMs: 10_000, signal: controller.signal, onLine: asking.onLine });
    await asking.seen;
    controller.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).exitCode).toBe(130);
    expect(alive(state().pid)).toBe(false);
  });

  it('URL but no registered connection within 30 s: fails naming the URL', async () => {
    fakeClock();
    const url = lineSeen(/\|\s+https:\/\/\S+\.trycloudflare\.com/);
    const failing = failure({ FAKE_CLOUDFLARED_MODE: 'no-connection' }, { readyTimeoutMs: undefined, onLine: url.onLine });
    await url.seen;
    vi.advanceTimersByTime(30_000);
    const { message, details } = await failing;
    expect(message).toMatch(/^cloudflared created https:\/\/\S+\.trycloudflare\.com but registered no connection to Cloudflare within 30 s$/);
    expect(details).toContain('port 7844');
    expect(alive(state().pid)).toBe(false);
  });

  it('cloudflared exits with an error: fails with its exit code and error lines', async () => {
    const { message, details } = await failure({ FAKE_CLOUDFLARED_MODE: 'error' });
    expect(message).toBe('cloudflared exited with code 1 before the tunnel was ready');
    expect(details).toContain('ERR Error unmarshaling QuickTunnel response');
    expect(details).toContain('429 Too Many Requests');
  });

  it('a ~/.cloudflared/config.yml that stops the quick tunnel is explained', async () => {
    mkdirSync(join(dir, '.cloudflared'));
    writeFileSync(join(dir, '.cloudflared', 'config.yml'), 'tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\n');
    const { message, details } = await failure({});
    expect(message).toBe('cloudflared exited with code 1 before the tunnel was ready');
    expect(details).toContain('Error locating origin cert');
    expect(details).toContain(`cloudflared found a config file: ${join(dir, '.cloudflared', 'config.yml')}`);
    expect(details).toContain('stops quick tunnels');
  });

  it('dies while open: died resolves with the reason', async () => {
    const t = await start();
    process.kill(t.pid, 'SIGUSR2'); // the fake dies the way cloudflared does when its connections fail
    const reason = await t.died;
    expect(reason).toBe('cloudflared exited with code 1: no more connections active and exiting');
    expect(alive(t.pid)).toBe(false);
    expect(await t.stop()).toEqual({ forced: false, alreadyExited: true });
  });

  it('a binary that cannot run fails with a clear message', async () => {
    const missing = join(dir, 'no-such-cloudflared');
    expect(existsSync(missing)).toBe(false);
    const err = await startQuickTunnel({ bin: missing, target: originUrl, env: env() }).catch((e: TargetError) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).message).toBe(`could not run ${missing}: not found`);
  });
});

describe('probeTunnel (a local server in place of the public URL)', () => {
  let server: Server;
  let url: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  let asked: Array<{ path: string; probe: string | undefined }>;
  const token = 'ab'.repeat(16);

  beforeEach(async () => {
    asked = [];
    server = createServer((req, res) => {
      asked.push({ path: req.url!, probe: req.headers['x-hookctl-probe'] as string | undefined });
      answer(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  it('with a token (listen): true only for a 200 that gives the token back', async () => {
    answer = (req, res) => json(200, { name: 'hookctl', probe: req.headers['x-hookctl-probe'] })(req, res);
    expect(await probeTunnel(`${url}/hooks`, { token })).toBe(true);
    expect(asked).toEqual([{ path: '/hooks', probe: token }]);
    answer = json(200, { name: 'hookctl' }); // another server, or another hookctl
    expect(await probeTunnel(url, { token })).toBe(false);
    answer = json(502, { probe: token });
    expect(await probeTunnel(url, { token })).toBe(false);
    answer = (_req, res) => res.end('<html>not JSON</html>');
    expect(await probeTunnel(url, { token })).toBe(false);
  });

  it('without a token (the user\'s own server): any answer but Cloudflare\'s 530', async () => {
    answer = json(404, { message: 'Not Found' });
    expect(await probeTunnel(url)).toBe(true);
    expect(asked[0].probe).toBeUndefined();
    answer = json(530, {});
    expect(await probeTunnel(url)).toBe(false);
  });

  it('fails when nothing answers: refused, or hanging past timeoutMs', async () => {
    answer = () => undefined; // accepts, never answers
    expect(await probeTunnel(url, { timeoutMs: 50 })).toBe(false);
    expect(asked).toHaveLength(1);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    expect(await probeTunnel(url)).toBe(false);
    server = createServer(); // for afterEach
  });

  it('map sends the request for the public URL elsewhere (the fake cloudflared\'s loopback port)', async () => {
    answer = json(200, {});
    expect(await probeTunnel('https://amber-orbit.trycloudflare.com/gh?x=1', { map: (u) => u.replace('https://amber-orbit.trycloudflare.com', url) })).toBe(true);
    expect(asked).toEqual([{ path: '/gh?x=1', probe: undefined }]);
  });
});

/** PIDs of fake cloudflareds (node running the script, not the watchdog shell) given `arg` (Linux /proc). */
async function processesWithArg(arg: string): Promise<number[]> {
  const { readdirSync } = await import('node:fs');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[1]?.endsWith('fake-cloudflared.mjs') && argv.includes(arg)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}
