/**
 * Hardening: signals (SIGHUP, a second Ctrl+C) on the built CLI; text from senders that tries
 * to drive the terminal, and hop-by-hop headers named in Connection, with the commands run in
 * this process.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { DELIVERY_TIMEOUT_MS } from '../../src/core/deliver/post.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { postDelivery, postRaw } from '../helpers/webhook-apps.js';

let box: Sandbox;
let children: LongRunning[] = [];
let inProcess: InProcessRunning[] = [];
let servers: { close(): Promise<void> | void }[] = [];

async function startListen(args: string[] = []): Promise<{ cli: LongRunning; url: string }> {
  const cli = startCli(['listen', '--port', '0', ...args], { env: box.env });
  children.push(cli);
  const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { cli, url: `http://127.0.0.1:${m[1]}/` };
}

/** listen in this process; its Listening line gives the URL. */
async function startListenHere(args: string[] = []): Promise<{ cli: InProcessRunning; url: string }> {
  const cli = startInProcess(['listen', '--port', '0', ...args], { env: box.env });
  inProcess.push(cli);
  const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { cli, url: `http://127.0.0.1:${m[1]}/` };
}

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  for (const c of children) await c.stop('SIGKILL');
  for (const c of inProcess) await c.stop('SIGINT');
  for (const s of servers) await s.close();
  children = [];
  inProcess = [];
  servers = [];
  box.cleanup();
});

describe('signals', () => {
  it('a closed terminal (SIGHUP) stops a plain listen gracefully, with its summary, exit 0', async () => {
    const { cli, url } = await startListen();
    expect((await postDelivery(url, '{"action":"opened"}')).status).toBe(200);
    await cli.waitFor(/issues\.opened/);
    expect(await cli.stop('SIGHUP')).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toMatch(/Stopped after .*: 1 accepted, 0 rejected/);
  });

  it('a second Ctrl+C while a forward is slow stops at once (exit 130); the first says how', async () => {
    const slow: Server = createServer(() => undefined); // never answers
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise<void>((r) => { slow.closeAllConnections(); slow.close(() => r()); }) });
    const appUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    const { cli, url } = await startListen(['--forward-to', appUrl]);
    expect((await postDelivery(url, '{"action":"opened"}')).status).toBe(200);
    await cli.waitFor(/issues\.opened/);
    cli.child.kill('SIGINT');
    await cli.waitFor(/Ctrl\+C again to stop now/);
    cli.child.kill('SIGINT');
    // At once: without waiting out the forward, which only its own deadline would end.
    let deadline: NodeJS.Timeout | undefined;
    const exit = await Promise.race([cli.exited, new Promise<'waited'>((resolve) => (deadline = setTimeout(() => resolve('waited'), DELIVERY_TIMEOUT_MS)))]);
    clearTimeout(deadline);
    expect(exit).toMatchObject({ code: 130 });
    expect(cli.stdout()).not.toMatch(/timed out/);
    expect(cli.stderr()).toMatch(/Stopped at once/);
    expect(cli.stderr()).not.toMatch(/error:/);
  });
});

describe('text from a sender never reaches the terminal as control sequences', () => {
  it('ESC, OSC titles and OSC 8 links in action, repository, sender and headers are escaped by listen, deliveries list and show', async () => {
    const { cli, url } = await startListenHere();
    const payload = JSON.stringify({
      action: '\u001b[2J\u001b[Hopened',
      repository: { full_name: '\u001b]0;pwned\u0007o/r' },
      sender: { login: '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\' },
    });
    // Header values cannot carry C0 controls, but latin-1 bytes decode to C1 ones (0x9b is CSI).
    const res = await postRaw(url, payload, { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'esc-1', 'x-evil': 'a\u009b2Jb' });
    expect(res.status).toBe(200);
    await cli.waitFor(/\\x1b\[2J/);
    // A key of the sender's own naming in the path of a schema drift line.
    const checkRun = JSON.parse(readFileSync(new URL('../../payloads/check_run/completed.json', import.meta.url), 'utf8'));
    checkRun.check_run.app.permissions = { '\u001b]0;PWNED\u0007\u001b[2J': 5 };
    const drift = await postRaw(url, JSON.stringify(checkRun), { 'content-type': 'application/json', 'x-github-event': 'check_run', 'x-github-delivery': 'esc-2' });
    expect(drift.status).toBe(200);
    await cli.waitFor(/schema drift/);
    await cli.stop('SIGINT');
    expect(cli.stdout()).not.toContain('\u001b');
    expect(cli.stdout()).toContain('\\x1b[2J');
    expect(cli.stdout()).toContain('\\x1b]0;PWNED\\x07');
    for (const args of [['deliveries', 'list'], ['deliveries', 'show', 'esc-1']]) {
      const r = await runInProcess(args, { env: box.env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('\u001b');
      expect(r.stdout).not.toContain('\u0007');
      expect(r.stdout).not.toContain('\u009b');
    }
    const shown = await runInProcess(['deliveries', 'show', 'esc-2'], { env: box.env });
    expect(shown.stdout).not.toContain('\u001b');
  });
});

describe('hop-by-hop headers', () => {
  let capture: CaptureServer;
  beforeEach(async () => {
    capture = await startCaptureServer();
    servers.push(capture);
  });

  it('headers named in Connection are neither forwarded nor replayed (RFC 9110)', async () => {
    const { cli, url } = await startListenHere(['--forward-to', capture.url]);
    const res = await postRaw(url, '{"action":"opened"}', {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': 'hop-1',
      connection: 'keep-alive, X-Secret-Hop',
      'x-secret-hop': 'do-not-pass-on',
      'x-end-to-end': 'pass-on',
    });
    expect(res.status).toBe(200);
    await cli.waitFor(/forwarded → 200/);
    await cli.stop('SIGINT');
    const replay = await runInProcess(['replay', 'hop-1', '--to', capture.url], { env: box.env });
    expect(replay.code, replay.stderr).toBe(0);
    expect(capture.requests).toHaveLength(2);
    for (const req of capture.requests) {
      expect(req.headers['x-secret-hop']).toBeUndefined();
      expect(req.headers['x-end-to-end']).toBe('pass-on');
    }
  });
});
