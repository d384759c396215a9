/**
 * The inspector of the built CLI, over HTTP: `hookctl listen` receives real signed deliveries
 * and its inspector lists, filters, pages, shows, replays (to an @octokit/webhooks app that
 * verifies signatures), edits and deletes them; it refuses foreign hosts, origins and tokens,
 * is reachable neither on the receiver's port nor through the (fake) tunnel; --no-inspect,
 * the default port 4141, `hookctl inspect` following a store another listener writes, and
 * --open. Run `npm run build` first.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, alive, runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { signatureHeaders } from '../../src/core/webhook/signing.js';
import { postDelivery, startOctokitApp, type OctokitApp, type PostResult } from '../helpers/webhook-apps.js';
import { httpCall, listeningPorts, openEventStream, startInspect, startListen, type EventStream, type InspectorClient, type RunningListen } from '../helpers/real-inspector.js';

const SECRET = 'inspector-e2e-secret';
const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));

const ajv = new Ajv({ allErrors: true });
addFormats.default(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'delivery-record.schema.json'), 'utf8')));

let box: Sandbox;
let children: LongRunning[];
let apps: OctokitApp[];
let streams: EventStream[];
let servers: Server[];

beforeEach(() => {
  box = sandbox();
  children = [];
  apps = [];
  streams = [];
  servers = [];
});

afterEach(async () => {
  for (const stream of streams) stream.close();
  await Promise.all(children.map((child) => child.stop('SIGKILL')));
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  box.cleanup();
});

async function listen(args: string[] = [], env: NodeJS.ProcessEnv = box.env): Promise<RunningListen> {
  const running = await startListen(env, ['--secret', SECRET, ...args]);
  children.push(running.cli);
  return running;
}

async function octokitApp(): Promise<OctokitApp> {
  const app = await startOctokitApp(SECRET);
  apps.push(app);
  return app;
}

async function stream(inspector: InspectorClient): Promise<EventStream> {
  const opened = await openEventStream(inspector);
  streams.push(opened);
  return opened;
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A catalog sample (payloads/), with some fields changed, as compact JSON. */
function sample(name: string, change: (payload: any) => void = () => undefined): string {
  const [event, action] = name.split('.');
  const file = action ? join(ROOT, 'payloads', event, `${action}.json`) : join(ROOT, 'payloads', `${event}.json`);
  const payload = JSON.parse(readFileSync(file, 'utf8'));
  change(payload);
  return JSON.stringify(payload);
}

const owned = (repository: string, sender: string) => (payload: any) => {
  payload.repository.full_name = repository;
  payload.sender.login = sender;
};

/** POST and expect `status`; returns the local id the listener answered with. */
async function deliver(url: string, body: string | Buffer, init: Parameters<typeof postDelivery>[2], status = 200): Promise<{ id: string; answer: PostResult }> {
  const answer = await postDelivery(url, body, init);
  expect(answer.status, answer.body).toBe(status);
  return { id: JSON.parse(answer.body).id as string, answer };
}

/** Bind 127.0.0.1:port ourselves (0: any); null when it is taken. Closed in afterEach unless released. */
function hold(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

function release(server: Server): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('the page the built CLI serves', () => {
  it('is one bundled module (no import of another file) with the stylesheet beside it', async () => {
    const { inspector } = await listen(['--inspect-port', '0']);
    const page = await inspector.get('/');
    expect(page.text.match(/<link rel="modulepreload" href="[^"]+">/g)).toEqual(['<link rel="modulepreload" href="/js/main.js">']);
    const script = await inspector.get('/js/main.js');
    expect(script.status).toBe(200);
    expect(script.text).not.toMatch(/^\s*import\b|\bfrom\s+['"]\.\.?\//m);
    // Every module of the source is in it (esbuild names each in a comment).
    for (const file of readdirSync(new URL('../../src/core/inspector/assets/js/', import.meta.url))) {
      expect(script.text, file).toContain(`// src/core/inspector/assets/js/${file}`);
    }
    expect((await inspector.get('/js/list.js')).status).toBe(404);
    expect((await inspector.get('/style.css')).status).toBe(200);
  });
});

describe('the list over real deliveries', () => {
  it('lists newest first as delivery records (the schema), and pages 120 deliveries by cursor without gaps or repeats', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const sent: string[] = [];
    for (let batch = 0; batch < 12; batch += 1) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => deliver(listenUrl, sample('issues.opened', (p) => { p.issue.number = batch * 10 + i; }), { secret: SECRET, event: 'issues' })));
      sent.push(...answers.map((a) => a.id));
    }

    const first = await inspector.get('/api/deliveries');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.json.deliveries).toHaveLength(50);
    expect(first.json.next).toEqual(expect.any(String));
    for (const record of first.json.deliveries) expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    const payload = JSON.parse(sample('issues.opened'));
    expect(sent.slice(-10)).toContain(first.json.deliveries[0].id);
    expect(first.json.deliveries[0]).toMatchObject({ event: 'issues', action: 'opened', signature: 'valid', status: 200, repository: payload.repository.full_name, sender: payload.sender.login, attempt: 1, forward: null });

    // Page by 50; five new deliveries arrive between pages: they are newer, so no page shifts.
    const paged: any[] = [...first.json.deliveries];
    let next: string | null = first.json.next;
    const late: string[] = [];
    while (next) {
      if (late.length === 0) for (let i = 0; i < 5; i += 1) late.push((await deliver(listenUrl, sample('push'), { secret: SECRET, event: 'push' })).id);
      const page = await inspector.get(`/api/deliveries?limit=50&cursor=${encodeURIComponent(next)}`);
      expect(page.status).toBe(200);
      paged.push(...page.json.deliveries);
      next = page.json.next;
    }
    const ids = paged.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(sent));
    // Newest first, in the store's own order (as `hookctl deliveries list` reads it): the
    // order rows were committed, which concurrent requests may take in another order than
    // their receivedAt, so only the ends are compared by time.
    expect(Date.parse(paged[0].receivedAt)).toBeGreaterThan(Date.parse(paged[paged.length - 1].receivedAt));
    const cli = await runCli(['deliveries', 'list', '--json', '--limit', '200'], { env: box.env });
    expect(cli.code).toBe(0);
    const stored = (JSON.parse(cli.stdout) as { id: string }[]).map((record) => record.id);
    expect(stored.filter((id) => !late.includes(id))).toEqual(ids);

    // A fresh walk at the largest page sees the late ones first.
    const all = await inspector.listAll('', 200);
    expect(all.deliveries.map((d) => d.id)).toEqual([...late].reverse().concat(ids));
    expect(all.pages).toBe(1);
  });

  it('filters by event, repository, sender, status, signature, drift, time range and payload text', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const a = await deliver(listenUrl, sample('issues.opened', (p) => { owned('acme/web', 'alice')(p); p.issue.title = 'Crash when NEEDLE-7f3a is set'; }), { secret: SECRET, event: 'issues' });
    const b = await deliver(listenUrl, sample('pull_request.opened', owned('acme/api', 'bob')), { secret: SECRET, event: 'pull_request' });
    const c = await deliver(listenUrl, sample('push', owned('acme/web', 'carol')), { secret: SECRET, event: 'push' });
    const d = await deliver(listenUrl, sample('issues.opened', owned('acme/web', 'mallory')), { secret: 'not-the-secret', event: 'issues' }, 401);
    const e = await deliver(listenUrl, sample('issues.opened', owned('acme/web', 'mallory')), { event: 'issues' }, 401);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const f = await deliver(listenUrl, sample('pull_request.opened', (p) => { owned('acme/api', 'bob')(p); p.number = 'two'; }), { secret: SECRET, event: 'pull_request' });
    const g = await deliver(listenUrl, '{"zen":"Keep it logically awesome."}', { secret: SECRET, event: null }, 400);
    const h = await deliver(listenUrl, sample('issues.closed', owned('acme/api', 'alice')), { secret: SECRET, event: 'issues' });
    // The schema check runs after the answer: wait for its verdicts.
    await until(async () => (await inspector.listAll()).deliveries.filter((r) => r.status === 200).every((r) => r.schema !== null), 10_000, 'schema verdicts');

    const ids = async (query: string) => (await inspector.listAll(query)).deliveries.map((r) => r.id);
    const expected = (...rows: { id: string }[]) => rows.map((r) => r.id).reverse();
    expect(await ids('')).toEqual(expected(a, b, c, d, e, f, g, h));
    expect(await ids('event=issues')).toEqual(expected(a, d, e, h));
    expect(await ids('event=issues.opened')).toEqual(expected(a, d, e));
    expect(await ids('event=pull_request')).toEqual(expected(b, f));
    expect(await ids('repository=acme%2Fweb')).toEqual(expected(a, c, d, e));
    expect(await ids('sender=alice')).toEqual(expected(a, h));
    expect(await ids('status=401')).toEqual(expected(d, e));
    expect(await ids('status=4xx')).toEqual(expected(d, e, g));
    expect(await ids('status=2xx')).toEqual(expected(a, b, c, f, h));
    expect(await ids('signature=invalid')).toEqual(expected(d));
    expect(await ids('signature=missing')).toEqual(expected(e));
    expect(await ids('signature=valid')).toEqual(expected(a, b, c, f, g, h));
    expect(await ids('drift=1')).toEqual(expected(f));
    expect(await ids(`since=${middle}`)).toEqual(expected(f, g, h));
    expect(await ids(`until=${middle}`)).toEqual(expected(a, b, c, d, e));
    expect(await ids('q=needle-7F3A')).toEqual(expected(a));
    expect(await ids('q=Keep+it+logically')).toEqual(expected(g));
    expect(await ids('q=no-such-text-anywhere')).toEqual([]);
    expect(await ids('event=issues&sender=alice&status=2xx')).toEqual(expected(a, h));
    expect(await ids(`event=pull_request&since=${middle}&drift=1`)).toEqual(expected(f));

    const drifted = (await inspector.get(`/api/deliveries/${f.id}`)).json;
    expect(drifted.schema).toEqual({ status: 'invalid', violations: [expect.objectContaining({ path: '/number' })] });
    expect((await inspector.get('/api/deliveries?signature=maybe')).status).toBe(400);
    expect((await inspector.get('/api/deliveries?cursor=nope')).status).toBe(400);
  });
});

describe('one delivery', () => {
  it('shows headers as received, the exact bytes (odd whitespace, not UTF-8) and the siblings of a redelivery', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const odd = Buffer.from('{ "action" :\t"opened" ,\r\n  "issue": {"number": 7, "title": "caf\u00e9 \\u00e9  "},\n"repository":{"full_name":"acme/web"},  "sender":{"login":"alice"} }\n\n  ');
    const guid = randomUUID();
    const original = await deliver(listenUrl, odd, { secret: SECRET, event: 'issues', deliveryId: guid, headers: { 'X-Custom-Thing': 'Keep  Case', 'X-GitHub-Hook-ID': '512345678' } });
    const again = await deliver(listenUrl, odd, { secret: SECRET, event: 'issues', deliveryId: guid });
    const notUtf8 = Buffer.concat([Buffer.from('{"action":"opened","issue":{"title":"'), Buffer.from([0xff, 0xfe, 0xe9, 0x00, 0xc3, 0x28]), Buffer.from('"}}\r\n')]);
    const broken = await postDelivery(listenUrl, notUtf8, { secret: SECRET, event: 'issues' });
    const brokenId = JSON.parse(broken.body).id as string;

    const detail = (await inspector.get(`/api/deliveries/${original.id}`)).json;
    expect(validateRecord(detail), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(detail).toMatchObject({ id: original.id, deliveryId: guid, event: 'issues', action: 'opened', attempt: 1, redelivery: false, repository: 'acme/web', sender: 'alice', bytes: odd.length, signature: 'valid' });
    expect(detail.headers).toContainEqual(['X-Custom-Thing', 'Keep  Case']);
    expect(detail.headers).toContainEqual(['X-GitHub-Delivery', guid]);
    expect(detail.headers).toContainEqual(['User-Agent', 'GitHub-Hookshot/a0f4c5e']);
    expect(detail.headers).toContainEqual(['X-Hub-Signature-256', signatureHeaders(SECRET, odd)['X-Hub-Signature-256']]);
    const sentOrder = ['Content-Type', 'User-Agent', 'X-GitHub-Event', 'X-GitHub-Delivery', 'X-Hub-Signature', 'X-Hub-Signature-256', 'X-Custom-Thing', 'X-GitHub-Hook-ID'];
    const names = detail.headers.map(([name]: [string]) => name).filter((name: string) => sentOrder.includes(name));
    expect(names).toEqual(sentOrder);
    expect(detail.payloadText).toBe(odd.toString('utf8'));
    expect(detail.bodySha256).toBe(createHash('sha256').update(odd).digest('hex'));
    expect(detail.siblings).toEqual([again.id]);
    expect((await inspector.get(`/api/deliveries/${again.id}`)).json).toMatchObject({ attempt: 2, redelivery: true, siblings: [original.id] });

    const raw = await inspector.get(`/api/deliveries/${original.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.body.equals(odd)).toBe(true);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-disposition']).toBe(`attachment; filename="${original.id}.json"`);
    expect(raw.headers['x-original-content-type']).toBe('application/json');

    const brokenDetail = (await inspector.get(`/api/deliveries/${brokenId}`)).json;
    expect(brokenDetail.status).toBe(broken.status);
    expect(brokenDetail.siblings).toEqual([]);
    expect(brokenDetail.payloadText).toBeNull();
    expect((await inspector.get(`/api/deliveries/${brokenId}/raw`)).body.equals(notUtf8)).toBe(true);

    expect((await inspector.get('/api/deliveries/fffffff')).status).toBe(404);
    expect((await inspector.get('/api/deliveries/fffffff/raw')).status).toBe(404);
    const curl = await inspector.get(`/api/deliveries/${original.id}/export?format=curl`);
    expect(curl.text).toContain(`X-GitHub-Delivery: ${guid}`);
  });

  it('replays to an @octokit/webhooks app that verifies the signature, edits and replays, and keeps the original unchanged', async () => {
    const app = await octokitApp();
    const { listenUrl, inspector } = await listen(['--inspect-port', '0', '--forward-to', app.url]);
    const body = sample('issues.opened', owned('acme/web', 'alice'));
    const guid = randomUUID();
    const { id } = await deliver(listenUrl, body, { secret: SECRET, event: 'issues', deliveryId: guid });
    await until(() => app.received.length === 1, 10_000, 'the forward');
    await until(async () => (await inspector.get(`/api/deliveries/${id}`)).json.attempts.length === 1, 5000, 'the forward attempt');

    const replayed = await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: app.url });
    expect(replayed.status, replayed.text).toBe(200);
    expect(replayed.json.attempt).toMatchObject({ n: 2, kind: 'replay', url: app.url, status: 200, edited: false, resigned: true, deliveryId: null });
    expect(app.received[1]).toMatchObject({ id: guid, name: 'issues' });
    expect(app.received[1].payload).toEqual(JSON.parse(body));

    const fresh = await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: app.url, newDeliveryId: true });
    expect(fresh.json.attempt).toMatchObject({ n: 3, status: 200, deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fresh.json.attempt.deliveryId).not.toBe(guid);
    expect(app.received[2].id).toBe(fresh.json.attempt.deliveryId);

    // Edited as a person types it (pretty, new title): sent compact and signed anew.
    const edited = JSON.parse(body);
    edited.issue.title = 'Edited in the inspector ✓';
    const editedText = JSON.stringify(edited, null, 2);
    const editedReplay = await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: app.url, payload: editedText });
    expect(editedReplay.status, editedReplay.text).toBe(200);
    expect(editedReplay.json.attempt).toMatchObject({ n: 4, status: 200, edited: true, resigned: true });
    expect(app.received).toHaveLength(4);
    expect(app.received[3].payload.issue.title).toBe('Edited in the inspector ✓');
    const sentBody = await inspector.get(`/api/deliveries/${id}/raw?attempt=4`);
    expect(sentBody.status).toBe(200);
    expect(sentBody.text).toBe(JSON.stringify(edited));
    expect(sentBody.headers['content-disposition']).toBe(`attachment; filename="${id}-attempt-4.json"`);

    // An edit sent without new signatures is refused by the app: its check is real.
    const unsigned = await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: app.url, payload: editedText, resign: false });
    expect(unsigned.json.attempt).toMatchObject({ n: 5, edited: true, resigned: false });
    expect(unsigned.json.attempt.status).toBeGreaterThanOrEqual(400);
    expect(app.received).toHaveLength(4);
    // A body the app cannot parse is refused before any replay.
    expect((await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: app.url, payload: '{"action": ' })).status).toBe(400);

    // The stored original is untouched: the API, and the store as the CLI reads it.
    const raw = await inspector.get(`/api/deliveries/${id}/raw`);
    expect(raw.text).toBe(body);
    const shown = await runCli(['deliveries', 'show', id, '--raw'], { env: box.env });
    expect(shown.stdoutBytes.equals(Buffer.from(body))).toBe(true);
    const detail = (await inspector.get(`/api/deliveries/${id}`)).json;
    expect(detail.payloadText).toBe(body);
    expect(detail.attempts.map((a: any) => [a.kind, a.status, a.edited])).toEqual([
      ['forward', 200, false], ['replay', 200, false], ['replay', 200, false], ['replay', 200, true], ['replay', unsigned.json.attempt.status, true],
    ]);
    const json = await runCli(['deliveries', 'show', id, '--json'], { env: box.env });
    expect(JSON.parse(json.stdout).replays).toHaveLength(4);
    // Unknown ids and bad targets.
    expect((await inspector.send('POST', '/api/deliveries/fffffff/replay', {})).status).toBe(404);
    expect((await inspector.send('POST', `/api/deliveries/${id}/replay`, { to: 'ftp://example.test/' })).status).toBe(400);
  });

  it('deletes a delivery with the token (then 404), and not without it', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const keep = await deliver(listenUrl, sample('push'), { secret: SECRET, event: 'push' });
    const doomed = await deliver(listenUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
    const refused = await inspector.call('DELETE', `/api/deliveries/${doomed.id}`, { headers: { Origin: inspector.origin } });
    expect(refused.status).toBe(403);
    expect((await inspector.get(`/api/deliveries/${doomed.id}`)).status).toBe(200);
    const removed = await inspector.send('DELETE', `/api/deliveries/${doomed.id}`);
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({ removed: doomed.id });
    expect((await inspector.get(`/api/deliveries/${doomed.id}`)).status).toBe(404);
    expect((await inspector.send('DELETE', `/api/deliveries/${doomed.id}`)).status).toBe(404);
    expect((await inspector.listAll()).deliveries.map((r) => r.id)).toEqual([keep.id]);
    const cli = await runCli(['deliveries', 'list', '--json'], { env: box.env });
    expect((JSON.parse(cli.stdout) as { id: string }[]).map((record) => record.id)).toEqual([keep.id]);
  });
});

describe('where the inspector is (and is not) reachable', () => {
  it('refuses a foreign Host, a cross-origin change and a missing or wrong token', async () => {
    const app = await octokitApp();
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const { id } = await deliver(listenUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
    const token = await inspector.token();
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    for (const host of ['evil.example', `evil.example:${inspector.port}`, `127.0.0.1:${inspector.port + 1}`, `0.0.0.0:${inspector.port}`, `[::1]:${inspector.port}`]) {
      for (const path of ['/', '/api/deliveries', `/api/deliveries/${id}/raw`, '/api/stream']) {
        const answer = await inspector.get(path, { Host: host });
        expect(answer.status, `${host} ${path}`).toBe(403);
        expect(answer.text).not.toContain('hookctl-token');
      }
    }
    expect((await inspector.get('/api/deliveries', { Host: `localhost:${inspector.port}` })).status).toBe(200);
    expect((await inspector.get('/api/deliveries', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);

    const replay = `/api/deliveries/${id}/replay`;
    const body = JSON.stringify({ to: app.url });
    const base = { 'Content-Type': 'application/json', 'X-Hookctl-Token': token, Origin: inspector.origin };
    const refusals: [string, Record<string, string>][] = [
      ['no token', { ...base, 'X-Hookctl-Token': '' }],
      ['a wrong token', { ...base, 'X-Hookctl-Token': 'a'.repeat(64) }],
      ['another origin', { ...base, Origin: 'https://evil.example' }],
      ['another port', { ...base, Origin: `http://127.0.0.1:${inspector.port + 1}` }],
      ['a cross-site fetch', { ...base, 'Sec-Fetch-Site': 'cross-site' }],
      ['a foreign Host', { ...base, Host: 'evil.example' }],
    ];
    for (const [name, headers] of refusals) {
      const answer = await inspector.call('POST', replay, { headers, body });
      expect(answer.status, name).toBe(403);
      expect(answer.headers['access-control-allow-origin'], name).toBeUndefined();
    }
    expect(app.received).toHaveLength(0);
    expect((await inspector.get(`/api/deliveries/${id}`)).json.attempts).toEqual([]);
    const accepted = await inspector.call('POST', replay, { headers: base, body });
    expect(accepted.status, accepted.text).toBe(200);
    expect(app.received).toHaveLength(1);
  });

  it('serves nothing of the inspector on the receiver\'s port, and binds both on 127.0.0.1 only', async () => {
    const { cli, listenUrl, listenPort, inspector } = await listen(['--inspect-port', '0']);
    const { id } = await deliver(listenUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
    for (const path of ['/api/deliveries', `/api/deliveries/${id}`, `/api/deliveries/${id}/raw`, '/api/stream', '/api/info', '/js/main.js', '/style.css', '/index.html']) {
      const answer = await httpCall(new URL(path, listenUrl).toString(), 'GET');
      expect(answer.status, path).toBe(404);
      expect(answer.json, path).toEqual({ error: 'not found: webhooks are POSTed' });
    }
    const home = await httpCall(listenUrl, 'GET');
    expect(home.headers['content-type']).toMatch(/^application\/json/);
    expect(home.json.name).toBe('hookctl');
    expect(home.text).not.toContain('hookctl-token');
    // A state-changing inspector call sent to the receiver is only an (unsigned, rejected) POST.
    const token = await inspector.token();
    const asDelivery = await httpCall(new URL(`/api/deliveries/${id}`, listenUrl).toString(), 'DELETE', { headers: { 'X-Hookctl-Token': token } });
    expect(asDelivery.status).toBe(405);
    expect((await inspector.get(`/api/deliveries/${id}`)).status).toBe(200);

    expect(listeningPorts(cli.child.pid!)).toEqual([
      { address: '127.0.0.1', port: Math.min(listenPort, inspector.port) },
      { address: '127.0.0.1', port: Math.max(listenPort, inspector.port) },
    ]);
  });

  it('is not reachable through the tunnel: requests through cloudflared reach the receiver only', async () => {
    const statePath = join(box.dir, 'cloudflared-state.json');
    const env = { ...box.env, PATH: `${FAKE_BIN_DIR}:${box.env.PATH}`, FAKE_CLOUDFLARED_STATE: statePath, FAKE_CLOUDFLARED_NODE: process.execPath };
    const { cli, inspector } = await listen(['--inspect-port', '0', '--tunnel'], env);
    const publicUrl = (await cli.waitFor(/Public payload URL: (\S+)/))[1];
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { pid: number; publicUrl: string; localUrl: string; target: string };
    try {
      expect(new URL(state.target).port).not.toBe(String(inspector.port));
      for (const path of ['/api/deliveries', '/api/stream', '/api/info', '/js/main.js', '/index.html']) {
        const answer = await httpCall(`${state.localUrl}${path}`, 'GET', { headers: { Host: `127.0.0.1:${inspector.port}` } });
        expect(answer.status, path).toBe(404);
        expect(answer.json, path).toEqual({ error: 'not found: webhooks are POSTed' });
      }
      const home = await httpCall(`${state.localUrl}/`, 'GET');
      expect(home.json.name).toBe('hookctl');
      expect(home.text).not.toContain('hookctl-token');
      // What comes through the tunnel is a delivery; the inspector shows it, with the public URL.
      const through = await deliver(state.localUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
      expect((await inspector.get(`/api/deliveries/${through.id}`)).json.event).toBe('issues');
      expect(publicUrl.startsWith(state.publicUrl)).toBe(true);
      expect((await inspector.get('/api/info')).json.publicUrl).toBe(publicUrl);
    } finally {
      await cli.stop('SIGINT');
      if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
    }
  });

  it('--no-inspect serves nothing and prints no Inspector line', async () => {
    const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--no-inspect'], { env: box.env });
    children.push(cli);
    const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/);
    await deliver(m[1], sample('push'), { secret: SECRET, event: 'push' });
    await cli.waitFor(/push/);
    expect(cli.stderr()).not.toMatch(/Inspector/i);
    expect(listeningPorts(cli.child.pid!)).toEqual([{ address: '127.0.0.1', port: Number(m[2]) }]);
    const { code } = await cli.stop('SIGTERM');
    expect(code).toBe(0);
    expect(cli.stderr()).not.toMatch(/Inspector/i);
  });

  it('takes port 4141 by default, and the next free one when 4141 is taken', async () => {
    // Other test files (and other people's listeners) may hold 4141 and the next ones now.
    // Without --inspect-port the inspector must take the first free port from 4141 on: every
    // port below the one it took must be held by someone else. A port freed meanwhile makes
    // an attempt inconclusive; it is tried again.
    let checked = false;
    for (let attempt = 0; attempt < 5 && !checked; attempt += 1) {
      const running = await listen();
      const port = running.inspector.port;
      expect(port).toBeGreaterThanOrEqual(4141);
      expect(port).toBeLessThanOrEqual(4161);
      expect(running.cli.stderr()).toContain(`Inspector: http://127.0.0.1:${port}/`);
      expect((await running.inspector.get('/api/info')).status).toBe(200);
      const freeBelow: number[] = [];
      for (let below = 4141; below < port; below += 1) {
        const probe = await hold(below);
        if (probe) {
          freeBelow.push(below);
          await release(probe);
        }
      }
      await running.cli.stop('SIGTERM');
      checked = freeBelow.length === 0;
    }
    expect(checked, 'the inspector skipped a free port below the one it took, five times').toBe(true);

    // Taken: we hold 4141 (or, if someone else has it, a port of our own given with --inspect-port).
    let taken = await hold(4141);
    let args: string[] = [];
    if (!taken) {
      taken = await hold(0);
      args = ['--inspect-port', String((taken!.address() as { port: number }).port)];
    }
    const takenPort = (taken!.address() as { port: number }).port;
    const running = await listen(args);
    expect(running.inspector.port).toBeGreaterThan(takenPort);
    expect(running.inspector.port).toBeLessThanOrEqual(takenPort + 20);
    expect(running.cli.stderr()).toContain(`Inspector: http://127.0.0.1:${running.inspector.port}/`);
    expect((await running.inspector.get('/api/info')).status).toBe(200);
  });

  it('every port from 4141 taken: listen warns and receives without an inspector; with --inspect-port it is an error', async () => {
    // Hold every free port of 4141–4161 (others held by other tests count as taken too). A port
    // freed by someone else meanwhile lets listen take it: inconclusive, tried again.
    let checked = false;
    for (let attempt = 0; attempt < 5 && !checked; attempt += 1) {
      const held: Server[] = [];
      for (let port = 4141; port <= 4161; port += 1) {
        const server = await hold(port);
        if (server) held.push(server);
      }
      const cli = startCli(['listen', '--port', '0', '--secret', SECRET], { env: box.env });
      children.push(cli);
      const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
      const outcome = await cli.waitFor(/no inspector: ports 4141–4161 on 127\.0\.0\.1 are taken; pick a free one with --inspect-port PORT|Inspector: http/);
      if (outcome[0].startsWith('no inspector')) {
        await deliver(m[1], sample('push'), { secret: SECRET, event: 'push' });
        expect((await cli.stop('SIGTERM')).code).toBe(0);
        expect(cli.stderr()).not.toMatch(/Inspector:/);
        checked = true;
      } else await cli.stop('SIGTERM');
      for (const server of held) await release(server);
    }
    expect(checked, 'a port of 4141–4161 was freed by someone else during each of five attempts').toBe(true);

    const base = await hold(0);
    const first = (base!.address() as { port: number }).port;
    for (let port = first + 1; port <= first + 20; port += 1) await hold(port);
    const r = await runCli(['listen', '--port', '0', '--secret', SECRET, '--inspect-port', String(first)], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot start the inspector on 127.0.0.1:${first}: that port and the next 20 are taken`);
  });
});

describe('hookctl inspect', () => {
  it('follows a store another hookctl listen writes: a delivery is on its stream within 1 s of its 200', async () => {
    const store = join(box.dir, 'shared.db');
    const app = await octokitApp();
    const listener = await startListenNoInspect(store, ['--forward-to', app.url]);
    const { cli, inspector } = await startInspect(box.env, ['--store', store, '--port', '0']);
    children.push(cli);
    expect((await cli.waitFor(/Showing (\S+)\. Press Ctrl\+C/))[1]).toBe(store);
    const info = (await inspector.get('/api/info')).json;
    expect(info).toMatchObject({ store, listener: null, canSign: false });

    const events = await stream(inspector);
    const timings: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answered = await deliver(listener.url, sample('issues.opened', (p) => { p.issue.number = 100 + i; }), { secret: SECRET, event: 'issues' });
      const at = Date.now();
      const event = await events.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === answered.id, 5000);
      timings.push(event.at - at);
      expect(validateRecord(event.data.delivery), JSON.stringify(validateRecord.errors)).toBe(true);
      expect(event.data.delivery).toMatchObject({ event: 'issues', action: 'opened', status: 200, signature: 'valid' });
    }
    expect(Math.max(...timings), `ms from each 200 to its event: ${timings.join(', ')}`).toBeLessThanOrEqual(1000);
    expect(events.events.filter((e) => e.type === 'delivery')).toHaveLength(3);
    expect((await inspector.listAll()).deliveries).toHaveLength(3);
    // What the listener learns after answering comes too: the forward, the schema verdict.
    const last = events.events.filter((e) => e.type === 'delivery').at(-1)!.data.delivery.id;
    await events.waitFor((e) => e.type === 'attempt' && e.data.id === last && e.data.attempt.kind === 'forward' && e.data.attempt.status === 200);
    await events.waitFor((e) => e.type === 'updated' && e.data.delivery.id === last && e.data.delivery.forward?.status === 200);
    await events.waitFor((e) => e.type === 'updated' && e.data.delivery.id === last && e.data.delivery.schema?.status === 'valid');
    expect(app.received).toHaveLength(3);
  });

  it('--open hands the URL to the system\'s opener (xdg-open), without credentials in its environment', async () => {
    const bin = join(box.dir, 'bin');
    mkdirSync(bin);
    const log = join(box.dir, 'xdg-open.log');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\n{ printf '%s\\n' "$@"; env | grep -c -E 'TOKEN|SECRET'; true; } > "${log}.tmp" && mv "${log}.tmp" "${log}"\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    // The opener (like $PAGER and $EDITOR) gets no credentials.
    const env = { ...box.env, PATH: `${bin}:${box.env.PATH}`, GITHUB_TOKEN: 'ghp_never_passed_on', HOOKCTL_SECRET: 'never-passed-on' };
    const { cli, inspector } = await startInspect(env, ['--port', '0', '--open']);
    children.push(cli);
    await until(() => existsSync(log), 5000, 'xdg-open was run');
    expect(readFileSync(log, 'utf8')).toBe(`${inspector.url}\n0\n`);
    expect((await inspector.get('/')).status).toBe(200);
  });
});

/** A listener without an inspector, writing `store`. */
async function startListenNoInspect(store: string, args: string[] = []): Promise<{ cli: LongRunning; url: string }> {
  const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--no-inspect', '--store', store, ...args], { env: box.env });
  children.push(cli);
  const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
  return { cli, url: m[1] };
}

describe('the live stream inside listen', () => {
  it('tells each delivery once, however fast they come', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const events = await stream(inspector);
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(listenUrl, sample('push'), { secret: SECRET, event: 'push' })));
      ids.push(...answers.map((a) => a.id));
    }
    await until(() => new Set(events.events.filter((e) => e.type === 'delivery').map((e) => e.data.delivery.id)).size === ids.length, 5000, 'every delivery on the stream');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a follow turn or two more
    const told = events.events.filter((e) => e.type === 'delivery').map((e) => e.data.delivery.id);
    expect(told.length).toBe(ids.length);
    expect(new Set(told)).toEqual(new Set(ids));
  });
});
