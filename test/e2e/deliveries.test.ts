/**
 * `hookctl deliveries list|show|export` against a seeded store: in this process, and `show --raw`
 * and `export --format curl` once through the built CLI (`npm run build` first).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import type { NewDelivery } from '../../src/core/store/types.js';
import { signatureHeaders, verify } from '../../src/core/webhook/signing.js';
import { ROOT, runCli, sandbox, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess, type InProcessRunning } from '../helpers/in-process.js';
import { newDelivery } from '../helpers/deliveries.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';

const SECRET = 'export-secret';
let box: Sandbox;
let capture: CaptureServer | undefined;
let storeFile: string;
let following: InProcessRunning[] = [];

/** A body with the awkward bytes: quotes, backslashes, %, newlines, tabs, non-ASCII, a leading space. */
const ODD = Buffer.from(` {"action":"opened","title":"it's 100% \\"odd\\"\\n","tab":"\\t",\t"emoji":"🎉 ünï","bs":"C:\\\\dir"}\n\n`, 'utf8');

function seed(over: Partial<NewDelivery> & { body: Buffer }): string {
  const store = openStore(storeFile);
  try {
    const sig = signatureHeaders(SECRET, over.body);
    const d = store.insertDelivery(newDelivery({
      deliveryId: 'f00dbabe-1111-4000-8000-000000000001',
      event: 'issues',
      action: 'opened',
      rawHeaders: ['Host', '127.0.0.1:5000', 'Content-Type', 'application/json', 'User-Agent', 'GitHub-Hookshot/a0f4c5e', 'X-GitHub-Event', 'issues', 'X-GitHub-Delivery', 'f00dbabe-1111-4000-8000-000000000001', 'X-Hub-Signature', sig['X-Hub-Signature'], 'X-Hub-Signature-256', sig['X-Hub-Signature-256'], 'Content-Length', String(over.body.length)],
      receivedAt: new Date(),
      contentType: 'application/json',
      ...over,
    }));
    return d.id;
  } finally {
    store.close();
  }
}

beforeEach(() => {
  box = sandbox();
  storeFile = join(box.env.HOOKCTL_HOME!, 'deliveries.db');
});
afterEach(async () => {
  for (const command of following) await command.stop('SIGINT');
  following = [];
  await capture?.close();
  capture = undefined;
  box.cleanup();
});

describe('hookctl deliveries', () => {
  it('list: newest first, filters, and --json records valid against the schema', async () => {
    seed({ body: Buffer.from('{"action":"opened"}'), deliveryId: 'g-1' });
    seed({ body: Buffer.from('{"ref":"x"}'), deliveryId: 'g-2', event: 'push', action: null });
    const human = await runInProcess(['deliveries'], { env: box.env });
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EVENT/);
    expect(lines[1]).toMatch(/push/);
    expect(lines[2]).toMatch(/issues\.opened/);
    const json = await runInProcess(['deliveries', 'list', '--json', '--event', 'issues.opened'], { env: box.env });
    const records = JSON.parse(json.stdout) as unknown[];
    expect(records).toHaveLength(1);
    const ajv = new Ajv({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'delivery-record.schema.json'), 'utf8')));
    expect(validate(records[0]), JSON.stringify(validate.errors)).toBe(true);
    expect((await runInProcess(['deliveries', 'list', '--since', 'yesterday'], { env: box.env })).code).toBe(2);
  });

  it('list on an empty machine says how to start', async () => {
    const res = await runInProcess(['deliveries', 'list'], { env: box.env });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/No deliveries stored yet/);
  });

  it('show: headers, verdicts, forward and replay attempts, pretty payload; --raw writes the exact bytes', async () => {
    const id = seed({ body: ODD });
    const store = openStore(storeFile);
    store.recordAttempt(id, { kind: 'forward', url: 'http://127.0.0.1:3000/hooks', status: 202, durationMs: 12, error: null });
    store.recordAttempt(id, { kind: 'replay', url: 'http://127.0.0.1:4000/', status: null, durationMs: 3, error: 'nothing is listening at http://127.0.0.1:4000/' });
    store.close();
    const res = await runInProcess(['deliveries', 'show', id.slice(0, 4)], { env: box.env });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/X-Hub-Signature-256: sha256=/);
    expect(res.stdout).toMatch(/Forwarded\n.*202.*http:\/\/127\.0\.0\.1:3000\/hooks/);
    expect(res.stdout).toMatch(/Replayed\n.*failed: nothing is listening/);
    expect(res.stdout).toMatch(/"emoji": "🎉 ünï"/);
    const raw = await runCli(['deliveries', 'show', id, '--raw'], { env: box.env });
    expect(raw.stdoutBytes.equals(ODD)).toBe(true);
    const json = JSON.parse((await runInProcess(['deliveries', 'show', id, '--json'], { env: box.env })).stdout);
    expect(json.replays).toHaveLength(1);
    expect(json.forward).toMatchObject({ status: 202 });
  });

  it('export --format curl reproduces the request byte for byte (run through bash)', async () => {
    capture = await startCaptureServer();
    const id = seed({ body: ODD, url: `${capture.url}webhooks` });
    const res = await runCli(['deliveries', 'export', id, '--format', 'curl'], { env: box.env });
    expect(res.code).toBe(0);
    // Async: the capture server lives in this process.
    await promisify(execFile)('bash', ['-c', res.stdout], { timeout: 10_000 });
    expect(capture.requests).toHaveLength(1);
    const got = capture.requests[0];
    expect(got.url).toBe('/webhooks');
    expect(got.body.equals(ODD)).toBe(true);
    expect(got.headers['x-github-event']).toBe('issues');
    expect(got.headers['user-agent']).toBe('GitHub-Hookshot/a0f4c5e');
    expect(verify(SECRET, got.body, String(got.headers['x-hub-signature-256']))).toBe(true);
  });

  it('export --format curl is exact for non-UTF-8 bytes too', async () => {
    capture = await startCaptureServer();
    const body = Buffer.from([0x2d, 0x7b, 0xff, 0x00, 0x01, 0x27, 0x25, 0x5c, 0x0d, 0x0a, 0x80, 0x7d]);
    const id = seed({ body, url: capture.url });
    const res = await runInProcess(['deliveries', 'export', id], { env: box.env });
    // Async: the capture server lives in this process.
    await promisify(execFile)('bash', ['-c', res.stdout], { timeout: 10_000 });
    expect(capture.requests[0].body.equals(body)).toBe(true);
  });

  it('export --format curl prints no C1 control or bidi mark (body and headers), and still sends the exact bytes', async () => {
    capture = await startCaptureServer();
    const body = Buffer.from('{"zen":"\u009b2J\u202e hi é"}', 'utf8');
    const sig = signatureHeaders(SECRET, body);
    const id = seed({
      body,
      url: capture.url,
      rawHeaders: ['Content-Type', 'application/json', 'X-GitHub-Event', 'issues', 'X-Note', 'a\u009b31mred', 'X-Hub-Signature-256', sig['X-Hub-Signature-256']],
    });
    const res = await runInProcess(['deliveries', 'export', id], { env: box.env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(res.stdout).toContain('é');
    await promisify(execFile)('bash', ['-c', res.stdout], { timeout: 10_000 });
    expect(capture.requests[0].body.equals(body)).toBe(true);
    expect(capture.requests[0].headers['x-note']).toBe('a\u009b31mred');
  });

  it('export --format fixture gives headers and the exact body', async () => {
    const id = seed({ body: ODD });
    const res = await runInProcess(['deliveries', 'export', id, '--format', 'fixture'], { env: box.env });
    const fixture = JSON.parse(res.stdout);
    expect(fixture).toMatchObject({ event: 'issues', action: 'opened', bodyEncoding: 'utf8' });
    expect(Buffer.from(fixture.body, 'utf8').equals(ODD)).toBe(true);
    expect(fixture.headers['X-Hub-Signature-256']).toMatch(/^sha256=/);
    expect(fixture.headers.Host).toBeUndefined();
  });

  it('an ambiguous prefix lists the candidates (exit 2); an unknown id hints at deliveries list (exit 2)', async () => {
    const store = openStore(storeFile);
    const base = { event: 'issues', action: 'opened', rawHeaders: [], body: Buffer.from('{}'), receivedAt: new Date(), remoteAddress: null, path: '/', url: null, signature: 'unchecked' as const, signatureReason: null, signatureAlgorithm: null, status: 200, repository: null, sender: null };
    store.insertDelivery({ ...base, deliveryId: 'abcd0001-aaaa' });
    store.insertDelivery({ ...base, deliveryId: 'abcd0002-bbbb' });
    store.close();
    const amb = await runInProcess(['deliveries', 'show', 'abcd'], { env: box.env });
    expect(amb.code).toBe(2);
    expect(amb.stderr).toMatch(/matches 2 deliveries/);
    expect(amb.stderr).toMatch(/abcd0001-aaaa/);
    expect(amb.stderr).toMatch(/abcd0002-bbbb/);
    const none = await runInProcess(['deliveries', 'export', 'zzzz'], { env: box.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no delivery in \S+deliveries\.db matches "zzzz"/);
    expect(none.stderr).toMatch(/hookctl deliveries list/);
  });

  it('list --follow prints every delivery that arrives between two polls, in order (2,501 in one burst)', async () => {
    seed({ body: Buffer.from('{"action":"opened"}'), deliveryId: 'before' });
    const follow = startInProcess(['deliveries', 'list', '--follow', '--json'], { env: box.env });
    following.push(follow);
    await follow.waitFor(/"before"/);
    // One commit between two polls: the follower sees all of them at once.
    const store = openStore(storeFile);
    const ids = await store.enqueue(() => Array.from({ length: 2501 }, (_, i) => store.insertDelivery(newDelivery({ deliveryId: `burst-${i}`, receivedAt: new Date() })).id));
    store.close();
    // Counted, not matched: a pattern over the whole output at each write costs more than the command.
    await expect.poll(() => follow.stdout().split('\n').length - 1, { timeout: 10_000 }).toBe(1 + 2501);
    expect(await follow.stop('SIGINT')).toEqual({ code: 0 });
    const printed = follow.stdout().trim().split('\n').map((line) => JSON.parse(line) as { id: string; deliveryId: string });
    expect(printed[0].deliveryId).toBe('before');
    expect(printed.slice(1).map((record) => record.id)).toEqual(ids);
  });
});

describe('a reading command and a store that is not there', () => {
  it('show, export, replay and inspect refuse a --store that does not exist, naming it (exit 2), and create nothing', async () => {
    const typo = join(box.dir, 'typo.db');
    for (const args of [['deliveries', 'show', 'abc'], ['deliveries', 'export', 'abc'], ['deliveries', 'list'], ['deliveries', 'rm', 'abc', '--yes'], ['deliveries', 'prune', '--keep', '1'], ['replay', 'abc', '--to', 'http://127.0.0.1:9/'], ['inspect', '--port', '0']]) {
      const res = await runInProcess([...args, '--store', typo], { env: box.env });
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr, args.join(' ')).toContain(`${typo} does not exist`);
      expect(existsSync(typo), args.join(' ')).toBe(false);
    }
  });
});

