/**
 * The library (src/lib): what a test suite gets from `import … from 'hookctl'`. Deliveries are
 * the CLI's own (the same sampler), the adapters hand them to real consumers (@octokit/webhooks,
 * fetch Request, a real server for deliver), and every failure is a typed error.
 */
import { createHmac } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPayloadBytes, resolve } from '../../src/core/catalog/catalog.js';
import { listSamples } from '../../src/core/catalog/sample.js';
import {
  HookctlError,
  TargetError,
  UsageError,
  deliver,
  diagnose,
  forReceive,
  forVerifyAndReceive,
  sample,
  samples,
  sign,
  signatureHeaders,
  toInject,
  toRequest,
  validate,
  verify,
} from '../../src/lib/index.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';

const SECRET = 'test-secret';
const hmac = (alg: 'sha1' | 'sha256', secret: string, body: Uint8Array) => `${alg}=${createHmac(alg, secret).update(body).digest('hex')}`;
const catalogBytes = (name: string) => {
  const found = resolve(name);
  if (!found.ok) throw new Error(name);
  return loadPayloadBytes(found.entry);
};

/** The error a call throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('it did not throw');
}

async function rejected(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('it did not reject');
}

describe('sample()', () => {
  it('is exactly what GitHub sends: the catalog\'s bytes, GitHub\'s headers, both signatures; id and signature at hand', () => {
    const d = sample('pull_request.opened', { secret: SECRET });
    expect(d.body.equals(catalogBytes('pull_request.opened'))).toBe(true);
    expect(d).toMatchObject({ event: 'pull_request', action: 'opened', sample: 'pull_request.opened', method: 'POST', contentType: 'json', notes: [] });
    expect(d.payload).toEqual(JSON.parse(d.body.toString()));
    expect(d.headers).toMatchObject({
      'Content-Type': 'application/json',
      'User-Agent': expect.stringMatching(/^GitHub-Hookshot\/[0-9a-f]{7}$/),
      'X-GitHub-Event': 'pull_request',
      'X-GitHub-Delivery': d.id,
      'X-GitHub-Hook-Installation-Target-Type': 'repository',
      'X-GitHub-Hook-Installation-Target-ID': String(d.payload.repository.id),
      'X-Hub-Signature': hmac('sha1', SECRET, d.body),
      'X-Hub-Signature-256': hmac('sha256', SECRET, d.body),
    });
    expect(d.signature).toBe(d.headers['X-Hub-Signature-256']);
    expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sample('pull_request.opened').id).not.toBe(d.id);
  });

  it('without a secret it is unsigned', () => {
    const d = sample('push');
    expect(d.signature).toBeUndefined();
    expect(Object.keys(d.headers).filter((h) => h.startsWith('X-Hub-'))).toEqual([]);
  });

  it('takes the CLI\'s overrides: set (an object of JSON values, or PATH=VALUE strings), repo, sender, App and installation ids, ids, form bodies', () => {
    const d = sample('issues.opened', {
      secret: SECRET,
      set: { 'issue.title': 'Crash on start', 'issue.number': 42, 'issue.locked': true },
      repo: 'acme/widgets',
      sender: 'monalisa',
      appId: 123456,
      installationId: 777,
      deliveryId: '6c1a0f00-0000-4000-8000-000000000001',
      hookId: 99,
    });
    expect(d.payload).toMatchObject({ issue: { title: 'Crash on start', number: 42, locked: true }, repository: { full_name: 'acme/widgets' }, sender: { login: 'monalisa' }, installation: { id: 777 } });
    expect(d.payload.issue.html_url).toBe('https://github.com/acme/widgets/issues/42');
    expect(d.body.toString()).toBe(JSON.stringify(d.payload));
    expect(d.headers).toMatchObject({ 'X-GitHub-Delivery': '6c1a0f00-0000-4000-8000-000000000001', 'X-GitHub-Hook-ID': '99', 'X-GitHub-Hook-Installation-Target-Type': 'integration', 'X-GitHub-Hook-Installation-Target-ID': '123456' });
    expect(d.signature).toBe(hmac('sha256', SECRET, d.body));
    // The CLI's syntax works too, and the string "42" stays a string when quoted.
    expect(sample('issues.opened', { set: ['issue.title="42"'] }).payload.issue.title).toBe('42');
    const form = sample('push', { contentType: 'form', secret: SECRET });
    expect(form.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(JSON.parse(new URLSearchParams(form.body.toString()).get('payload')!)).toEqual(form.payload);
    expect(form.signature).toBe(hmac('sha256', SECRET, form.body));
  });

  it('an event alone sends its default action and says so; a variant is sent as its pair', () => {
    expect(sample('pull_request')).toMatchObject({ action: 'opened', sample: 'pull_request.opened', notes: ['pull_request has actions; sending pull_request.opened (pass pull_request.<action> for another)'] });
    const merged = sample('pull_request.closed:merged');
    expect(merged).toMatchObject({ event: 'pull_request', action: 'closed', sample: 'pull_request.closed:merged' });
    expect(merged.payload.pull_request.merged).toBe(true);
  });

  it('your own payload: exact bytes for text and bytes, compact JSON for an object, under the name\'s event', () => {
    const text = '{ "action": "opened",\n  "zen": "exact" }';
    expect(sample('issues', { payload: text }).body.toString()).toBe(text);
    const bytes = Buffer.from('{"action":"created"}');
    expect(sample('star', { payload: bytes }).body.equals(bytes)).toBe(true);
    const own = sample('ping', { payload: { zen: 'Design for failure.', hook_id: 1 }, secret: SECRET });
    expect(own.body.toString()).toBe('{"zen":"Design for failure.","hook_id":1}');
    expect(own).toMatchObject({ event: 'ping', action: null, signature: hmac('sha256', SECRET, own.body) });
  });

  it('bad input throws a UsageError naming the field, with the suggestions in its message', () => {
    const unknown = thrown(() => sample('pull_requst' as 'pull_request'));
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown).toBeInstanceOf(HookctlError);
    expect(unknown.message).toBe('unknown event "pull_requst"\nDid you mean: pull_request?\nSee every event with `hookctl send --list`.');
    expect(thrown(() => sample('push', { set: { 'commits[99].id': 'x' } }))).toMatchObject({ field: 'set', message: expect.stringContaining('commits[99] is not in the payload (commits has 1 item)') });
    expect(thrown(() => sample('push', { set: { 'head_commit.id': undefined } }))).toMatchObject({ field: 'set', message: 'set: the value of head_commit.id is not JSON (undefined)' });
    expect(thrown(() => sample('push', { repo: 'no-slash' }))).toMatchObject({ field: 'repo' });
    // The option at fault, whichever others came with it (a bad sender beside a good repo is not the repo's).
    expect(thrown(() => sample('push', { repo: 'octo-org/app', sender: 'not a login' }))).toMatchObject({ name: 'UsageError', field: 'sender', message: '--sender must be a GitHub login, got "not a login"' });
    expect(thrown(() => sample('push', { deliveryId: 'not-a-guid' }))).toMatchObject({ field: 'deliveryId' });
    expect(thrown(() => sample('issues', { payload: '[1]' }))).toMatchObject({ field: 'payload', message: 'a webhook payload must be a JSON object' });
  });

  it('samples() is the catalog `send --list --json` prints, and every name in it builds', () => {
    const all = samples();
    expect(all).toEqual(listSamples());
    expect(all).toHaveLength(262);
    expect(all.find((s) => s.name === 'pull_request.opened')).toEqual({ name: 'pull_request.opened', event: 'pull_request', action: 'opened', description: expect.any(String), source: 'captured', default: true, appOnly: false });
    for (const s of all) expect(sample(s.name).event).toBe(s.event);
  });
});

describe('adapters', () => {
  it('toRequest: a fetch Request with the delivery\'s method, headers and exact bytes; a path is taken on localhost', async () => {
    const d = sample('pull_request.opened', { secret: SECRET });
    const req = toRequest(d, '/api/github/webhooks');
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://localhost/api/github/webhooks');
    for (const [name, value] of Object.entries(d.headers)) expect(req.headers.get(name)).toBe(value);
    expect(Buffer.from(await req.arrayBuffer()).equals(d.body)).toBe(true);
    expect(toRequest(d, 'https://example.test/hooks?x=1').url).toBe('https://example.test/hooks?x=1');
  });

  it('toInject: Fastify/light-my-request options with the exact bytes', () => {
    const d = sample('push', { secret: SECRET });
    expect(toInject(d, '/webhooks')).toEqual({ method: 'POST', url: '/webhooks', headers: d.headers, payload: d.body });
  });

  it('forVerifyAndReceive and forReceive: @octokit/webhooks verifies the first and hands both to the handler', async () => {
    const d = sample('issues.opened', { secret: SECRET, set: { 'issue.title': 'Crash' } });
    const webhooks = new Webhooks({ secret: SECRET });
    const seen: { id: string; title: string }[] = [];
    webhooks.on('issues.opened', ({ id, payload }) => void seen.push({ id, title: payload.issue.title }));
    await webhooks.verifyAndReceive(forVerifyAndReceive(d));
    await webhooks.receive(forReceive(d));
    expect(seen).toEqual([{ id: d.id, title: 'Crash' }, { id: d.id, title: 'Crash' }]);
    // Signed with another secret, the same delivery is refused.
    await expect(new Webhooks({ secret: 'other' }).verifyAndReceive(forVerifyAndReceive(d))).rejects.toThrow(/signature does not match/);
  });

  it('forVerifyAndReceive refuses what @octokit/webhooks cannot verify: an unsigned delivery, a form body', () => {
    expect(thrown(() => forVerifyAndReceive(sample('push')))).toMatchObject({ name: 'UsageError', field: 'secret' });
    expect(thrown(() => forVerifyAndReceive(sample('push', { secret: SECRET, contentType: 'form' })))).toMatchObject({ name: 'UsageError', field: 'contentType' });
  });
});

describe('deliver()', () => {
  let server: CaptureServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('posts the exact bytes and headers and returns the answer: status, headers, body', async () => {
    server = await startCaptureServer((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json', 'x-seen': 'yes' });
      res.end('{"ok":true}');
    });
    const d = sample('pull_request.opened', { secret: SECRET });
    const res = await deliver(`${server.url}webhooks`, d, { headers: { 'X-Request-Id': '42' } });
    expect(res).toMatchObject({ status: 202, truncated: false, headers: { 'content-type': 'application/json', 'x-seen': 'yes' } });
    expect(res.body.toString()).toBe('{"ok":true}');
    const [got] = server.requests;
    expect(got).toMatchObject({ method: 'POST', url: '/webhooks' });
    expect(got.body.equals(d.body)).toBe(true);
    for (const [name, value] of Object.entries(d.headers)) expect(got.headers[name.toLowerCase()]).toBe(value);
    expect(got.headers['x-request-id']).toBe('42');
    expect(verify(SECRET, got.body, got.headers['x-hub-signature-256'] as string)).toBe(true);
  });

  it('a non-2xx is an answer, not an error', async () => {
    server = await startCaptureServer((_req, res) => {
      res.statusCode = 401;
      res.end('bad signature');
    });
    const res = await deliver(server.url, sample('push'));
    expect(res.status).toBe(401);
    expect(res.body.toString()).toBe('bad signature');
  });

  it('reads at most maxResponseBytes of the answer and says it stopped', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    server = await startCaptureServer((_req, res) => res.end(big));
    const res = await deliver(server.url, sample('push'), { maxResponseBytes: 1000 });
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(1000);
  });

  it('no answer within the deadline, or nothing listening, is a TargetError; a URL it cannot send to is a UsageError', async () => {
    server = await startCaptureServer(() => {
      /* never answers */
    });
    const late = await rejected(deliver(server.url, sample('push'), { timeoutMs: 300 }));
    expect(late).toBeInstanceOf(TargetError);
    expect(late.message).toBe(`no complete answer from ${new URL(server.url).host} within 300 ms`);
    const url = server.url;
    await server.close();
    server = undefined;
    expect(await rejected(deliver(url, sample('push')))).toMatchObject({ name: 'TargetError', message: `nothing is listening at ${url}` });
    expect(await rejected(deliver('localhost:3000/webhooks', sample('push')))).toMatchObject({ name: 'UsageError', field: 'url', message: '"localhost:3000/webhooks" has no scheme: did you mean http://localhost:3000/webhooks?' });
  });
});

describe('sign, verify, diagnose', () => {
  it('sign and verify: GitHub\'s own test vector, constant-time, false for a wrong signature', () => {
    const secret = "It's a Secret to Everybody";
    expect(sign(secret, 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(signatureHeaders(secret, 'Hello, World!')).toEqual({ 'X-Hub-Signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59', 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' });
    expect(verify(secret, Buffer.from('Hello, World!'), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')).toBe(true);
    expect(verify(secret, 'Hello, World!\n', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')).toBe(false);
    expect(verify(['old', secret], 'Hello, World!', sign(secret, 'Hello, World!'))).toBe(true);
  });

  it('diagnose: the explanations `hookctl verify` prints, as data', () => {
    const d = sample('pull_request.opened', { secret: SECRET });
    expect(diagnose(SECRET, d.body, d.signature!)).toMatchObject({ valid: true, algorithm: 'sha256' });
    expect(diagnose(SECRET, JSON.stringify(d.payload, null, 2), d.signature!)).toEqual({
      valid: false,
      algorithm: 'sha256',
      reason: 'the body was re-serialized after signing: the signature matches it as compact JSON',
      hint: 'Verify the raw request body before any JSON parsing (e.g. express.raw(), not express.json()).',
    });
    expect(diagnose(`${SECRET}\n`, d.body, d.signature!).reason).toMatch(/^wrong secret: the configured secret has whitespace around it/);
    expect(diagnose(SECRET, d.body, d.headers['X-Hub-Signature'].replace('sha1=', 'sha256=')).reason).toMatch(/it looks like the X-Hub-Signature value/);
  });
});

describe('validate()', () => {
  it('checks a payload against GitHub\'s schema for its event.action; an event alone reads the action from the payload', async () => {
    const d = sample('pull_request.opened');
    expect(await validate('pull_request.opened', d.payload)).toEqual({ event: 'pull_request', action: 'opened', schemaFound: true, valid: true, violations: [] });
    const broken = { ...d.payload, pull_request: { ...d.payload.pull_request, number: '12' } };
    expect(await validate('pull_request', broken)).toMatchObject({ action: 'opened', valid: false, violations: [{ path: '/pull_request/number', message: 'must be integer, got string "12"' }] });
    expect(await validate('pull_request.closed', d.payload)).toMatchObject({ valid: false, violations: [{ path: '/action', message: 'is "opened", but the name says "closed"' }] });
  });

  it('an unknown event or action is a UsageError with suggestions', async () => {
    expect(await rejected(validate('pull_requests', {}))).toMatchObject({ name: 'UsageError', message: 'unknown event "pull_requests": GitHub\'s webhook description has no such event\nDid you mean: pull_request?\nSee every event with `hookctl send --list`.' });
    expect(await rejected(validate('push.opened', {}))).toMatchObject({ name: 'UsageError', message: 'push has no actions; use push' });
  });
});
