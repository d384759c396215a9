/**
 * GitHub's delivery log end to end: `deliveries pull` into the store and
 * `replay GUID --from-github` (to a local server, or --redeliver), against the fake GitHub.
 * The commands run in this process; one pull and one replay run the built CLI (build first).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/webhook/signing.js';
import { openStore } from '../../src/core/store/store.js';
import { runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { makeDeliveryDetail, makeDeliverySummary, makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';

const HOOKS = '/repos/octo-org/octo-repo/hooks';
const LOG = `${HOOKS}/42/deliveries`;
const SECRET = 'pull-secret';

let gh: FakeGithub;
let box: Sandbox;
let target: Server | undefined;

beforeEach(async () => {
  gh = await startFakeGithub();
  box = sandbox({ GITHUB_TOKEN: 'tok', GITHUB_API_URL: gh.url });
});
afterEach(async () => {
  await gh.finish();
  if (target) await new Promise<void>((resolve) => target!.close(() => resolve()));
  target = undefined;
  box.cleanup();
});

const payloadA = { action: 'opened', number: 1, repository: { id: 456, full_name: 'octo-org/octo-repo' }, sender: { login: 'monalisa' }, title: 'é ✓ </script>' };
const payloadB = { ref: 'refs/heads/main', repository: { id: 456, full_name: 'octo-org/octo-repo' }, sender: { login: 'octocat' } };
const payloadC = { zen: 'Keep it logically awesome.', hook_id: 42 };

function stubLog() {
  gh.stub({ method: 'GET', path: LOG, query: { per_page: '50' } }, {
    body: [
      makeDeliverySummary({ id: 3, guid: 'guid-a', event: 'pull_request', action: 'opened', delivered_at: '2026-11-22T10:00:00Z' }),
      makeDeliverySummary({ id: 2, guid: 'guid-b', event: 'push', action: null, delivered_at: '2026-11-22T09:00:00Z' }),
    ],
    headers: { link: `<{{base}}${LOG}?per_page=50&cursor=v1_2>; rel="next"` },
  });
  gh.stub({ method: 'GET', path: LOG, query: { cursor: 'v1_2' } }, {
    body: [makeDeliverySummary({ id: 1, guid: 'guid-c', event: 'ping', action: null, delivered_at: '2026-11-22T08:00:00Z' })],
  });
}

describe('deliveries pull', () => {
  it('imports every page into the store, re-signing or keeping a signature that still matches, then skips them', async () => {
    stubLog();
    // The only hook is used when none is given or remembered.
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 42 })] });
    gh.stub({ method: 'GET', path: `${LOG}/3` }, { body: makeDeliveryDetail({ id: 3, guid: 'guid-a', event: 'pull_request', action: 'opened', delivered_at: '2026-11-22T10:00:00Z', payload: payloadA, hookId: 42 }) });
    // B's original signature matches the compact re-serialization: it is kept as GitHub sent it.
    const bodyB = JSON.stringify(payloadB);
    gh.stub({ method: 'GET', path: `${LOG}/2` }, {
      body: makeDeliveryDetail({
        id: 2,
        guid: 'guid-b',
        event: 'push',
        action: null,
        status_code: 500,
        delivered_at: '2026-11-22T09:00:00Z',
        payload: payloadB,
        headers: { 'Content-Type': 'application/json', 'X-GitHub-Delivery': 'guid-b', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sign(SECRET, bodyB), 'X-Hub-Signature': sign(SECRET, bodyB, 'sha1') },
      }),
    });
    gh.stub({ method: 'GET', path: `${LOG}/1` }, { body: makeDeliveryDetail({ id: 1, guid: 'guid-c', event: 'ping', action: null, delivered_at: '2026-11-22T08:00:00Z', payload: payloadC }) });

    const r = await runCli(['deliveries', 'pull', 'octo-org/octo-repo', '--secret', SECRET], { env: box.env });
    expect(r.stderr).toContain('Imported 3 deliveries from webhook 42 of octo-org/octo-repo; skipped 0 already stored.');
    expect(r.stderr).toContain("2 re-signed with your secret, 1 kept GitHub's signature (the bytes matched).");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\+ [0-9a-f]{7} pull_request\.opened guid-a 2026-11-22T10:00:00Z → 200 OK$/m);
    expect(r.stdout).toMatch(/^\+ [0-9a-f]{7} push guid-b .* → 500/m);
    gh.assertDone();

    const store = openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db'));
    try {
      const a = store.resolve('guid-a');
      if (a.kind !== 'found') throw new Error('guid-a not stored');
      expect(a.delivery.body.toString('utf8')).toBe(JSON.stringify(payloadA));
      const headersA = Object.fromEntries(a.delivery.rawHeaders.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, a.delivery.rawHeaders[i + 1]]]), []));
      expect(headersA['X-Hub-Signature-256']).toBe(sign(SECRET, a.delivery.body));
      expect(a.delivery.source).toBe('github');
      expect(a.delivery.github).toMatchObject({ id: 3, statusCode: 200, hookId: 42 });
      expect(a.delivery.repository).toBe('octo-org/octo-repo');
      expect(a.delivery.sender).toBe('monalisa');
      expect(a.delivery.receivedAt).toBe('2026-11-22T10:00:00.000Z');
      const b = store.resolve('guid-b');
      if (b.kind !== 'found') throw new Error('guid-b not stored');
      expect(b.delivery.rawHeaders).toContain(sign(SECRET, bodyB));
      expect(b.delivery.status).toBe(500);
    } finally {
      store.close();
    }

    // Again: everything is already stored, no detail is fetched.
    stubLog();
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 42 })] });
    const again = await runInProcess(['deliveries', 'pull', 'octo-org/octo-repo', '--json'], { env: box.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ hookId: 42, imported: [], skipped: ['guid-a', 'guid-b', 'guid-c'] });
    gh.assertDone();
  });

  it('--limit stops early; without a secret the signatures are dropped and it says so', async () => {
    gh.stub({ method: 'GET', path: LOG, query: { per_page: '1' } }, {
      body: [makeDeliverySummary({ id: 3, guid: 'guid-a', delivered_at: '2026-11-22T10:00:00Z' })],
      headers: { link: `<{{base}}${LOG}?per_page=1&cursor=v1_3>; rel="next"` },
    });
    gh.stub({ method: 'GET', path: `${LOG}/3` }, { body: makeDeliveryDetail({ id: 3, guid: 'guid-a', payload: payloadA }) });
    const r = await runInProcess(['deliveries', 'pull', 'octo-org/octo-repo', '--hook-id', '42', '--limit', '1', '--json'], { env: box.env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.imported).toHaveLength(1);
    expect(out.imported[0]).toMatchObject({ deliveryId: 'guid-a', signature: 'unchecked', source: 'github' });
    expect(r.stderr).toContain('original signatures were dropped');
    gh.assertDone();
  });

  it('--since stops at the first older delivery without fetching the next page', async () => {
    gh.stub({ method: 'GET', path: LOG, query: { per_page: '50' } }, {
      body: [
        makeDeliverySummary({ id: 3, guid: 'guid-a', delivered_at: '2026-11-22T10:00:00Z' }),
        makeDeliverySummary({ id: 2, guid: 'guid-b', delivered_at: '2026-11-22T09:00:00Z' }),
      ],
      headers: { link: `<{{base}}${LOG}?per_page=50&cursor=v1_2>; rel="next"` },
    });
    gh.stub({ method: 'GET', path: `${LOG}/3` }, { body: makeDeliveryDetail({ id: 3, guid: 'guid-a', payload: payloadA }) });
    const r = await runInProcess(['deliveries', 'pull', 'octo-org/octo-repo', '--hook-id', '42', '--since', '2026-11-22T09:30:00Z', '--json'], { env: box.env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).imported.map((d: { deliveryId: string }) => d.deliveryId)).toEqual(['guid-a']);
    gh.assertDone();
  });

  it('several hooks and none remembered → exit 2 listing them', async () => {
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 1, url: 'https://a/' }), makeHook({ id: 2, url: 'https://b/' })] });
    const r = await runInProcess(['deliveries', 'pull', 'octo-org/octo-repo'], { env: box.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has 2 webhooks; choose one with --hook-id');
    expect(r.stderr).toMatch(/1\s+https:\/\/a\//);
    gh.assertDone();
  });
});

describe('replay --from-github', () => {
  async function startTarget(): Promise<{ url: string; got: { body: Buffer; headers: IncomingHttpHeaders }[] }> {
    const got: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
    target = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ body: Buffer.concat(chunks), headers: req.headers });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => target!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(target!.address() as AddressInfo).port}/webhooks`, got };
  }

  it('fetches a delivery by GUID and replays it, re-signed, to --to', async () => {
    const { url, got } = await startTarget();
    gh.stub({ method: 'GET', path: LOG }, { body: [makeDeliverySummary({ id: 9, guid: 'guid-x' }), makeDeliverySummary({ id: 8, guid: 'guid-y' })] });
    gh.stub({ method: 'GET', path: `${LOG}/8` }, { body: makeDeliveryDetail({ id: 8, guid: 'guid-y', event: 'issues', action: 'opened', payload: payloadA }) });
    const r = await runCli(['replay', 'GUID-Y', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--to', url, '--secret', SECRET], { env: box.env });
    expect(r.stderr).toContain('re-signed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ guid-y issues\.opened → http:\/\/127\.0\.0\.1:\d+\/webhooks 200/);
    expect(got).toHaveLength(1);
    expect(got[0].body.toString('utf8')).toBe(JSON.stringify(payloadA));
    expect(got[0].headers['x-github-delivery']).toBe('guid-y');
    expect(got[0].headers['x-github-event']).toBe('issues');
    expect(got[0].headers['x-hub-signature-256']).toBe(sign(SECRET, got[0].body));
    gh.assertDone();
  });

  it('--redeliver asks GitHub; a refusal explains the 3-day window', async () => {
    gh.stub({ method: 'GET', path: LOG }, { body: [makeDeliverySummary({ id: 9, guid: 'guid-x', event: 'push', action: null })] }, { body: [makeDeliverySummary({ id: 9, guid: 'guid-x' })] });
    gh.stub({ method: 'POST', path: `${LOG}/9/attempts` }, { status: 202, body: {} }, { status: 422, body: { message: 'Validation Failed', errors: [{ message: 'This delivery is too old to redeliver' }] } });
    const ok = await runInProcess(['replay', 'guid-x', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--redeliver'], { env: box.env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('asked GitHub to redeliver guid-x (push) to webhook 42 of octo-org/octo-repo\n');
    const refused = await runInProcess(['replay', 'guid-x', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--redeliver'], { env: box.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('This delivery is too old to redeliver');
    expect(refused.stderr).toContain('past 3 days');
    gh.assertDone();
  });

  it('accepts a unique GUID prefix; an ambiguous one lists the candidates', async () => {
    const { url, got } = await startTarget();
    const log = [makeDeliverySummary({ id: 9, guid: 'abc1-x' }), makeDeliverySummary({ id: 8, guid: 'abc2-y' })];
    gh.stub({ method: 'GET', path: LOG }, { body: log }, { body: log });
    gh.stub({ method: 'GET', path: `${LOG}/8` }, { body: makeDeliveryDetail({ id: 8, guid: 'abc2-y', payload: payloadC }) });
    const one = await runInProcess(['replay', 'abc2', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--to', url], { env: box.env });
    expect(one.code).toBe(0);
    expect(got[0].headers['x-github-delivery']).toBe('abc2-y');
    expect(got[0].headers['x-hub-signature-256']).toBeUndefined();
    expect(one.stderr).toContain('sent without a signature');
    const two = await runInProcess(['replay', 'abc', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--to', url], { env: box.env });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('"abc" matches 2 deliveries');
    gh.assertDone();
  });

  it('an unknown GUID fails plainly', async () => {
    gh.stub({ method: 'GET', path: LOG }, { body: [makeDeliverySummary({ id: 9, guid: 'guid-x' })] });
    const r = await runInProcess(['replay', 'nope', '--from-github', 'octo-org/octo-repo', '--hook-id', '42', '--to', 'http://127.0.0.1:9/'], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no delivery nope in the log of webhook 42 of octo-org/octo-repo');
    gh.assertDone();
  });
});
