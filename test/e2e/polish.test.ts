/**
 * What tripped a newcomer (issue "A CLI a newcomer cannot trip over"): event names checked
 * everywhere, edit-and-replay, send --header/--dry-run, managing the store, messages that say
 * what to do. The commands run in this process; Ctrl+C (send --count, list --follow) and one
 * edited replay run the built CLI (`npm run build` first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/core/store/store.js';
import { verify } from '../../src/core/webhook/signing.js';
import { startCaptureServer, type CaptureServer } from '../helpers/capture-server.js';
import { newDelivery } from '../helpers/deliveries.js';
import { makeHook, startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { runCli, sandbox, startCli, type LongRunning, type Sandbox } from '../helpers/run-cli.js';
import { runInProcess, startInProcess } from '../helpers/in-process.js';
import { startOctokitApp, type OctokitApp } from '../helpers/webhook-apps.js';

let box: Sandbox;
let closers: (() => Promise<unknown> | unknown)[] = [];

beforeEach(() => {
  box = sandbox();
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
  box.cleanup();
});

async function capture(): Promise<CaptureServer> {
  const c = await startCaptureServer();
  closers.push(() => c.close());
  return c;
}

function storeFile(): string {
  return join(box.env.HOOKCTL_HOME!, 'deliveries.db');
}

/** A store holding `n` pull_request.opened deliveries received `ageDays` ago and now. */
function seed(rows: Parameters<typeof newDelivery>[0][]): string[] {
  const store = openStore(storeFile());
  try {
    return rows.map((r) => store.insertDelivery(newDelivery(r)).id);
  } finally {
    store.close();
  }
}

describe('event names are checked wherever they are given', () => {
  it.each([
    [['listen', '--port', '0', '--events', 'pusj,pull_request'], /--events: unknown event "pusj"/],
    [['listen', '--port', '0', '--forward-to', 'pusj=http://127.0.0.1:9/'], /--forward-to: unknown event "pusj"/],
    [['deliveries', 'list', '--event', 'pusj'], /--event: unknown event "pusj"/],
    [['replay', '--event', 'pull_request.opend'], /--event: unknown action "opend" for pull_request/],
    [['register', 'o/r', '--url', 'https://x.example/', '--events', 'pusj'], /--events: unknown event "pusj"/],
  ])('%j → exit 2 with at most three close matches', async (args, message) => {
    const r = await runInProcess(args as string[], { env: { ...box.env, GITHUB_TOKEN: 'never-used' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    const suggestions = /Did you mean: (.*)\?/.exec(r.stderr)?.[1].split(', ') ?? [];
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.length).toBeLessThanOrEqual(3);
  });

  it('send pull_request.opend suggests at most three actions', async () => {
    const r = await runInProcess(['send', 'pull_request.opend'], { env: box.env });
    expect(r.code).toBe(2);
    expect(/Did you mean: (.*)\?/.exec(r.stderr)![1].split(', ')).toHaveLength(3);
    expect(r.stderr).toContain('pull_request.opened');
  });
});

describe('replay with edits', () => {
  let octo: OctokitApp;
  beforeEach(async () => {
    octo = await startOctokitApp('edit-secret');
    closers.push(() => octo.close());
  });

  it('--set makes new bytes signed anew, kept as an attempt with its own body; the stored original is unchanged', async () => {
    const body = Buffer.from(JSON.stringify({ action: 'opened', pull_request: { title: 'Old', number: 1 }, repository: { full_name: 'o/r' }, sender: { login: 'm' } }));
    const [id] = seed([{ body, rawHeaders: ['Content-Type', 'application/json', 'X-GitHub-Event', 'pull_request', 'X-GitHub-Delivery', 'set-1'] }]);
    const r = await runCli(['replay', id, '--set', 'pull_request.title="New"', '--to', octo.url, '--secret', 'edit-secret'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/edited: \d+ bytes, signed anew; the stored original is unchanged/);
    expect(octo.received).toHaveLength(1);
    expect(octo.received[0].payload.pull_request.title).toBe('New');
    const store = openStore(storeFile());
    try {
      expect(Buffer.compare(store.get(id)!.body, body)).toBe(0);
      const [attempt] = store.attempts(id);
      expect(attempt).toMatchObject({ kind: 'replay', edited: true, resigned: true, status: 200 });
      expect(JSON.parse(store.attemptBody(id, 1)!.toString()).pull_request.title).toBe('New');
    } finally {
      store.close();
    }
    const show = await runInProcess(['deliveries', 'show', id, '--no-payload'], { env: box.env });
    expect(show.stdout).toMatch(/Replayed[\s\S]*edited \(/);
    expect(show.stdout).not.toMatch(/"Old"/);
  });

  it('--payload FILE sends those exact bytes; a file that is not JSON is exit 2 with where it breaks', async () => {
    const [id] = seed([{ rawHeaders: ['Content-Type', 'application/json', 'X-GitHub-Event', 'pull_request'] }]);
    const file = join(box.dir, 'edited.json');
    writeFileSync(file, '{"action": "closed",  "x": 2}');
    const c = await capture();
    const r = await runInProcess(['replay', id, '--payload', file, '--to', c.url, '--secret', 's'], { env: box.env });
    expect(r.code, r.stderr).toBe(0);
    expect(c.requests[0].body.toString()).toBe('{"action": "closed",  "x": 2}');
    expect(verify('s', c.requests[0].body, String(c.requests[0].headers['x-hub-signature-256']))).toBe(true);
    writeFileSync(file, '{"action": }');
    const bad = await runInProcess(['replay', id, '--payload', file, '--to', c.url], { env: box.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not JSON: line 1, column 12/);
  });

  it('--edit opens $EDITOR (on a terminal only), and --new-delivery-id prints the GUID and keeps it', async () => {
    const [id] = seed([{ rawHeaders: ['Content-Type', 'application/json', 'X-GitHub-Event', 'pull_request', 'X-GitHub-Delivery', 'orig-guid'] }]);
    const noTty = await runInProcess(['replay', id, '--edit'], { env: box.env });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--edit opens your editor and needs a terminal/);
    const c = await capture();
    const r = await runInProcess(['replay', id, '--to', c.url, '--new-delivery-id', '--json'], { env: box.env });
    expect(r.code).toBe(0);
    const record = JSON.parse(r.stdout) as { newDeliveryId: string };
    expect(record.newDeliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.requests[0].headers['x-github-delivery']).toBe(record.newDeliveryId);
    const show = await runInProcess(['deliveries', 'show', id], { env: box.env });
    expect(show.stdout).toContain(`new X-GitHub-Delivery ${record.newDeliveryId}`);
  });
});

describe('send --header, --dry-run; export --to', () => {
  it('--header adds a header; --dry-run prints the exact request and sends nothing', async () => {
    const c = await capture();
    const dry = await runInProcess(['send', 'ping', '--to', c.url, '--secret', 's', '--header', 'X-Request-Id: 42', '--dry-run'], { env: box.env });
    expect(dry.code).toBe(0);
    expect(c.requests).toHaveLength(0);
    expect(dry.stdout).toMatch(/^POST \/ HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\n/);
    expect(dry.stdout).toContain('X-Request-Id: 42');
    expect(dry.stdout).toMatch(/X-Hub-Signature-256: sha256=[0-9a-f]{64}/);
    expect(dry.stderr).toMatch(/Nothing was sent \(--dry-run\)/);
    const sent = await runInProcess(['send', 'ping', '--to', c.url, '--header', 'X-Request-Id: 42'], { env: box.env });
    expect(sent.code).toBe(0);
    expect(c.requests[0].headers['x-request-id']).toBe('42');
    const refused = await runInProcess(['send', 'ping', '--to', c.url, '--header', 'X-Hub-Signature-256: sha256=00'], { env: box.env });
    expect(refused.code).toBe(2);
  });

  it('deliveries export --format curl --to URL aims the command elsewhere', async () => {
    const [id] = seed([{}]);
    const r = await runInProcess(['deliveries', 'export', id, '--to', 'http://127.0.0.1:3000/hooks'], { env: box.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("curl -sS -X POST 'http://127.0.0.1:3000/hooks'");
  });
});

describe('managing what is stored', () => {
  it('list --status/--signature filter, and "showing N of M" names --limit', async () => {
    seed([{ status: 200 }, { status: 401, signature: 'invalid' }, { status: 401, signature: 'missing' }, { status: 200 }]);
    const r = await runInProcess(['deliveries', 'list', '--status', '401', '--signature', 'invalid', '--json'], { env: box.env });
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(1);
    const cls = await runInProcess(['deliveries', 'list', '--status', '4xx', '--json'], { env: box.env });
    expect((JSON.parse(cls.stdout) as unknown[]).length).toBe(2);
    const limited = await runInProcess(['deliveries', 'list', '--limit', '2'], { env: box.env });
    expect(limited.stderr).toContain('showing 2 of 4 (--limit N for more)');
    const bad = await runInProcess(['deliveries', 'list', '--signature', 'bogus'], { env: box.env });
    expect(bad.code).toBe(2);
  });

  it('an empty or missing store is named', async () => {
    const r = await runInProcess(['deliveries', 'list'], { env: box.env });
    expect(r.stderr).toContain(`No deliveries stored yet in ${storeFile()}`);
  });

  it('rm deletes what it names (a GUID: every attempt); prune --keep and --older-than give space back', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const ids = seed([
      { deliveryId: 'g-a', receivedAt: old, body: Buffer.alloc(200_000, 0x20) },
      { deliveryId: 'g-a', receivedAt: old, body: Buffer.alloc(200_000, 0x20) },
      { deliveryId: 'g-b', receivedAt: old },
      { deliveryId: 'g-c', receivedAt: new Date() },
      { deliveryId: 'g-d', receivedAt: new Date() },
    ]);
    const rm = await runInProcess(['deliveries', 'rm', ids[2]], { env: box.env });
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stderr).toContain('Deleted 1 delivery');
    const byGuid = await runInProcess(['deliveries', 'rm', 'g-a'], { env: box.env });
    expect(byGuid.stderr).toContain('Deleted 2 deliveries');
    seed([{ deliveryId: 'g-e', receivedAt: old, body: Buffer.alloc(300_000, 0x20) }]);
    const pruned = await runInProcess(['deliveries', 'prune', '--older-than', '30d'], { env: box.env });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toMatch(/Deleted 1 delivery from .*; 2 kept; .* given back/);
    const kept = await runInProcess(['deliveries', 'prune', '--keep', '1'], { env: box.env });
    expect(kept.stderr).toMatch(/Deleted 1 delivery/);
    const list = await runInProcess(['deliveries', 'list', '--json'], { env: box.env });
    expect((JSON.parse(list.stdout) as { deliveryId: string }[]).map((d) => d.deliveryId)).toEqual(['g-d']);
    const unknown = await runInProcess(['deliveries', 'rmm', 'x'], { env: box.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "deliveries rmm"[\s\S]*deliveries rm/);
  });

  it('list --follow prints new deliveries as they arrive, until Ctrl+C', async () => {
    seed([{ deliveryId: 'before' }]);
    const follow: LongRunning = startCli(['deliveries', 'list', '--follow', '--json'], { env: box.env });
    closers.push(() => follow.stop('SIGKILL'));
    await follow.waitFor(/"before"/);
    seed([{ deliveryId: 'after-1' }]);
    await follow.waitFor(/"after-1"/, 3000);
    expect(await follow.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('list --follow as text: the header and the rows line up as in list, oldest first, the newest last', async () => {
    const [older, newer] = seed([{ deliveryId: 'g-1', repository: 'a/b' }, { deliveryId: 'g-2', repository: 'a-much-longer-owner/with-a-long-name' }]);
    const follow = startInProcess(['deliveries', 'list', '--follow'], { env: box.env });
    closers.push(() => follow.stop('SIGINT'));
    await follow.waitFor(new RegExp(newer));
    const [late] = seed([{ deliveryId: 'g-3', repository: 'c/d' }]);
    await follow.waitFor(new RegExp(late), 3000);
    expect(await follow.stop('SIGINT')).toEqual({ code: 0 });
    const lines = follow.stdout().trimEnd().split('\n');
    expect(lines.map((l) => l.slice(0, 7))).toEqual(['ID     ', older, newer, late]);
    const list = (await runInProcess(['deliveries', 'list'], { env: box.env })).stdout.split('\n');
    const at = (line: string, word: string) => line.indexOf(word);
    for (const column of ['REPOSITORY', 'SENDER', 'SIGNATURE', 'STATUS', 'RECEIVED']) expect(at(lines[0], column)).toBe(at(list[0], column));
    expect(at(lines[3], 'monalisa')).toBe(at(lines[0], 'SENDER'));
  });
});

describe('messages that say what to do', () => {
  it('https to a plain-HTTP server, and a URL without a scheme', async () => {
    const c = await capture();
    const https = await runInProcess(['send', 'ping', '--to', c.url.replace('http:', 'https:')], { env: box.env });
    expect(https.code).toBe(1);
    expect(https.stdout).toMatch(/speaks plain HTTP, not HTTPS: use http:\/\//);
    const bare = await runInProcess(['send', 'ping', '--to', 'localhost:5000/'], { env: box.env });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('did you mean http://localhost:5000/?');
  });

  it('verify names CRLF → LF and LF → CRLF the right way round', async () => {
    const lf = Buffer.from('{\n"a": 1\n}');
    const crlf = Buffer.from('{\r\n"a": 1\r\n}');
    const { sign } = await import('../../src/core/webhook/signing.js');
    const file = join(box.dir, 'body');
    writeFileSync(file, crlf);
    const toCrlf = await runInProcess(['verify', '--secret', 's', '--signature', sign('s', lf), file], { env: box.env });
    expect(toCrlf.stdout).toMatch(/from LF to CRLF: the signed body had LF/);
    writeFileSync(file, lf);
    const toLf = await runInProcess(['verify', '--secret', 's', '--signature', sign('s', crlf), file], { env: box.env });
    expect(toLf.stdout).toMatch(/from CRLF to LF: the signed body had CRLF/);
    const twice = await runInProcess(['verify', '--secret', 's', '--signature', 'sha256=00', '--signature', 'sha256=11', file], { env: box.env });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--signature was given twice/);
  });

  it('help: -v and "version" point at --version; --secret twice is refused where one secret is used; --cloudflared names every place searched', async () => {
    for (const argv of [['-v'], ['version']]) {
      const r = await runInProcess(argv, { env: box.env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Did you mean: hookctl --version (or -V)?');
      expect(r.stderr).not.toMatch(/verify/);
    }
    const twice = await runInProcess(['sign', '--secret', 'a', '--secret', 'b'], { env: box.env, input: 'x' });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--secret was given twice; give it once');
    const rotation = await runInProcess(['verify', '--secret', 'a', '--secret', 'b', '--signature', 'sha256=8c1bd0d3bb8bb5bba73b36e6d7dc6e81dda7b8d9c5c4a2a7c5c3a4b7e8f5c9d1'], { env: box.env, input: 'x' });
    expect(rotation.stderr).not.toContain('given twice');
    const help = await runInProcess(['listen', '--help'], { env: box.env });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('cloudflared binary (default $CLOUDFLARED_BIN, then the cloudflared npm package\'s, then one hookctl downloaded to $HOOKCTL_HOME/bin, then PATH)');
  });

  it('verify: an empty body says so, the generic mismatch is said once, a pasted header line is read as its value', async () => {
    const { sign } = await import('../../src/core/webhook/signing.js');
    const file = join(box.dir, 'body');
    writeFileSync(file, '{"zen":"Keep it logically awesome."}');
    const signature = sign('s', '{"zen":"Keep it logically awesome."}');
    const empty = await runInProcess(['verify', '--secret', 's', '--signature', signature], { env: box.env, input: '' });
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe('✗ signature does not match: the body is empty (0 bytes), and GitHub never signs an empty body\n  Pass the file that holds the exact request body, or pipe it on stdin.\n');
    const wrong = await runInProcess(['verify', '--secret', 'other', '--signature', signature, file], { env: box.env });
    expect(wrong.stdout.split('\n')[0]).toBe('✗ sha256 signature does not match: wrong secret, or the body was altered on the way');
    for (const pasted of [`X-Hub-Signature-256: ${signature}`, `x-hub-signature-256:${signature}`, `  X-Hub-Signature-256:  ${signature}  `]) {
      const ok = await runInProcess(['verify', '--secret', 's', '--signature', pasted, file], { env: box.env });
      expect(ok.stdout, pasted).toMatch(/^✓ valid sha256 signature over 36 bytes/);
    }
  });

  it('Ctrl+C during send --count prints the partial summary and exits 130', async () => {
    const slow = await startCaptureServer((_req, res) => setTimeout(() => res.end('ok'), 50));
    closers.push(() => slow.close());
    const p = startCli(['send', 'ping', '--count', '400', '--concurrency', '2', '--to', slow.url], { env: box.env });
    closers.push(() => p.stop('SIGKILL'));
    // Mid-batch: once a few deliveries arrived.
    await expect.poll(() => slow.requests.length, { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(4);
    p.child.kill('SIGINT');
    const exit = await p.exited;
    expect(exit.code).toBe(130);
    expect(p.stderr()).toMatch(/Interrupted: sent \d+ of 400 deliveries in .*: \d+ 2xx, 0 non-2xx, 0 failed to connect/);
  });

  it('send --list | head: the footer is for a terminal, not for a pipe', async () => {
    const r = await runInProcess(['send', '--list'], { env: box.env });
    expect(r.stderr).toBe('');
  });
});

describe('register keeps what it was not told to change', () => {
  let gh: FakeGithub;
  beforeEach(async () => {
    gh = await startFakeGithub();
    closers.push(() => gh.finish());
  });

  it('without --events and without a terminal, an update keeps the hook\'s events', async () => {
    const HOOKS = '/repos/octo-org/octo-repo/hooks';
    const url = 'https://hooks.example.com/new';
    gh.stub({ method: 'GET', path: HOOKS }, { body: [makeHook({ id: 9, url, events: ['issues', 'pull_request', 'push'], contentType: 'form' })] });
    gh.stub({ method: 'PATCH', path: `${HOOKS}/9`, body: (b) => JSON.stringify(b.events) === JSON.stringify(['issues', 'pull_request', 'push']) }, { body: makeHook({ id: 9, url, events: ['issues', 'pull_request', 'push'] }) });
    const r = await runInProcess(['register', 'octo-org/octo-repo', '--url', url], { env: { ...box.env, GITHUB_TOKEN: 't', GITHUB_API_URL: gh.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/updated webhook 9 .*events issues,pull_request,push/);
  });
});
