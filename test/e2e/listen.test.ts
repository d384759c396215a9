/**
 * listen as a process (the built CLI: `npm run build` first): crash safety (SIGKILL under
 * 1,000 concurrent deliveries), two listeners on one store, graceful stop on SIGTERM; and in
 * this process: port in use, port out of range, the start-up warnings.
 */
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { signatureHeaders } from '../../src/core/webhook/signing.js';
import { sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { postDelivery, samplePayload } from '../helpers/webhook-apps.js';

const SECRET = 'e2e-secret';
let box: Sandbox;
let children: LongRunning[] = [];
let inProcess: InProcessRunning[] = [];
let servers: Server[] = [];

async function startListen(args: string[] = []): Promise<{ cli: LongRunning; url: string; port: number }> {
  const cli = startCli(['listen', '--port', '0', '--secret', SECRET, ...args], { env: box.env });
  children.push(cli);
  const m = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const port = Number(m[1]);
  return { cli, url: `http://127.0.0.1:${port}/`, port };
}

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  for (const c of children) await c.stop('SIGKILL');
  for (const c of inProcess) await c.stop('SIGINT');
  for (const s of servers) await new Promise((r) => s.close(r));
  children = [];
  inProcess = [];
  servers = [];
  box.cleanup();
});

describe('hookctl listen (built CLI)', () => {
  it('stops cleanly on SIGTERM with a summary and exit 0', async () => {
    const { cli, url } = await startListen();
    expect((await postDelivery(url, samplePayload(), { secret: SECRET })).status).toBe(200);
    expect((await postDelivery(url, samplePayload(), { secret: 'wrong' })).status).toBe(401);
    await cli.waitFor(/401/);
    const { code } = await cli.stop('SIGTERM');
    expect(code).toBe(0);
    expect(cli.stderr()).toMatch(/Stopped after .*: 1 accepted, 1 rejected/);
  });

  it('names --port and exits 1 when the port is taken', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as AddressInfo;
    const res = await runInProcess(['listen', '--port', String(port), '--secret', SECRET], { env: box.env });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`port ${port} is already in use`));
    expect(res.stderr).toMatch(/--port/);
  });

  it('a port out of range is a usage error (exit 2), not a crash', async () => {
    const res = await runInProcess(['listen', '--port', '99999'], { env: box.env });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--port must be between 0 and 65535, got 99999/);
    expect(res.stderr).not.toMatch(/bug/);
  });

  it('warns about --host 0.0.0.0 and about running without a secret, and still receives', async () => {
    const cli = startInProcess(['listen', '--port', '0', '--host', '0.0.0.0'], { env: box.env });
    inProcess.push(cli);
    const port = Number((await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)\/ on every interface \(0\.0\.0\.0\)/))[1]);
    expect(cli.stderr()).toMatch(/! listening on every network interface \(0\.0\.0\.0\): anyone who can reach this machine can send deliveries/);
    expect(cli.stderr()).toMatch(/! no secret: deliveries are accepted without checking their signature \(marked unchecked\)/);
    const answer = await postDelivery(`http://127.0.0.1:${port}/`, samplePayload(), {});
    expect(answer.status).toBe(200);
    expect(await cli.stop('SIGINT')).toEqual({ code: 0 });
    expect(cli.stderr()).toMatch(/Stopped after .*: 1 accepted, 0 rejected/);
    const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
    try {
      expect([...store.iterate()].map((d) => d.signature)).toEqual(['unchecked']);
    } finally {
      store.close();
    }
  });

  it('crash test: SIGKILL during 1,000 concurrent deliveries loses no delivery that got a 200', async () => {
    const { cli, port } = await startListen();
    const agent = new Agent({ keepAlive: false, maxSockets: 1000 });
    const bodies = Array.from({ length: 1000 }, (_, i) => Buffer.from(samplePayload({ n: i, pad: 'x'.repeat(i % 97) })));
    const acknowledged: number[] = [];
    // The last 50 send half their body and the rest only after the kill, so the listener is
    // surely mid-request when it dies: a fast listener can otherwise answer all 1,000 (in
    // group-commit batches) before this process has read 300 answers.
    const held: Array<() => void> = [];
    let killed = false;
    const sends = bodies.map(
      (body, i) =>
        new Promise<void>((resolve) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-github-event': 'issues', 'x-github-delivery': `crash-${i}`, ...signatureHeaders(SECRET, body) } },
            (res) => {
              res.resume();
              res.on('end', () => {
                if (res.statusCode === 200) acknowledged.push(i);
                // Kill mid-way: after a third of the answers came back.
                if (!killed && acknowledged.length >= 300) {
                  killed = true;
                  cli.child.kill('SIGKILL');
                  for (const finish of held) finish();
                }
                resolve();
              });
              res.on('error', () => resolve());
            },
          );
          req.on('error', () => resolve());
          if (i < 950) req.end(body);
          else {
            req.write(body.subarray(0, body.length >> 1));
            held.push(() => req.end(body.subarray(body.length >> 1)));
          }
        }),
    );
    await Promise.all(sends);
    agent.destroy();
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    expect(acknowledged.length).toBeLessThan(1000);
    await cli.exited;
    // Restart on the same store: it opens (WAL recovery) and serves.
    const again = startInProcess(['listen', '--port', '0', '--secret', SECRET], { env: box.env });
    inProcess.push(again);
    const againPort = (await again.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/))[1];
    expect((await postDelivery(`http://127.0.0.1:${againPort}/`, samplePayload(), { secret: SECRET })).status).toBe(200);
    expect(await again.stop()).toEqual({ code: 0 });
    const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
    try {
      const byGuid = new Map<string, Buffer>();
      for (const d of store.iterate()) byGuid.set(d.deliveryId!, d.body);
      for (const i of acknowledged) {
        const stored = byGuid.get(`crash-${i}`);
        expect(stored, `delivery ${i} got a 200 but is not in the store`).toBeDefined();
        expect(stored!.equals(bodies[i])).toBe(true);
      }
    } finally {
      store.close();
    }
  }, 60_000);

  it('two listeners share one store file; deliveries list works while they write', async () => {
    const a = await startListen();
    const b = await startListen();
    const sending = Promise.all(
      Array.from({ length: 150 }, (_, i) => postDelivery(i % 2 ? a.url : b.url, samplePayload({ n: i }), { secret: SECRET, deliveryId: `two-${i}` })),
    );
    const lists: Promise<{ code: number | null; stdout: string }>[] = [];
    for (let i = 0; i < 3; i++) lists.push(runInProcess(['deliveries', 'list', '--json', '--limit', '5'], { env: box.env }));
    const results = await sending;
    expect(results.every((r) => r.status === 200)).toBe(true);
    for (const l of await Promise.all(lists)) {
      expect(l.code).toBe(0);
      expect(Array.isArray(JSON.parse(l.stdout))).toBe(true);
    }
    const after = await runInProcess(['deliveries', 'list', '--json', '--limit', '500'], { env: box.env });
    const rows = JSON.parse(after.stdout) as { id: string; deliveryId: string }[];
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.id)).size).toBe(150);
    expect(new Set(rows.map((r) => r.deliveryId)).size).toBe(150);
  }, 60_000);
});
