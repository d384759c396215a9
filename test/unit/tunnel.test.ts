import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudflaredMissingError, configExplanation, downloadedBinPath, findCloudflared, findCloudflaredConfigs } from '../../src/core/tunnel/find.js';
import { parseLogLine } from '../../src/core/tunnel/log.js';
import { defaultReadyTimeoutMs, gracePeriods, type QuickTunnel, type StopResult } from '../../src/core/tunnel/process.js';
import { MAX_FAILURES, TunnelSupervisor, type SupervisorOptions } from '../../src/core/tunnel/supervisor.js';
import { originUrl, payloadUrlFor } from '../../src/core/tunnel/session.js';

// Lines as the real cloudflared prints them (2024/2025 releases).
const BOX_URL = '2024-07-09T08:18:41Z INF |  https://symantec-transferred-lock-revenues.trycloudflare.com                              |';
const REGISTERED =
  '2024-07-09T08:18:43Z INF Registered tunnel connection connIndex=0 connection=02cb73dd-a7a1-4f7d-9e19-b0ba5f6bff11 event=0 ip=198.41.200.63 location=bru01 protocol=quic';

describe('parseLogLine', () => {
  it('reads the quick-tunnel URL from the box', () => {
    expect(parseLogLine(BOX_URL)).toEqual({ kind: 'url', url: 'https://symantec-transferred-lock-revenues.trycloudflare.com' });
  });

  it('reads the registered connection and its fields', () => {
    expect(parseLogLine(REGISTERED)).toEqual({
      kind: 'registered',
      connection: { connIndex: 0, id: '02cb73dd-a7a1-4f7d-9e19-b0ba5f6bff11', ip: '198.41.200.63', location: 'bru01', protocol: 'quic' },
    });
  });

  it('does not take api.trycloudflare.com in an error for the tunnel URL', () => {
    const line = '2024-01-01T00:00:00Z ERR Failed to fetch quick Tunnel error="Post \\"https://api.trycloudflare.com/tunnel\\": dial tcp: lookup api.trycloudflare.com: no such host"';
    expect(parseLogLine(line)).toEqual({ kind: 'error', message: expect.stringContaining('Failed to fetch quick Tunnel') });
  });

  it('does not take a URL outside the box (e.g. a request log) for the tunnel URL', () => {
    expect(parseLogLine('2024-01-01T00:00:00Z ERR Request failed dest=https://amber-orbit.trycloudflare.com/x type=http').kind).toBe('error');
  });

  it('recognises unregistered connections and plain info lines', () => {
    expect(parseLogLine('2024-01-24T21:46:28Z INF Unregistered tunnel connection connIndex=2 event=0 ip=198.41.200.53')).toEqual({ kind: 'unregistered', connIndex: 2 });
    expect(parseLogLine('2024-01-24T21:46:28Z INF Requesting new quick Tunnel on trycloudflare.com...')).toEqual({ kind: 'other' });
  });
});

describe('findCloudflared: resolution order', () => {
  let dir: string;
  const exe = (path: string, mode = 0o755) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\nexit 0\n');
    chmodSync(path, mode);
    return path;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookctl-tunnel-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers --cloudflared, then CLOUDFLARED_BIN, then the npm package, then HOOKCTL_HOME, then PATH', async () => {
    const home = join(dir, 'home');
    const flag = exe(join(dir, 'flag', 'cloudflared'));
    const envBin = exe(join(dir, 'env', 'cloudflared'));
    const pkg = exe(join(dir, 'pkg', 'cloudflared'));
    const downloaded = exe(downloadedBinPath(home));
    const onPath = exe(join(dir, 'path', 'cloudflared'));
    const env = { PATH: join(dir, 'path'), CLOUDFLARED_BIN: envBin };

    expect(await findCloudflared({ flag, env, home, packageBin: pkg })).toEqual({ path: flag, source: '--cloudflared' });
    expect(await findCloudflared({ env, home, packageBin: pkg })).toEqual({ path: envBin, source: 'CLOUDFLARED_BIN' });
    const noEnv = { PATH: env.PATH };
    expect(await findCloudflared({ env: noEnv, home, packageBin: pkg })).toEqual({ path: pkg, source: 'npm package' });
    expect(await findCloudflared({ env: noEnv, home, packageBin: join(dir, 'pkg', 'missing') })).toEqual({ path: downloaded, source: 'HOOKCTL_HOME' });
    rmSync(downloaded);
    expect(await findCloudflared({ env: noEnv, home, packageBin: null })).toEqual({ path: onPath, source: 'PATH' });
    rmSync(onPath);
    expect(await findCloudflared({ env: noEnv, home, packageBin: null })).toBeNull();
  });

  it('skips a non-executable file on PATH', async () => {
    exe(join(dir, 'a', 'cloudflared'), 0o644);
    const good = exe(join(dir, 'b', 'cloudflared'));
    const env = { PATH: [join(dir, 'a'), join(dir, 'b')].join(':') };
    expect(await findCloudflared({ env, home: dir, packageBin: null })).toEqual({ path: good, source: 'PATH' });
  });

  it('fails on an explicit path that does not exist or is not executable, naming where it came from', async () => {
    await expect(findCloudflared({ env: { CLOUDFLARED_BIN: join(dir, 'nope') }, home: dir, packageBin: null })).rejects.toThrow(
      `cloudflared not found at ${join(dir, 'nope')} (from CLOUDFLARED_BIN)`,
    );
    const notExe = exe(join(dir, 'x', 'cloudflared'), 0o644);
    await expect(findCloudflared({ flag: notExe, env: {}, home: dir, packageBin: null })).rejects.toThrow('(from --cloudflared) is not an executable file');
  });

  it('the missing-binary error lists every way to provide cloudflared', () => {
    const err = cloudflaredMissingError('/h');
    expect(err.exitCode).toBe(1);
    const text = [err.message, ...err.details].join('\n');
    for (const way of ['--cloudflared', 'CLOUDFLARED_BIN', 'PATH', 'download it into /h/bin', 'developers.cloudflare.com']) expect(text).toContain(way);
  });
});

describe('config files that stop quick tunnels', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookctl-tunnel-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds ~/.cloudflared/config.yml and config.yaml and explains them', () => {
    expect(findCloudflaredConfigs({ HOME: dir }).filter((p) => p.startsWith(dir))).toEqual([]);
    mkdirSync(join(dir, '.cloudflared'));
    writeFileSync(join(dir, '.cloudflared', 'config.yaml'), 'tunnel: abc\n');
    const found = findCloudflaredConfigs({ HOME: dir }).filter((p) => p.startsWith(dir));
    expect(found).toEqual([join(dir, '.cloudflared', 'config.yaml')]);
    const text = configExplanation(found).join('\n');
    expect(text).toContain('stops quick tunnels');
    expect(text).toContain(`mv ${found[0]} ${found[0]}.off`);
    expect(configExplanation([])).toEqual([]);
  });
});

describe('URLs', () => {
  it('points cloudflared at loopback when listen binds a wildcard address', () => {
    expect(originUrl(undefined, 5000)).toBe('http://127.0.0.1:5000');
    expect(originUrl('0.0.0.0', 5000)).toBe('http://127.0.0.1:5000');
    expect(originUrl('::', 5000)).toBe('http://[::1]:5000');
    expect(originUrl('::1', 8080)).toBe('http://[::1]:8080');
    expect(originUrl('localhost', 1)).toBe('http://localhost:1');
  });

  it('appends --path to the public URL', () => {
    expect(payloadUrlFor('https://a-b.trycloudflare.com', undefined)).toBe('https://a-b.trycloudflare.com');
    expect(payloadUrlFor('https://a-b.trycloudflare.com', '/webhooks')).toBe('https://a-b.trycloudflare.com/webhooks');
    expect(payloadUrlFor('https://a-b.trycloudflare.com', 'gh')).toBe('https://a-b.trycloudflare.com/gh');
  });
});

describe('timers: the real defaults (tests elsewhere shorten them)', () => {
  it('waits 30 s for the tunnel, or HOOKCTL_TUNNEL_TIMEOUT seconds', () => {
    expect(defaultReadyTimeoutMs({})).toBe(30_000);
    expect(defaultReadyTimeoutMs({ HOOKCTL_TUNNEL_TIMEOUT: '5' })).toBe(5000);
    expect(defaultReadyTimeoutMs({ HOOKCTL_TUNNEL_TIMEOUT: '0' })).toBe(30_000);
    expect(defaultReadyTimeoutMs({ HOOKCTL_TUNNEL_TIMEOUT: 'soon' })).toBe(30_000);
  });

  it('kills 3 s after SIGTERM on stop, 1 s after in the watchdog; only the hidden test knob shortens both', () => {
    expect(gracePeriods({})).toEqual({ graceMs: 3000, watchdogGraceMs: 1000 });
    expect(gracePeriods({ HOOKCTL_TEST_TUNNEL_GRACE_MS: '50' })).toEqual({ graceMs: 50, watchdogGraceMs: 50 });
    expect(gracePeriods({ HOOKCTL_TEST_TUNNEL_GRACE_MS: 'fast' })).toEqual({ graceMs: 3000, watchdogGraceMs: 1000 });
  });
});

/** A tunnel the test kills by hand; stop() is counted. */
interface FakeTunnel extends QuickTunnel {
  die(reason: string): void;
  stops: number;
}

function fakeTunnel(n: number): FakeTunnel {
  let die!: (reason: string) => void;
  const died = new Promise<string>((resolve) => (die = resolve));
  const tunnel: FakeTunnel = {
    publicUrl: `https://tunnel-${n}.trycloudflare.com`,
    target: 'http://127.0.0.1:1',
    pid: 1000 + n,
    bin: 'cloudflared',
    connection: { connIndex: 0, id: `c${n}`, ip: '198.41.200.13', location: 'ams07', protocol: 'quic' },
    died,
    lastLines: () => [],
    stops: 0,
    die,
    stop: (): Promise<StopResult> => {
      tunnel.stops++;
      return Promise.resolve({ forced: false, alreadyExited: false });
    },
  };
  return tunnel;
}

describe('TunnelSupervisor at its default timers (fake clock)', () => {
  let supervisor: TunnelSupervisor | undefined;
  let tunnels: FakeTunnel[];
  let retries: Array<{ reason: string; failures: number; delayMs: number }>;
  let restarted: string[];

  const supervise = (options: Partial<SupervisorOptions> = {}) => {
    tunnels = [fakeTunnel(0)];
    retries = [];
    restarted = [];
    supervisor = new TunnelSupervisor(tunnels[0], {
      start: () => {
        const t = fakeTunnel(tunnels.length);
        tunnels.push(t);
        return Promise.resolve(t);
      },
      onRetry: (reason, failures, delayMs) => retries.push({ reason, failures, delayMs }),
      onRestarted: (t, reason) => void restarted.push(`${t.publicUrl} after ${reason}`),
      ...options,
    });
    return supervisor;
  };
  /** Let the current tunnel die, then the clock run to just before and to the restart. */
  const dieAndRestart = async (reason: string, delayMs: number) => {
    const before = tunnels.length;
    tunnels.at(-1)!.die(reason);
    await vi.advanceTimersByTimeAsync(delayMs - 1);
    expect(tunnels).toHaveLength(before); // not a millisecond early
    await vi.advanceTimersByTimeAsync(1);
    expect(tunnels).toHaveLength(before + 1);
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
    vi.useRealTimers();
  });

  it('restarts after 1, 2, 4, 8 and 16 s, then gives up after 5 restarts in a row', async () => {
    const s = supervise();
    let gaveUp: string | undefined;
    void s.gaveUp.then((reason) => (gaveUp = reason));
    for (const [i, delay] of [1000, 2000, 4000, 8000, 16_000].entries()) {
      await dieAndRestart(`death ${i + 1}`, delay);
      expect(s.tunnel).toBe(tunnels.at(-1));
    }
    expect(retries).toEqual([1, 2, 3, 4, 5].map((n) => ({ reason: `death ${n}`, failures: n, delayMs: 1000 * 2 ** (n - 1) })));
    expect(restarted).toEqual([1, 2, 3, 4, 5].map((n) => `https://tunnel-${n}.trycloudflare.com after death ${n}`));
    expect(MAX_FAILURES).toBe(5);
    tunnels.at(-1)!.die('death 6');
    await vi.advanceTimersByTimeAsync(0);
    expect(gaveUp).toBe('death 6 (gave up after 5 restarts in a row)');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tunnels).toHaveLength(6); // no sixth restart
  });

  it('doubles the wait up to 30 s', async () => {
    supervise({ maxFailures: 8 });
    for (const delay of [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]) await dieAndRestart('gone', delay);
    expect(retries.map((r) => r.delayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('a tunnel that lived 60 s counts as healthy: the next restart waits 1 s again', async () => {
    supervise();
    await dieAndRestart('first', 1000);
    await vi.advanceTimersByTimeAsync(59_999);
    await dieAndRestart('young', 2000); // lived 59.999 s: still counted
    await vi.advanceTimersByTimeAsync(60_000);
    await dieAndRestart('old', 1000); // lived 60 s: counted from zero
    expect(retries.map((r) => [r.reason, r.failures])).toEqual([['first', 1], ['young', 2], ['old', 1]]);
  });

  it('probes every 30 s; two failures in a row stop the tunnel and start a new one, one does not', async () => {
    const answers: boolean[] = [];
    const probed: string[] = [];
    supervise({
      probe: (t) => {
        probed.push(t.publicUrl);
        return Promise.resolve(answers.shift() ?? true);
      },
    });
    answers.push(false, true, false, false);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(probed).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(probed).toHaveLength(1); // failed once
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probed).toHaveLength(3); // answered, then failed once more: still one in a row
    expect(tunnels).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(probed).toHaveLength(4); // the second failure in a row
    expect(tunnels[0].stops).toBe(1);
    expect(retries).toEqual([{ reason: 'the public URL https://tunnel-0.trycloudflare.com stopped answering', failures: 1, delayMs: 1000 }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tunnels).toHaveLength(2);
    expect(probed.every((url) => url === tunnels[0].publicUrl)).toBe(true);
  });

  it('probes at once when the clock jumped (the machine slept), not at the next interval', async () => {
    const probed: number[] = [];
    supervise({
      probe: () => {
        probed.push(Date.now());
        return Promise.resolve(true);
      },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probed).toHaveLength(0);
    vi.setSystemTime(Date.now() + 3_600_000); // an hour asleep: timers did not run
    await vi.advanceTimersByTimeAsync(1000);
    expect(probed).toHaveLength(1);
  });
});
