/**
 * hookctl replay: what arrives, where, the batch summary, ids and the picker. The commands run
 * in this process; one replay --all and the picker (a pseudo-terminal) run the built CLI
 * (`npm run build` first).
 */
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOctokitApp } from '../helpers/webhook-apps.js';
import { openStore } from '../../src/core/store/store.js';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { startCaptureServer } from '../helpers/capture-server.js';
import { inPty } from '../helpers/pty.js';
import { newDelivery } from '../helpers/deliveries.js';

const SECRET_A = 'listener-secret';
const SECRET_B = 'app-secret';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hmac = (secret: string, body: Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;


/** POST raw bytes with the given headers (what GitHub would send). */
function postRaw(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let box: Sandbox;
let storeFile: string;
let listener: InProcessRunning | undefined;
let listenUrl: string;
const closers: (() => Promise<void>)[] = [];

/** listen in this process, writing storeFile. */
async function startListener(secret = SECRET_A) {
  listener = startInProcess(['listen', '--port', '0', '--store', storeFile, '--secret', secret], { env: box.env });
  const m = await listener.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
  listenUrl = m[1];
}

function deliveryHeaders(event: string, guid: string, body: Buffer, contentType = 'application/json', secret = SECRET_A) {
  return {
    'Content-Type': contentType,
    'User-Agent': 'GitHub-Hookshot/044aadd',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': guid,
    'X-GitHub-Hook-ID': '42',
    'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    'X-Hub-Signature-256': hmac(secret, body),
  };
}

beforeEach(() => {
  box = sandbox();
  storeFile = join(box.dir, 'store.db');
});
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
  for (const close of closers.splice(0)) await close();
  box.cleanup();
});

describe('hookctl replay', () => {
  it('replays a delivery received by listen to an @octokit/webhooks app: same secret, or re-signed with --secret', async () => {
    await startListener();
    const sent = await runInProcess(['send', 'pull_request.opened', '--to', listenUrl, '--secret', SECRET_A], { env: box.env });
    expect(sent.code, sent.stderr).toBe(0);
    const guid = /X-GitHub-Delivery: (\S+)/.exec(sent.stdout)![1];
    expect(await listener!.stop()).toEqual({ code: 0 });
    listener = undefined;

    const same = await startOctokitApp(SECRET_A);
    closers.push(same.close);
    const r1 = await runInProcess(['replay', guid.slice(0, 8), '--to', same.url, '--store', storeFile], { env: box.env });
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    expect(same.received).toHaveLength(1);
    expect(same.received[0].id).toBe(guid); // X-GitHub-Delivery kept, as GitHub's redelivery does

    const other = await startOctokitApp(SECRET_B);
    closers.push(other.close);
    const refused = await runInProcess(['replay', guid, '--to', other.url, '--store', storeFile], { env: box.env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/400/);
    const r2 = await runInProcess(['replay', guid, '--to', other.url, '--store', storeFile, '--secret', SECRET_B, '--new-delivery-id'], { env: box.env });
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(other.received).toHaveLength(1);
    expect(other.received[0].id).not.toBe(guid);
    expect(other.received[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.received[0].payload.action).toBe('opened');
  });

  it('the bytes that arrive equal the stored bytes: JSON, form, odd whitespace and non-ASCII', async () => {
    await startListener();
    const bodies: [string, Buffer, string][] = [
      ['g-json', Buffer.from('{"action":"created","comment":{"body":"naïve café ✓ 😀"},"repository":{"full_name":"o/r"}}'), 'application/json'],
      ['g-odd', Buffer.from('{\r\n\t"action" :  "opened" ,\n  "issue": {"title": "tabs\\tand \\u00e9scapes"}   }\n\n'), 'application/json'],
      ['g-form', Buffer.from(new URLSearchParams({ payload: '{"action":"opened","x":"a b&c=d ü"}' }).toString()), 'application/x-www-form-urlencoded'],
    ];
    for (const [guid, body, type] of bodies) {
      const event = guid === 'g-json' ? 'issue_comment' : 'issues';
      expect(await postRaw(listenUrl, body, deliveryHeaders(event, `00000000-0000-4000-8000-0000000000${guid === 'g-json' ? '01' : guid === 'g-odd' ? '02' : '03'}`, body, type))).toBe(200);
    }
    const app = await startCaptureServer();
    closers.push(app.close);
    const r = await runCli(['replay', '--all', '--to', app.url, '--store', storeFile], { env: box.env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(app.requests).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const [, body, type] = bodies[i];
      const got = app.requests[i];
      expect(sha(got.body)).toBe(sha(body));
      expect(got.headers['content-type']).toBe(type);
      // Original signatures are sent when no secret is given, and still verify.
      expect(got.headers['x-hub-signature-256']).toBe(hmac(SECRET_A, body));
      expect(got.headers['user-agent']).toBe('GitHub-Hookshot/044aadd');
      expect(got.headers['x-github-hook-id']).toBe('42');
      expect(got.headers['content-length']).toBe(String(body.length));
      expect(got.rawHeaders.filter((h) => h.toLowerCase() === 'host')).toHaveLength(1);
    }
    expect(r.stderr).toMatch(/Replayed 3 deliveries .*: 3 2xx, 0 non-2xx, 0 failed to connect/);
  });

  it('defaults to the URL the delivery was first received at (a redelivery there)', async () => {
    await startListener();
    const sent = await runInProcess(['send', 'push', '--to', `${listenUrl}hooks/github`, '--secret', SECRET_A], { env: box.env });
    expect(sent.code).toBe(0);
    const r = await runInProcess(['replay', '--last', '1', '--store', storeFile], { env: box.env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`→ ${listenUrl}hooks/github 200`);
    const list = await runInProcess(['deliveries', 'list', '--json', '--store', storeFile], { env: box.env });
    const rows = list.stdout.trim().split('\n').flatMap((l) => JSON.parse(l)) as { deliveryId: string; attempt: number; path: string }[];
    expect(rows.map((x) => x.attempt).sort()).toEqual([1, 2]);
    expect(new Set(rows.map((x) => x.deliveryId)).size).toBe(1);
  });

  it('a batch of 500 with a target that fails some: exit 1, the summary is right, every attempt is recorded', async () => {
    const store = openStore(storeFile);
    // One commit (one sync) for the 500, not one each.
    await store.enqueue(() => {
      for (let i = 0; i < 500; i++) {
        const body = Buffer.from(JSON.stringify({ action: 'opened', n: i }));
        const guid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        const headers = deliveryHeaders('issues', guid, body);
        store.insertDelivery(
          newDelivery({ deliveryId: guid, event: 'issues', action: 'opened', rawHeaders: Object.entries(headers).flat(), body, receivedAt: new Date(Date.now() - (500 - i) * 1000), path: '/', url: null }),
        );
      }
    });
    store.close();
    // Every 7th delivery gets a 500.
    const app = await startCaptureServer((req, res) => {
      const n = JSON.parse(req.body.toString()).n as number;
      res.statusCode = n % 7 === 0 ? 500 : 202;
      res.end(n % 7 === 0 ? 'boom' : 'ok');
    });
    closers.push(app.close);
    const r = await runInProcess(['replay', '--all', '--to', app.url, '--store', storeFile, '--concurrency', '16', '--json'], { env: box.env });
    expect(r.code).toBe(1);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(500);
    const failing = Math.ceil(500 / 7);
    expect(records.filter((x) => x.status === 500)).toHaveLength(failing);
    expect(app.requests).toHaveLength(500);

    const human = await runInProcess(['replay', '--event', 'issues.opened', '--to', app.url, '--store', storeFile], { env: box.env });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(new RegExp(`Replayed 500 deliveries .*: ${500 - failing} 2xx, ${failing} non-2xx, 0 failed to connect`));

    const check = openStore(storeFile);
    try {
      let recorded = 0;
      for (const d of check.iterate({ all: true } as never)) {
        const attempts = check.attempts(d.id).filter((a) => a.kind === 'replay');
        expect(attempts).toHaveLength(2);
        const n = JSON.parse(d.body.toString()).n as number;
        for (const a of attempts) expect(a.status).toBe(n % 7 === 0 ? 500 : 202);
        recorded += attempts.length;
      }
      expect(recorded).toBe(1000);
    } finally {
      check.close();
    }
  }, 60_000);

  it('--last N picks the last N in received order; a target that is down gets a one-line reason', async () => {
    await startListener();
    for (const e of ['push', 'star.created', 'issues.opened']) {
      expect((await runInProcess(['send', e, '--to', listenUrl, '--secret', SECRET_A], { env: box.env })).code).toBe(0);
    }
    const dead = await startCaptureServer();
    const deadUrl = dead.url;
    await dead.close();
    const r = await runInProcess(['replay', '--last', '2', '--to', deadUrl, '--store', storeFile], { env: box.env });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/star\.created → .* nothing is listening at/);
    expect(lines[1]).toMatch(/issues\.opened → .* nothing is listening at/);
    expect(r.stderr).toMatch(/0 2xx, 0 non-2xx, 2 failed to connect/);
  });

  it('ambiguous and unknown ids are usage errors with candidates or a hint', async () => {
    const store = openStore(storeFile);
    for (const guid of ['abcd0000-0000-4000-8000-000000000001', 'abcd0000-0000-4000-8000-000000000002']) {
      store.insertDelivery(newDelivery({ deliveryId: guid, event: 'push', action: null, rawHeaders: ['X-GitHub-Event', 'push'], body: Buffer.from('{}'), receivedAt: new Date() }));
    }
    store.close();
    const amb = await runInProcess(['replay', 'abcd', '--store', storeFile], { env: box.env });
    expect(amb.code).toBe(2);
    expect(amb.stderr).toMatch(/"abcd" matches 2 deliveries/);
    expect(amb.stderr).toContain('abcd0000-0000-4000-8000-000000000001');
    const none = await runInProcess(['replay', 'ffff', '--store', storeFile], { env: box.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no delivery in ${storeFile} matches "ffff"`);
    expect(none.stderr).toMatch(/hookctl deliveries list/);
    const nothing = await runInProcess(['replay', '--store', storeFile], { env: box.env });
    expect(nothing.code).toBe(2);
  });
});

describe('hookctl replay in a terminal', () => {
  it('with no id, a picker of recent deliveries chooses one and replays it', async () => {
    await startListener();
    for (const e of ['push', 'star.created']) {
      expect((await runInProcess(['send', e, '--to', listenUrl, '--secret', SECRET_A], { env: box.env })).code).toBe(0);
    }
    const app = await startCaptureServer();
    closers.push(app.close);
    // Newest first: the first choice is star.created; arrow down picks push.
    const r = await inPty(['replay', '--to', app.url, '--store', storeFile], [['Replay which delivery\\?', '\u001b[B'], ['❯.*push', '\r']], box.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(app.requests).toHaveLength(1);
    expect(app.requests[0].headers['x-github-event']).toBe('push');
  });
});
