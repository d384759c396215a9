/**
 * listen in-process against real loopback servers: every row of the status table, signature
 * cases, form bodies, redeliveries, forwarding (to an app that verifies, to an app that is
 * down), --events, --json records checked against the record schema.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcess } from '../helpers/in-process.js';
import { listen, type ListenOptions } from '../../src/commands/listen.js';
import { openStore } from '../../src/core/store/store.js';
import type { StoredDelivery } from '../../src/core/store/types.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { postDelivery, samplePayload, startOctokitApp, type OctokitApp } from '../helpers/webhook-apps.js';
import { ROOT } from '../helpers/run-cli.js';

const SECRET = 'test-secret';

interface Running {
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number>;
}

let dir: string;
let storeFile: string;
let running: Running[] = [];
let closers: (() => Promise<void>)[] = [];
let capture: CaptureServer;

function makeCtx(env: NodeJS.ProcessEnv = {}) {
  return inProcess({ HOOKCTL_HOME: dir, ...env });
}

async function start(options: ListenOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const { ctx, stdout, stderr } = makeCtx(env);
  const abort = new AbortController();
  let ready!: (info: { port: number; url: string }) => void;
  const readyP = new Promise<{ port: number; url: string }>((r) => (ready = r));
  const done = listen(ctx, { port: 0, store: storeFile, ...options }, { signal: abort.signal, onReady: ready });
  const info = await Promise.race([readyP, done.then(() => Promise.reject(new Error(`listen ended early: ${stderr()}`)))]);
  const r: Running = {
    url: `http://127.0.0.1:${info.port}/`,
    port: info.port,
    stdout,
    stderr,
    stop: async () => {
      abort.abort();
      return done;
    },
  };
  running.push(r);
  return r;
}

function rows(): StoredDelivery[] {
  const store = openStore(storeFile);
  try {
    return [...store.iterate()];
  } finally {
    store.close();
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hookctl-listen-'));
  storeFile = join(dir, 'deliveries.db');
});

afterEach(async () => {
  for (const r of running) await r.stop();
  for (const c of closers) await c();
  running = [];
  closers = [];
  rmSync(dir, { recursive: true, force: true });
});

describe('listen: what it answers', () => {
  it('200 only once the row is committed, with exact bytes and headers as received', async () => {
    const l = await start({ secret: [SECRET] });
    const body = samplePayload({ note: 'ünïcödé  and  spaces' }) + '\n';
    const res = await postDelivery(l.url, body, { secret: SECRET, event: 'issues', deliveryId: 'guid-1', path: '/webhooks?x=1' });
    expect(res.status).toBe(200);
    const { id } = JSON.parse(res.body) as { id: string };
    // Read from a second connection right away: the 200 came after the commit.
    const stored = rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id, deliveryId: 'guid-1', event: 'issues', action: 'opened', signature: 'valid', signatureAlgorithm: 'sha256', status: 200, attempt: 1, repository: 'octo-org/octo-repo', sender: 'monalisa', path: '/webhooks?x=1' });
    expect(stored[0].url).toBe(`http://127.0.0.1:${l.port}/webhooks?x=1`);
    expect(stored[0].body.equals(Buffer.from(body))).toBe(true);
    const names = stored[0].rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names).toContain('X-GitHub-Delivery');
    expect(names).toContain('X-Hub-Signature-256');
  });

  it('a redelivery (same GUID) is 200 and stored as a further attempt', async () => {
    const l = await start({ secret: [SECRET] });
    const body = samplePayload();
    expect((await postDelivery(l.url, body, { secret: SECRET, deliveryId: 'same-guid' })).status).toBe(200);
    const again = await postDelivery(l.url, body, { secret: SECRET, deliveryId: 'same-guid' });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body).attempt).toBe(2);
    expect(rows().map((r) => r.attempt)).toEqual([1, 2]);
    await until(() => /redelivery #2/.test(l.stdout()));
  });

  it('401 for a missing signature, a wrong secret and a tampered body; each stored as rejected with its reason', async () => {
    const l = await start({ secret: [SECRET] });
    const body = samplePayload();
    const missing = await postDelivery(l.url, body, {});
    const wrong = await postDelivery(l.url, body, { secret: 'not-the-secret' });
    const { signatureHeaders } = await import('../../src/core/webhook/signing.js');
    const sig = signatureHeaders(SECRET, body);
    const tampered = await postDelivery(l.url, body.replace('Crash', 'Crush'), { headers: sig });
    const newline = await postDelivery(l.url, body + '\n', { headers: sig });
    expect([missing.status, wrong.status, tampered.status, newline.status]).toEqual([401, 401, 401, 401]);
    const stored = rows();
    expect(stored.map((r) => [r.status, r.signature])).toEqual([
      [401, 'missing'],
      [401, 'invalid'],
      [401, 'invalid'],
      [401, 'invalid'],
    ]);
    expect(stored[0].rejectReason).toMatch(/missing header/);
    expect(stored[1].rejectReason).toMatch(/wrong secret, or the body was altered/);
    expect(stored[3].rejectReason).toMatch(/trailing newline/);
    await until(() => (l.stdout().match(/401/g) ?? []).length === 4);
    expect(l.stdout()).toMatch(/✗ unsigned\s+401\s+missing header/);
  });

  it('400 for no X-GitHub-Event, unreadable JSON and a form without payload; stored as rejected', async () => {
    const l = await start({ secret: [SECRET] });
    const a = await postDelivery(l.url, samplePayload(), { secret: SECRET, event: null });
    const b = await postDelivery(l.url, '{"action": "opened",', { secret: SECRET });
    const c = await postDelivery(l.url, 'nothing=here', { secret: SECRET, contentType: 'application/x-www-form-urlencoded' });
    expect([a.status, b.status, c.status]).toEqual([400, 400, 400]);
    expect(rows().map((r) => [r.status, r.rejectReason?.split(':')[0]])).toEqual([
      [400, 'no X-GitHub-Event header'],
      [400, 'unreadable JSON'],
      [400, 'form body without a payload= field'],
    ]);
  });

  it('413 on a Content-Length over 25 MiB (before reading) and 415 for other content types; neither stored', async () => {
    const l = await start({ secret: [SECRET] });
    const big = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${l.url}`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(25 * 1024 * 1024 + 1), 'x-github-event': 'push' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"a":'); // the rest never comes: the answer must not wait for it
    });
    expect(big).toBe(413);
    const text = await postDelivery(l.url, 'hello', { secret: SECRET, contentType: 'text/plain' });
    expect(text.status).toBe(415);
    expect(rows()).toHaveLength(0);
  });

  it('GET / says only that hookctl listens: nothing of what it keeps (version, count)', async () => {
    const l = await start({ secret: [SECRET] });
    await postDelivery(l.url, samplePayload(), { secret: SECRET });
    const res = await fetch(l.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'hookctl', message: 'hookctl listens here for webhooks (POST)' });
  });

  it('--path accepts only that path', async () => {
    const l = await start({ secret: [SECRET], path: '/hooks' });
    expect((await postDelivery(l.url, samplePayload(), { secret: SECRET, path: '/other' })).status).toBe(404);
    expect((await postDelivery(l.url, samplePayload(), { secret: SECRET, path: '/hooks' })).status).toBe(200);
    expect(rows()).toHaveLength(1);
  });
});

describe('listen: signatures', () => {
  it("accepts GitHub's published test vector (signature valid; the body is not JSON so it is stored as 400)", async () => {
    const l = await start({ secret: ["It's a Secret to Everybody"] });
    const res = await postDelivery(l.url, 'Hello, World!', {
      headers: { 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
    });
    expect(res.status).not.toBe(401);
    expect(rows()[0]).toMatchObject({ signature: 'valid', signatureAlgorithm: 'sha256' });
  });

  it('accepts a body signed by @octokit/webhooks-methods', async () => {
    const l = await start({ secret: [SECRET] });
    const body = samplePayload();
    const res = await postDelivery(l.url, body, { headers: { 'X-Hub-Signature-256': await octokitSign(SECRET, body) } });
    expect(res.status).toBe(200);
    expect(rows()[0].signature).toBe('valid');
  });

  it('falls back to sha1 only when X-Hub-Signature-256 is absent, and says so', async () => {
    const l = await start({ secret: [SECRET] });
    const body = samplePayload();
    const { signatureHeaders } = await import('../../src/core/webhook/signing.js');
    const sha1 = signatureHeaders(SECRET, body)['X-Hub-Signature'];
    expect((await postDelivery(l.url, body, { headers: { 'X-Hub-Signature': sha1 } })).status).toBe(200);
    // sha256 present but wrong: a valid sha1 does not rescue it.
    expect((await postDelivery(l.url, body, { headers: { 'X-Hub-Signature': sha1, 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` } })).status).toBe(401);
    expect(rows().map((r) => [r.signature, r.signatureAlgorithm])).toEqual([
      ['valid', 'sha1'],
      ['invalid', 'sha256'],
    ]);
  });

  it('verifies with any of several secrets (rotation) and accepts unsigned deliveries as unchecked without one', async () => {
    const l = await start({ secret: ['old-secret', 'new-secret'] });
    expect((await postDelivery(l.url, samplePayload(), { secret: 'new-secret' })).status).toBe(200);
    expect((await postDelivery(l.url, samplePayload(), { secret: 'old-secret' })).status).toBe(200);
    await l.stop();
    running = [];
    const open = await start({});
    expect(open.stderr()).toMatch(/no secret/);
    expect((await postDelivery(open.url, samplePayload(), {})).status).toBe(200);
    expect(rows().map((r) => r.signature)).toEqual(['valid', 'valid', 'unchecked']);
  });

  it('takes the secret from HOOKCTL_SECRET', async () => {
    const l = await start({}, { HOOKCTL_SECRET: 'from-env' });
    expect((await postDelivery(l.url, samplePayload(), { secret: 'from-env' })).status).toBe(200);
    expect((await postDelivery(l.url, samplePayload(), { secret: 'other' })).status).toBe(401);
  });
});

describe('listen: form bodies', () => {
  it('stores the exact form bytes and reads event, action, repository from payload=', async () => {
    const l = await start({ secret: [SECRET] });
    const body = Buffer.from(new URLSearchParams({ payload: samplePayload() }).toString());
    const res = await postDelivery(l.url, body, { secret: SECRET, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    const [row] = rows();
    expect(row.body.equals(body)).toBe(true);
    expect(row).toMatchObject({ action: 'opened', repository: 'octo-org/octo-repo', signature: 'valid' });
  });
});

describe('listen: forwarding', () => {
  let app: OctokitApp;
  
  it('forwards exact bytes and headers to an @octokit/webhooks app that verifies the signature itself', async () => {
    app = await startOctokitApp(SECRET);
    closers.push(() => app.close());
    const l = await start({ secret: [SECRET], forwardTo: [app.url] });
    const res = await postDelivery(l.url, samplePayload(), { secret: SECRET, event: 'issues', deliveryId: 'fwd-1' });
    expect(res.status).toBe(200);
    await until(() => app.received.length === 1);
    expect(app.received[0]).toEqual({ id: 'fwd-1', name: 'issues', payload: JSON.parse(samplePayload()) });
    await until(() => /→ 200/.test(l.stdout()));
    await until(() => rows()[0].forward !== null);
    expect(rows()[0].forward).toMatchObject({ url: app.url, status: 200, error: null });
  });

  it('routes EVENT=URL, passes bytes unchanged, and keeps going when the app is down', async () => {
    capture = await startCaptureServer((_req, res) => {
      res.statusCode = 202;
      res.end();
    });
    closers.push(() => capture.close());
    const down = await new Promise<string>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(`http://127.0.0.1:${port}/down`));
      });
    });
    const l = await start({ secret: [SECRET], forwardTo: [`push=${capture.url}push`, down] });
    const pushBody = '{"ref":"refs/heads/main",  "repository":{"full_name":"o/r"}}';
    expect((await postDelivery(l.url, pushBody, { secret: SECRET, event: 'push' })).status).toBe(200);
    expect((await postDelivery(l.url, samplePayload(), { secret: SECRET, event: 'issues' })).status).toBe(200);
    await until(() => capture.requests.length === 1 && /nothing is listening/.test(l.stdout()));
    expect(capture.requests[0].url).toBe('/push');
    expect(capture.requests[0].body.toString()).toBe(pushBody);
    expect(capture.requests[0].headers['x-hub-signature-256']).toBeDefined();
    expect(capture.requests[0].headers['x-github-event']).toBe('push');
    // The listener is still fine after a failed forward.
    expect((await postDelivery(l.url, samplePayload(), { secret: SECRET, event: 'issues' })).status).toBe(200);
    await until(() => rows().filter((r) => r.forward).length === 3);
    const byEvent = rows().map((r) => [r.event, r.forward?.status ?? null, r.forward?.error ?? null]);
    expect(byEvent[0]).toEqual(['push', 202, null]);
    expect(byEvent[1][0]).toBe('issues');
    expect(byEvent[1][1]).toBeNull();
    expect(byEvent[1][2]).toMatch(/nothing is listening/);
  });

  it('--events limits what is printed and forwarded; everything is still stored', async () => {
    capture = await startCaptureServer();
    closers.push(() => capture.close());
    const l = await start({ secret: [SECRET], forwardTo: [capture.url], events: 'push' });
    await postDelivery(l.url, samplePayload(), { secret: SECRET, event: 'issues' });
    await postDelivery(l.url, '{"ref":"x"}', { secret: SECRET, event: 'push' });
    await until(() => capture.requests.length === 1);
    await until(() => /push/.test(l.stdout()));
    expect(capture.requests[0].headers['x-github-event']).toBe('push');
    expect(l.stdout()).not.toMatch(/issues/);
    expect(rows()).toHaveLength(2);
  });
});

describe('listen --json', () => {
  it('prints one record per delivery that validates against schemas/delivery-record.schema.json', async () => {
    capture = await startCaptureServer();
    closers.push(() => capture.close());
    const l = await start({ secret: [SECRET], json: true, forwardTo: [capture.url] });
    await postDelivery(l.url, samplePayload(), { secret: SECRET, deliveryId: 'j-1' });
    await postDelivery(l.url, samplePayload(), { secret: SECRET, deliveryId: 'j-1' });
    await postDelivery(l.url, samplePayload(), { secret: 'wrong' });
    // The ready record first, then one record per delivery.
    await until(() => l.stdout().trim().split('\n').length === 4);
    const ajv = new Ajv({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'delivery-record.schema.json'), 'utf8')));
    const [ready, ...records] = l.stdout().trim().split('\n').map((line) => JSON.parse(line));
    expect(ready).toMatchObject({ type: 'ready', url: l.url, store: storeFile });
    for (const r of records) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    const byStatus = records.map((r) => [r.status, r.attempt, r.signature, r.forward?.status ?? null]).sort();
    expect(byStatus).toEqual([
      [200, 1, 'valid', 200],
      [200, 2, 'valid', 200],
      [401, 1, 'invalid', null],
    ].sort());
  });
});

describe('listen: schema drift', () => {
  it('flags a payload that drifts from GitHub\'s schema on the line and in the store, and still answers 200', async () => {
    const l = await start({ secret: [SECRET] });
    const sample = readFileSync(join(ROOT, 'payloads', 'pull_request', 'opened.json'));
    const drifted = JSON.parse(sample.toString('utf8'));
    drifted.number = 'two';
    expect((await postDelivery(l.url, sample, { secret: SECRET, event: 'pull_request' })).status).toBe(200);
    expect((await postDelivery(l.url, JSON.stringify(drifted), { secret: SECRET, event: 'pull_request' })).status).toBe(200);
    await until(() => /schema drift: 1 difference \(\/number/.test(l.stdout()), 10_000);
    await until(() => rows().every((r) => r.schema !== null), 10_000);
    expect(rows().map((r) => r.schema?.status)).toEqual(['valid', 'invalid']);
    expect(rows()[1].schema?.violations[0].path).toBe('/number');
  });
});
