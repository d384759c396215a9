import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudflaredMissingError, configExplanation, downloadedBinPath, findCloudflared, findCloudflaredConfigs } from '../../src/core/tunnel/find.js';
import { parseLogLine } from '../../src/core/tunnel/log.js';
import { originUrl, payloadUrlFor } from '../../src/commands/shared/tunnel-session.js';

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
