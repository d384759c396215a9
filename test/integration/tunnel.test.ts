/**
 * core/tunnel.ts against the fake cloudflared (test/helpers/bin/cloudflared): readiness,
 * proxying, every failure mode, and that the child never outlives a stop or a failed start.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, TargetError } from '../../src/errors.js';
import { startQuickTunnel, type QuickTunnel } from '../../src/core/tunnel/process.js';
import { alive } from '../helpers/run-cli.js';

const FAKE = fileURLToPath(new URL('../helpers/bin/cloudflared', import.meta.url));


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
    const result = await t.stop();
    expect(result).toEqual({ forced: false, alreadyExited: false });
    expect(alive(t.pid)).toBe(false);
    // died never fires for a stop we asked for
    const raced = await Promise.race([t.died, new Promise((r) => setTimeout(() => r('quiet'), 100))]);
    expect(raced).toBe('quiet');
  });

  it('kills a cloudflared that ignores SIGTERM after the grace period', async () => {
    const t = await start({ FAKE_CLOUDFLARED_MODE: 'ignore-sigterm' }, { graceMs: 300 });
    const began = Date.now();
    const result = await t.stop();
    expect(result.forced).toBe(true);
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(alive(t.pid)).toBe(false);
  });

  it('no URL in time: fails with the timeout and cloudflared\'s last lines, and the child is gone', async () => {
    const { message, details } = await failure({ FAKE_CLOUDFLARED_MODE: 'no-url' }, { readyTimeoutMs: 600 });
    expect(message).toBe('no tunnel URL from cloudflared within 1 s');
    expect(details).toContain('Requesting new quick Tunnel on trycloudflare.com...');
    expect(alive(state().pid)).toBe(false);
    await expect(processesWithArg(originUrl)).resolves.toEqual([]);
  });

  it('aborting while cloudflared starts stops it and rejects with CancelledError', async () => {
    const controller = new AbortController();
    const pending = start({ FAKE_CLOUDFLARED_MODE: 'no-url' }, { readyTimeoutMs: 10_000, signal: controller.signal });
    await until(() => existsSync(join(dir, 'state.json')));
    const began = Date.now();
    controller.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).exitCode).toBe(130);
    expect(Date.now() - began).toBeLessThan(2000);
    expect(alive(state().pid)).toBe(false);
  });

  it('URL but no registered connection: fails naming the URL', async () => {
    // 2 s: the fake (a node process) must print its URL inside the window even on a busy
    // machine, or the failure is 'no tunnel URL' instead (seen once with 800 ms).
    const { message, details } = await failure({ FAKE_CLOUDFLARED_MODE: 'no-connection' }, { readyTimeoutMs: 2000 });
    expect(message).toMatch(/^cloudflared created https:\/\/\S+\.trycloudflare\.com but registered no connection to Cloudflare within 2 s$/);
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
    const t = await start({ FAKE_CLOUDFLARED_MODE: 'die', FAKE_CLOUDFLARED_DIE_AFTER_MS: '100' });
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

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** PIDs of processes whose command line contains `arg` (Linux /proc). */
async function processesWithArg(arg: string): Promise<number[]> {
  const { readdirSync } = await import('node:fs');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('fake-cloudflared') && cmd.split('\0').includes(arg)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}
