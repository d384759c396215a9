/**
 * The inspector over HTTP: `hookctl listen` receives real signed deliveries and its inspector
 * lists, filters, pages, shows, replays (to an @octokit/webhooks app that verifies
 * signatures), edits and deletes them; it refuses foreign hosts, origins and tokens, is
 * reachable neither on the receiver's port nor through the (fake) tunnel; --no-inspect, the
 * default port and the next free ones, `hookctl inspect` following a store another listener
 * writes, and --open. listen and inspect run in this process unless the built CLI or the
 * process is the point (the bundled page, what the process binds, the tunnel, another
 * process writing the store): run `npm run build` first.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROOT, alive, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { signatureHeaders } from '../../src/core/webhook/signing.js';
import { PORT_TRIES } from '../../src/core/inspector/server.js';
import { postDelivery, startOctokitApp, type OctokitApp, type PostResult } from '../helpers/webhook-apps.js';
import { openStore } from '../../src/core/store/store.js';
import { newDelivery } from '../helpers/deliveries.js';
import { httpCall, InspectorClient, listeningPorts, openEventStream, startInspect, startListen, type EventStream, type RunningListen } from '../helpers/real-inspector.js';

const SECRET = 'inspector-e2e-secret';
const FAKE_BIN_DIR = fileURLToPath(new URL('../helpers/bin/', import.meta.url));
/** How often the inspector follows the store (store-backend's default). */
const FOLLOW_MS = 200;

const ajv = new Ajv({ allErrors: true });
addFormats.default(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'delivery-record.schema.json'), 'utf8')));

let box: Sandbox;
let children: LongRunning[];
let running: InProcessRunning[];
let apps: OctokitApp[];
let streams: EventStream[];
let servers: Server[];

beforeEach(() => {
  box = sandbox();
  children = [];
  running = [];
  apps = [];
  streams = [];
  servers = [];
});

afterEach(async () => {
  vi.useRealTimers();
  for (const stream of streams) stream.close();
  await Promise.all(children.map((child) => child.stop('SIGKILL')));
  for (const command of running) await command.stop('SIGINT');
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  box.cleanup();
});

interface ListenHere {
  cli: InProcessRunning;
  listenUrl: string;
  listenPort: number;
  inspector: InspectorClient;
}

/** `hookctl listen --port 0 --secret … ARGS` in this process; waits for its Listening and Inspector lines. */
async function listen(args: string[] = [], env: NodeJS.ProcessEnv = box.env): Promise<ListenHere> {
  const cli = startInProcess(['listen', '--port', '0', '--secret', SECRET, ...args], { env });
  running.push(cli);
  const listening = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:(\d+)\/\S*)/);
  const inspectorLine = await cli.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[0-9a-f]{64})/);
  return { cli, listenUrl: listening[1], listenPort: Number(listening[2]), inspector: new InspectorClient(inspectorLine[1]) };
}

/** The same through the built CLI. */
async function listenProcess(args: string[] = [], env: NodeJS.ProcessEnv = box.env): Promise<RunningListen> {
  const started = await startListen(env, ['--secret', SECRET, ...args]);
  children.push(started.cli);
  return started;
}

/** `hookctl inspect ARGS` in this process; waits for its Inspector line. */
async function inspect(args: string[], env: NodeJS.ProcessEnv = box.env): Promise<{ cli: InProcessRunning; inspector: InspectorClient }> {
  const cli = startInProcess(['inspect', ...args], { env });
  running.push(cli);
  const line = await cli.waitFor(/Inspector: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[0-9a-f]{64})/);
  return { cli, inspector: new InspectorClient(line[1]) };
}

/** Until the clock has moved past the millisecond it shows now (timestamps are to the ms). */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() === now) await new Promise((resolve) => setImmediate(resolve));
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

/** Hold `count` consecutive ports, from one the system found free; the first port and the servers. */
async function holdRun(count: number): Promise<{ first: number; held: Server[] }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const base = await hold(0);
    const first = (base!.address() as { port: number }).port;
    const held = [base!];
    while (held.length < count && first + held.length < 65536) {
      const next = await hold(first + held.length);
      if (!next) break;
      held.push(next);
    }
    if (held.length === count) return { first, held };
    for (const server of held) await release(server);
  }
  throw new Error(`found no ${count} consecutive free ports in 20 tries`);
}

describe('the page the built CLI serves', () => {
  it('is one bundled module (no import of another file) with the stylesheet beside it', async () => {
    const { inspector } = await listenProcess(['--inspect-port', '0']);
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
    const cli = await runInProcess(['deliveries', 'list', '--json', '--limit', '200'], { env: box.env });
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
    await nextMillisecond();
    const middle = new Date().toISOString();
    await nextMillisecond();
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
    const shown = await runInProcess(['deliveries', 'show', id, '--raw'], { env: box.env });
    expect(shown.stdoutBytes.equals(Buffer.from(body))).toBe(true);
    const detail = (await inspector.get(`/api/deliveries/${id}`)).json;
    expect(detail.payloadText).toBe(body);
    expect(detail.attempts.map((a: any) => [a.kind, a.status, a.edited])).toEqual([
      ['forward', 200, false], ['replay', 200, false], ['replay', 200, false], ['replay', 200, true], ['replay', unsigned.json.attempt.status, true],
    ]);
    const json = await runInProcess(['deliveries', 'show', id, '--json'], { env: box.env });
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
    const cli = await runInProcess(['deliveries', 'list', '--json'], { env: box.env });
    expect((JSON.parse(cli.stdout) as { id: string }[]).map((record) => record.id)).toEqual([keep.id]);
  });
});

describe('where the inspector is (and is not) reachable', () => {
  it('only with the user\'s token: printed once in the URL, kept 0600 in HOOKCTL_HOME and the same next run, exchanged for an HttpOnly SameSite=Strict cookie; 401 everywhere without it', async () => {
    const first = await listen(['--inspect-port', '0']);
    const { listenUrl, inspector } = first;
    const { id } = await deliver(listenUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
    const file = join(box.env.HOOKCTL_HOME!, 'inspector-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(inspector.accessToken);
    expect(inspector.accessToken).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.cli.stderr().match(/[0-9a-f]{64}/g)).toEqual([inspector.accessToken]);

    const paths = ['/', '/index.html', '/style.css', '/favicon.svg', '/api/info', '/api/deliveries', `/api/deliveries/${id}`, `/api/deliveries/${id}/raw`, `/api/deliveries/${id}/export?format=curl`, '/api/catalog', '/api/stream', '/nowhere'];
    const wrong = 'b'.repeat(64);
    for (const [name, headers, query] of [
      ['no cookie', { Cookie: '' }, ''],
      ['a wrong cookie', { Cookie: `hookctl-inspector-${inspector.port}=${wrong}` }, ''],
      ['another port\'s cookie', { Cookie: `hookctl-inspector-${inspector.port + 1}=${inspector.accessToken}` }, ''],
      ['a wrong ?token=', { Cookie: '' }, `?token=${wrong}`],
    ] as const) {
      for (const path of paths) {
        const answer = await inspector.get(`${path}${path.includes('?') ? query.replace('?', '&') : query}`, headers);
        expect(answer.status, `${name}: ${path}`).toBe(401);
        expect(answer.headers['set-cookie'], `${name}: ${path}`).toBeUndefined();
        expect(answer.text, `${name}: ${path}`).not.toContain('hookctl-token');
        expect(answer.text, `${name}: ${path}`).not.toContain(id);
        // It says where the URL with the token is printed.
        if (path.startsWith('/api/')) expect(answer.json.error, `${name}: ${path}`).toContain(`Inspector: http://127.0.0.1:${inspector.port}/?token=`);
        else expect(answer.text, `${name}: ${path}`).toMatch(/hookctl listen<\/code> or <code>hookctl inspect<\/code> printed[\s\S]*Inspector: http:\/\/127\.0\.0\.1:\d+\/\?token=…/);
      }
    }
    // A change with the page's CSRF token but without the user's: refused, nothing removed.
    const csrf = await inspector.token();
    const refused = await inspector.call('DELETE', `/api/deliveries/${id}`, { headers: { Cookie: '', 'X-Hookctl-Token': csrf, Origin: inspector.origin, 'Sec-Fetch-Site': 'same-origin' } });
    expect(refused.status).toBe(401);
    expect((await inspector.get(`/api/deliveries/${id}`)).status).toBe(200);

    // The printed URL: the page, and the cookie that stands for the token from then on.
    const opened = await inspector.get(`/?token=${inspector.accessToken}`, { Cookie: '' });
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('hookctl-token');
    expect(opened.headers['set-cookie']).toEqual([`hookctl-inspector-${inspector.port}=${inspector.accessToken}; Path=/; HttpOnly; SameSite=Strict; Max-Age=34560000`]);
    for (const path of paths.slice(0, -1).filter((path) => path !== '/api/stream')) expect((await inspector.get(path)).status, path).toBe(200);

    // The next run (listen or inspect) takes the same token: a bookmark keeps working.
    await first.cli.stop('SIGINT');
    running.splice(running.indexOf(first.cli), 1);
    const again = await inspect(['--port', '0']);
    expect(again.inspector.accessToken).toBe(inspector.accessToken);
    expect((await again.inspector.get('/api/deliveries')).json.deliveries.map((d: { id: string }) => d.id)).toEqual([id]);
  });

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
    const { cli, listenUrl, listenPort, inspector } = await listenProcess(['--inspect-port', '0']);
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
    const { cli, inspector } = await listenProcess(['--inspect-port', '0', '--tunnel'], env);
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
    // What this process listens on, before and after: listen adds its receiver's port only.
    const before = new Set(listeningPorts(process.pid).map((p) => p.port));
    const cli = startInProcess(['listen', '--port', '0', '--secret', SECRET, '--no-inspect'], { env: box.env });
    running.push(cli);
    const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/);
    await deliver(m[1], sample('push'), { secret: SECRET, event: 'push' });
    await cli.waitFor(/push/);
    expect(cli.stderr()).not.toMatch(/Inspector/i);
    expect(listeningPorts(process.pid).filter((p) => !before.has(p.port))).toEqual([{ address: '127.0.0.1', port: Number(m[2]) }]);
    const { code } = await cli.stop('SIGTERM');
    expect(code).toBe(0);
    expect(cli.stderr()).not.toMatch(/Inspector/i);
  });

  // The default first port (4141) moved to ports this test found free and holds
  // (HOOKCTL_DEFAULT_INSPECT_PORT), so neither another suite nor a developer's own listener on
  // 4141… can make these pass or fail.
  it('takes the default port when it is free, and the next free one when it is taken', async () => {
    const { first, held } = await holdRun(4);
    const env = { ...box.env, HOOKCTL_DEFAULT_INSPECT_PORT: String(first) };
    // Free: the inspector takes it.
    await release(held[0]);
    const free = await listen([], env);
    expect(free.inspector.port).toBe(first);
    expect(free.cli.stderr()).toContain(`Inspector: http://127.0.0.1:${first}/`);
    expect((await free.inspector.get('/api/info')).status).toBe(200);
    expect(await free.cli.stop('SIGTERM')).toEqual({ code: 0 });
    // Taken (the first two, by us): the next free one, the third.
    expect(await hold(first)).not.toBeNull();
    await release(held[2]);
    const next = await listen([], env);
    expect(next.inspector.port).toBe(first + 2);
    expect(next.cli.stderr()).toContain(`Inspector: http://127.0.0.1:${first + 2}/`);
    expect((await next.inspector.get('/api/info')).status).toBe(200);
    expect(next.cli.stderr()).toContain(`Inspector port ${first} is taken: on ${first + 2} instead`);
    // An explicit --inspect-port is that port or an error: only the default moves.
    await next.cli.stop('SIGTERM');
    const given = await runInProcess(['listen', '--port', '0', '--secret', SECRET, '--inspect-port', String(first)], { env: box.env });
    expect(given.code).toBe(1);
    expect(given.stderr).toContain(`error: cannot start the inspector on 127.0.0.1:${first}: that port is taken`);
  });

  it('every port from the default taken: listen warns and receives without an inspector; with --inspect-port it is an error', async () => {
    const { first } = await holdRun(PORT_TRIES + 1);
    const last = first + PORT_TRIES;
    const cli = startInProcess(['listen', '--port', '0', '--secret', SECRET], { env: { ...box.env, HOOKCTL_DEFAULT_INSPECT_PORT: String(first) } });
    running.push(cli);
    const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
    await cli.waitFor(new RegExp(`no inspector: ports ${first}–${last} on 127\\.0\\.0\\.1 are taken; pick a free one with --inspect-port PORT`));
    await deliver(m[1], sample('push'), { secret: SECRET, event: 'push' });
    await cli.waitFor(/push/);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0 });
    expect(cli.stderr()).not.toMatch(/Inspector:/);
    expect(cli.stderr()).toMatch(/Stopped after .*: 1 accepted, 0 rejected/);

    const r = await runInProcess(['listen', '--port', '0', '--secret', SECRET, '--inspect-port', String(first)], { env: box.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot start the inspector on 127.0.0.1:${first}: that port is taken`);
    expect(r.stderr).not.toMatch(/Listening on[\s\S]*Inspector:/);
  });
});

/**
 * Turn the inspector's store follower (a setInterval, faked) a turn at a time until `match` is
 * on the stream, for what another process writes when it will.
 */
async function turnsUntil(events: EventStream, match: (event: { type: string; data: any }) => boolean, maxTurns = 100): Promise<void> {
  for (let turns = 0; turns < maxTurns; turns += 1) {
    await vi.advanceTimersByTimeAsync(FOLLOW_MS);
    // What the turn told travels over the stream's socket; a slow arrival only costs a turn more.
    const found = await events.waitFor(match, 100).then(
      () => true,
      () => false,
    );
    if (found) return;
  }
  throw new Error(`no matching event after ${maxTurns} follow turns`);
}

describe('hookctl inspect', () => {
  it('follows a store another hookctl listen writes: a delivery is on its stream one follow turn after its 200', async () => {
    const store = join(box.dir, 'shared.db');
    const app = await octokitApp();
    const listener = await startListenNoInspect(store, ['--forward-to', app.url]);
    // The follower's turns are driven by this test (counted), not by the clock.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { cli, inspector } = await inspect(['--store', store, '--port', '0']);
    expect((await cli.waitFor(/Showing (\S+)\. Press Ctrl\+C/))[1]).toBe(store);
    const info = (await inspector.get('/api/info')).json;
    expect(info).toMatchObject({ store, listener: null, canSign: false });

    const events = await stream(inspector);
    for (let i = 0; i < 3; i += 1) {
      const answered = await deliver(listener.url, sample('issues.opened', (p) => { p.issue.number = 100 + i; }), { secret: SECRET, event: 'issues' });
      // One turn after the 200 (the row was committed before it): no other turn comes.
      await vi.advanceTimersByTimeAsync(FOLLOW_MS);
      const event = await events.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === answered.id, 5000);
      expect(validateRecord(event.data.delivery), JSON.stringify(validateRecord.errors)).toBe(true);
      expect(event.data.delivery).toMatchObject({ event: 'issues', action: 'opened', status: 200, signature: 'valid' });
    }
    expect(events.events.filter((e) => e.type === 'delivery')).toHaveLength(3);
    expect((await inspector.listAll()).deliveries).toHaveLength(3);
    // What the listener learns after answering comes too: the forward, the schema verdict.
    const last = events.events.filter((e) => e.type === 'delivery').at(-1)!.data.delivery.id;
    await turnsUntil(events, (e) => e.type === 'attempt' && e.data.id === last && e.data.attempt.kind === 'forward' && e.data.attempt.status === 200);
    // As an update, or already in the delivery event when the forward and the verdict were written
    // before the turn that told the row (the follower tells a new row as it is then, once).
    const told = (e: { type: string; data: any }) => (e.type === 'updated' || e.type === 'delivery') && e.data.delivery.id === last;
    await turnsUntil(events, (e) => told(e) && e.data.delivery.forward?.status === 200);
    await turnsUntil(events, (e) => told(e) && e.data.delivery.schema?.status === 'valid');
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
    // inspect shows a store that exists (a listener made it before).
    openStore(join(box.env.HOOKCTL_HOME!, 'deliveries.db')).close();
    // The built CLI: inspect's smoke test as a process, and the opener is its child.
    const { cli, inspector } = await startInspect(env, ['--port', '0', '--open']);
    children.push(cli);
    await until(() => existsSync(log), 5000, 'xdg-open was run');
    // The URL with the user's token, so the page opens without a 401.
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(readFileSync(log, 'utf8')).toBe(`${inspector.url}\n0\n`);
    expect((await inspector.get('/')).status).toBe(200);
  });
});

/** A listener without an inspector, writing `store`: another process (the built CLI). */
async function startListenNoInspect(store: string, args: string[] = []): Promise<{ cli: LongRunning; url: string }> {
  const cli = startCli(['listen', '--port', '0', '--secret', SECRET, '--no-inspect', '--store', store, ...args], { env: box.env });
  children.push(cli);
  const m = await cli.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
  return { cli, url: m[1] };
}

describe('the live stream inside listen', () => {
  it('tells each delivery once, however fast they come', async () => {
    // The relay tells each delivery; the store follower (driven here, a turn while each batch
    // is in flight) reads the same rows and tells none of them: they are the relay's.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const events = await stream(inspector);
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = Promise.all(Array.from({ length: 20 }, () => deliver(listenUrl, sample('push'), { secret: SECRET, event: 'push' })));
      await vi.advanceTimersByTimeAsync(FOLLOW_MS);
      ids.push(...(await answers).map((a) => a.id));
    }
    await until(() => new Set(events.events.filter((e) => e.type === 'delivery').map((e) => e.data.delivery.id)).size === ids.length, 5000, 'every delivery on the stream');
    // Two more turns, then a last delivery: the stream is in order, so whatever those turns
    // told is on it once the last one is.
    await vi.advanceTimersByTimeAsync(2 * FOLLOW_MS);
    const marker = await deliver(listenUrl, sample('push'), { secret: SECRET, event: 'push' });
    await events.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === marker.id);
    const told = events.events.filter((e) => e.type === 'delivery' && e.data.delivery.id !== marker.id).map((e) => e.data.delivery.id);
    expect(told.length).toBe(ids.length);
    expect(new Set(told)).toEqual(new Set(ids));
  });
});

/** How many SQLite connections this process has open on `file` (read-write descriptors of it). */
function connectionsTo(file: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== file) continue;
      const flags = Number.parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
      if ((flags & 3) === 2) count += 1;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

describe('one store, one connection, one feed', () => {
  it('inside listen the inspector reads through the relay\'s connection: one connection to the store', async () => {
    const store = join(box.dir, 'one.db');
    const { listenUrl, inspector } = await listen(['--inspect-port', '0', '--store', store]);
    const events = await stream(inspector);
    const { id } = await deliver(listenUrl, sample('issues.opened'), { secret: SECRET, event: 'issues' });
    await events.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === id);
    expect((await inspector.get('/api/deliveries?q=opened')).json.deliveries.map((d: { id: string }) => d.id)).toEqual([id]);
    expect((await inspector.get(`/api/deliveries/${id}`)).status).toBe(200);
    expect(connectionsTo(store)).toBe(1);
  });

  it('hookctl inspect: deliveries rm and prune in another shell reach the stream once each; nothing is told again', async () => {
    const store = join(box.dir, 'shared.db');
    const seeded = openStore(store);
    const ids = await seeded.enqueue(() => Array.from({ length: 10 }, (_, i) => seeded.insertDelivery(newDelivery({ deliveryId: randomUUID(), receivedAt: new Date(Date.now() - (10 - i) * 1000) })).id));
    seeded.close();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { inspector } = await inspect(['--store', store, '--port', '0']);
    const events = await stream(inspector);
    const removed = (id: string) => (e: { type: string; data: any }) => e.type === 'removed' && e.data.id === id;

    // The newest, from another shell.
    expect((await runInProcess(['deliveries', 'rm', ids[9], '--store', store, '--yes'], { env: box.env })).code).toBe(0);
    await turnsUntil(events, removed(ids[9]));
    expect((await runInProcess(['deliveries', 'prune', '--keep', '2', '--store', store, '--yes'], { env: box.env })).code).toBe(0);
    await turnsUntil(events, removed(ids[0]));
    await vi.advanceTimersByTimeAsync(2 * FOLLOW_MS);
    expect(events.events.filter((e) => e.type === 'delivery')).toEqual([]);
    expect(events.events.filter((e) => e.type === 'removed').map((e) => e.data.id).sort()).toEqual([...ids.slice(0, 7), ids[9]].sort());
    expect((await inspector.listAll()).deliveries.map((d) => d.id)).toEqual([ids[8], ids[7]]);
  });

  it('the stream sends only what the filters it was opened with match, as the list does (repository and sender in any case)', async () => {
    const { listenUrl, inspector } = await listen(['--inspect-port', '0']);
    const filtered = await openEventStream(inspector, '?repository=octo-org/x&sender=MONA');
    streams.push(filtered);
    const all = await stream(inspector);
    const other = await deliver(listenUrl, sample('issues.opened', owned('octo-org/y', 'mona')), { secret: SECRET, event: 'issues' });
    const matching = await deliver(listenUrl, sample('issues.opened', owned('Octo-Org/x', 'mona')), { secret: SECRET, event: 'issues' });
    await all.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === matching.id);
    // In order on one socket: what came before the match has come.
    await filtered.waitFor((e) => e.type === 'delivery' && e.data.delivery.id === matching.id);
    expect(filtered.events.filter((e) => e.type === 'delivery').map((e) => e.data.delivery.id)).toEqual([matching.id]);
    expect((await inspector.listAll('repository=octo-org/x&sender=MONA')).deliveries.map((d) => d.id)).toEqual([matching.id]);
    expect(all.events.filter((e) => e.type === 'delivery').map((e) => e.data.delivery.id)).toEqual([other.id, matching.id]);
    const refused = await inspector.get('/api/stream?status=6xx');
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/status/);
  });
});

